// Package sealed is Quiver's passphrase-encrypted file format, shared by
// the encrypted secrets file (package secret) and backups (package backup):
// a fixed header, then the AES-256-GCM ciphertext of the payload.
//
//	offset size
//	0      8    magic, naming the kind of file (e.g. "QVSECRET", "QVBACKUP")
//	8      1    format version (1)
//	9      1    scrypt log2(N)
//	10     1    scrypt r
//	11     1    scrypt p
//	12     16   scrypt salt
//	28     16   passphrase verifier (scrypt output bytes 32..47)
//	44     12   GCM nonce, fresh for every Seal
//	56     ...  ciphertext and tag; the whole header is the additional data
//
// scrypt derives 48 bytes from the passphrase and salt: the first 32 are the
// AES key, the last 16 the verifier. The verifier tells a wrong passphrase
// (ErrBadPassphrase) from a damaged file (ErrCorrupt); it reveals no more
// about the passphrase than the ciphertext itself.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// MagicLen is the length every magic must have.
const MagicLen = 8

const (
	version     = 1
	saltLen     = 16
	verifierLen = 16
	nonceLen    = 12
	tagLen      = 16
	keyLen      = 32
	// HeaderLen is the size of the header before the ciphertext.
	HeaderLen = MagicLen + 4 + saltLen + verifierLen + nonceLen
	// maxMemory refuses parameters (from a file) that would need more.
	maxMemory = 512 << 20
)

// Errors, matched with errors.Is. None carries payload or passphrase.
var (
	ErrBadPassphrase = errors.New("wrong passphrase")
	ErrCorrupt       = errors.New("file is damaged")
	ErrWrongKind     = errors.New("not this kind of file")
	ErrTooNew        = errors.New("written by a newer version of Quiver: update Quiver to read it")
)

// Params are scrypt's cost parameters: N = 2^LogN, r, p.
type Params struct{ LogN, R, P uint8 }

func (p Params) plausible() bool {
	return p.LogN >= 10 && p.LogN <= 22 && p.R >= 1 && p.R <= 32 && p.P >= 1 && p.P <= 4 &&
		128*int64(p.R)<<p.LogN <= maxMemory
}

// Key is a passphrase's key for one salt and cost. Deriving one is slow on
// purpose; a caller that writes the same file often keeps its Key.
type Key struct {
	params   Params
	salt     [saltLen]byte
	aead     cipher.AEAD
	verifier [verifierLen]byte
}

// NewKey derives a key for passphrase under a fresh random salt.
func NewKey(passphrase string, p Params) (*Key, error) {
	if !p.plausible() {
		return nil, fmt.Errorf("scrypt parameters 2^%d, r=%d, p=%d are out of range", p.LogN, p.R, p.P)
	}
	var salt [saltLen]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, fmt.Errorf("generating salt: %w", err)
	}
	return derive(passphrase, p, salt)
}

func derive(passphrase string, p Params, salt [saltLen]byte) (*Key, error) {
	dk, err := scrypt.Key([]byte(passphrase), salt[:], 1<<p.LogN, int(p.R), int(p.P), keyLen+verifierLen)
	if err != nil {
		return nil, fmt.Errorf("deriving the key: %w", err)
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk[:keyLen])
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating GCM: %w", err)
	}
	k := &Key{params: p, salt: salt, aead: aead}
	copy(k.verifier[:], dk[keyLen:])
	return k, nil
}

// Params returns the key's cost parameters.
func (k *Key) Params() Params { return k.params }

// Seal encrypts plain into a file of the given magic, under a fresh nonce.
func (k *Key) Seal(magic string, plain []byte) ([]byte, error) {
	if len(magic) != MagicLen {
		return nil, fmt.Errorf("sealed: magic %q is not %d bytes", magic, MagicLen)
	}
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("generating nonce: %w", err)
	}
	h := make([]byte, 0, HeaderLen)
	h = append(h, magic...)
	h = append(h, version, k.params.LogN, k.params.R, k.params.P)
	h = append(h, k.salt[:]...)
	h = append(h, k.verifier[:]...)
	h = append(h, nonce[:]...)
	return k.aead.Seal(h, nonce[:], plain, h), nil
}

// File is a parsed sealed file, not yet opened.
type File struct {
	data     []byte
	params   Params
	salt     [saltLen]byte
	verifier [verifierLen]byte
	nonce    [nonceLen]byte
}

// Parse checks data's header: ErrWrongKind for another magic, ErrTooNew for
// a newer format, ErrCorrupt for a damaged or truncated one.
func Parse(magic string, data []byte) (*File, error) {
	if len(data) < MagicLen || string(data[:MagicLen]) != magic {
		return nil, ErrWrongKind
	}
	if len(data) > MagicLen && data[MagicLen] > version {
		return nil, fmt.Errorf("format version %d: %w", data[MagicLen], ErrTooNew)
	}
	if len(data) < HeaderLen+tagLen {
		return nil, fmt.Errorf("truncated to %d bytes: %w", len(data), ErrCorrupt)
	}
	rest := data[MagicLen:]
	if rest[0] != version {
		return nil, fmt.Errorf("unknown format version %d: %w", rest[0], ErrCorrupt)
	}
	f := &File{data: data, params: Params{LogN: rest[1], R: rest[2], P: rest[3]}}
	rest = rest[4:]
	rest = rest[copy(f.salt[:], rest):]
	rest = rest[copy(f.verifier[:], rest):]
	copy(f.nonce[:], rest)
	if !f.params.plausible() {
		return nil, fmt.Errorf("implausible key derivation parameters: %w", ErrCorrupt)
	}
	return f, nil
}

// Params returns the file's cost parameters.
func (f *File) Params() Params { return f.params }

// Fits reports whether k was derived for this file's salt and cost, so it
// can open it without deriving again.
func (f *File) Fits(k *Key) bool {
	return k != nil && k.params == f.params && k.salt == f.salt
}

// Key derives the file's key from passphrase: ErrBadPassphrase when it is
// not the one the file was sealed with.
func (f *File) Key(passphrase string) (*Key, error) {
	k, err := derive(passphrase, f.params, f.salt)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.verifier[:], f.verifier[:]) != 1 {
		return nil, ErrBadPassphrase
	}
	return k, nil
}

// Open decrypts the file with k (from Key, or a kept one that Fits). The
// caller clears the result when done with it.
func (f *File) Open(k *Key) ([]byte, error) {
	if !f.Fits(k) || subtle.ConstantTimeCompare(k.verifier[:], f.verifier[:]) != 1 {
		return nil, ErrBadPassphrase
	}
	plain, err := k.aead.Open(nil, f.nonce[:], f.data[HeaderLen:], f.data[:HeaderLen])
	if err != nil {
		return nil, fmt.Errorf("authentication failed: %w", ErrCorrupt)
	}
	return plain, nil
}
