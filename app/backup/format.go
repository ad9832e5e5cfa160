package backup

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"
)

// A backup file is one header followed by the AES-256-GCM ciphertext (and
// tag) of the JSON Document:
//
//	offset size
//	0      8    magic "QVBACKUP"
//	8      1    format version (1)
//	9      1    scrypt log2(N)
//	10     1    scrypt r
//	11     1    scrypt p
//	12     16   scrypt salt, fresh for every file
//	28     16   passphrase verifier (scrypt output bytes 32..47)
//	44     12   GCM nonce, fresh for every file
//	56     ...  ciphertext and tag; the whole header is the additional data
//
// scrypt derives 48 bytes: the first 32 are the AES key, the last 16 the
// verifier, which reveals nothing the ciphertext does not.
const (
	magic         = "QVBACKUP"
	formatVersion = 1
	saltLen       = 16
	verifierLen   = 16
	nonceLen      = 12
	tagLen        = 16
	keyLen        = 32
	headerLen     = len(magic) + 4 + saltLen + verifierLen + nonceLen

	// DefaultLogN is the scrypt cost of a new backup: N = 2^17, r = 8
	// (128 MiB, about half a second). A backup sits in cloud folders and on
	// USB sticks, so it gets a higher cost than the local secrets file.
	DefaultLogN = 17
	scryptR     = 8
	scryptP     = 1
	// maxMemory refuses parameters from a file that would need more.
	maxMemory = 512 << 20

	// MinPassphraseLen is the shortest passphrase a new backup accepts.
	MinPassphraseLen = 8
)

// Errors a caller tells the user about. Each leaves nothing changed.
var (
	// ErrBadPassphrase: the passphrase is not the one the file was made with.
	ErrBadPassphrase = errors.New("wrong passphrase for this backup")
	// ErrCorrupt: the file is a Quiver backup but damaged or truncated.
	ErrCorrupt = errors.New("backup file is damaged")
	// ErrNotBackup: the file is not a Quiver backup at all.
	ErrNotBackup = errors.New("not a Quiver backup file")
	// ErrTooNew: written by a newer Quiver.
	ErrTooNew = errors.New("backup was written by a newer version of Quiver; update Quiver to restore it")
	// ErrWeakPassphrase: a new backup needs a passphrase of at least
	// MinPassphraseLen characters.
	ErrWeakPassphrase = fmt.Errorf("the backup passphrase must have at least %d characters", MinPassphraseLen)
)

// IsBadPassphrase reports whether err means the passphrase was wrong.
func IsBadPassphrase(err error) bool { return errors.Is(err, ErrBadPassphrase) }

// IsDamaged reports whether err means the file is damaged, truncated or not
// a backup.
func IsDamaged(err error) bool { return errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotBackup) }

// kdf is one file's scrypt parameters and salt.
type kdf struct {
	logN, r, p uint8
	salt       [saltLen]byte
}

func (k kdf) plausible() bool {
	return k.logN >= 10 && k.logN <= 22 && k.r >= 1 && k.r <= 32 && k.p >= 1 && k.p <= 4 &&
		128*int64(k.r)<<k.logN <= maxMemory
}

// derive runs scrypt and returns the cipher and the verifier.
func (k kdf) derive(passphrase string) (cipher.AEAD, [verifierLen]byte, error) {
	var ver [verifierLen]byte
	dk, err := scrypt.Key([]byte(passphrase), k.salt[:], 1<<k.logN, int(k.r), int(k.p), keyLen+verifierLen)
	if err != nil {
		return nil, ver, fmt.Errorf("deriving the backup key: %w", err)
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk[:keyLen])
	if err != nil {
		return nil, ver, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, ver, fmt.Errorf("creating GCM: %w", err)
	}
	copy(ver[:], dk[keyLen:])
	return aead, ver, nil
}

type header struct {
	kdf      kdf
	verifier [verifierLen]byte
	nonce    [nonceLen]byte
}

func (h header) marshal() []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, magic...)
	b = append(b, formatVersion, h.kdf.logN, h.kdf.r, h.kdf.p)
	b = append(b, h.kdf.salt[:]...)
	b = append(b, h.verifier[:]...)
	return append(b, h.nonce[:]...)
}

func parseHeader(data []byte) (header, error) {
	var h header
	if len(data) < len(magic) || string(data[:len(magic)]) != magic {
		return h, ErrNotBackup
	}
	if len(data) > len(magic) && data[len(magic)] > formatVersion {
		return h, fmt.Errorf("format version %d: %w", data[len(magic)], ErrTooNew)
	}
	if len(data) < headerLen+tagLen {
		return h, fmt.Errorf("truncated to %d bytes: %w", len(data), ErrCorrupt)
	}
	rest := data[len(magic):]
	if rest[0] != formatVersion {
		return h, fmt.Errorf("unknown format version %d: %w", rest[0], ErrCorrupt)
	}
	h.kdf.logN, h.kdf.r, h.kdf.p = rest[1], rest[2], rest[3]
	rest = rest[4:]
	rest = rest[copy(h.kdf.salt[:], rest):]
	rest = rest[copy(h.verifier[:], rest):]
	copy(h.nonce[:], rest)
	if !h.kdf.plausible() {
		return h, fmt.Errorf("implausible key derivation parameters: %w", ErrCorrupt)
	}
	return h, nil
}

// seal encrypts plain under passphrase with scrypt cost logN.
func seal(plain []byte, passphrase string, logN uint8) ([]byte, error) {
	if utf8.RuneCountInString(passphrase) < MinPassphraseLen {
		return nil, ErrWeakPassphrase
	}
	h := header{kdf: kdf{logN: logN, r: scryptR, p: scryptP}}
	if !h.kdf.plausible() {
		return nil, fmt.Errorf("scrypt cost 2^%d is out of range", logN)
	}
	if _, err := rand.Read(h.kdf.salt[:]); err != nil {
		return nil, fmt.Errorf("generating salt: %w", err)
	}
	if _, err := rand.Read(h.nonce[:]); err != nil {
		return nil, fmt.Errorf("generating nonce: %w", err)
	}
	aead, ver, err := h.kdf.derive(passphrase)
	if err != nil {
		return nil, err
	}
	h.verifier = ver
	hdr := h.marshal()
	return aead.Seal(hdr, h.nonce[:], plain, hdr), nil
}

// open decrypts data sealed by seal. The caller clears the result.
func open(data []byte, passphrase string) ([]byte, error) {
	h, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	aead, ver, err := h.kdf.derive(passphrase)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(ver[:], h.verifier[:]) != 1 {
		return nil, ErrBadPassphrase
	}
	plain, err := aead.Open(nil, h.nonce[:], data[headerLen:], data[:headerLen])
	if err != nil {
		return nil, fmt.Errorf("authentication failed: %w", ErrCorrupt)
	}
	return plain, nil
}
