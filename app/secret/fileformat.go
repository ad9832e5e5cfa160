package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// The encrypted file is one header followed by the AES-256-GCM ciphertext
// of a JSON document holding every secret:
//
//	offset size
//	0      8    magic "QVSECRET"
//	8      1    format version (1)
//	9      1    scrypt log2(N)
//	10     1    scrypt r
//	11     1    scrypt p
//	12     16   scrypt salt
//	28     16   passphrase verifier (scrypt output bytes 32..47)
//	44     12   GCM nonce, fresh for every write
//	56     ...  ciphertext and tag; the whole header is the additional data
//
// scrypt derives 48 bytes from the passphrase and salt: the first 32 are the
// AES key, the last 16 the verifier. The verifier tells a wrong passphrase
// (ErrBadPassphrase) from a damaged file (ErrCorrupt); it reveals no more
// than the ciphertext itself about the passphrase.
const (
	fileMagic       = "QVSECRET"
	fileVersion     = 1
	saltLen         = 16
	verifierLen     = 16
	nonceLen        = 12
	headerLen       = len(fileMagic) + 4 + saltLen + verifierLen + nonceLen
	aesKeyLen       = 32
	defaultLogN     = 15 // N = 32768
	defaultR        = 8
	defaultP        = 1
	maxScryptMemory = 256 << 20 // refuse parameters that would need more
)

// kdfParams are the scrypt parameters and salt of one file.
type kdfParams struct {
	logN, r, p uint8
	salt       [saltLen]byte
}

// newKDFParams returns parameters with a fresh random salt.
func newKDFParams(logN uint8) (kdfParams, error) {
	p := kdfParams{logN: logN, r: defaultR, p: defaultP}
	if _, err := rand.Read(p.salt[:]); err != nil {
		return kdfParams{}, fmt.Errorf("generating salt: %w", err)
	}
	return p, nil
}

func (p kdfParams) plausible() bool {
	return p.logN >= 10 && p.logN <= 22 && p.r >= 1 && p.r <= 32 && p.p >= 1 && p.p <= 4 &&
		128*int64(p.r)<<p.logN <= maxScryptMemory
}

// fileKey is a passphrase's key for one set of kdfParams.
type fileKey struct {
	params   kdfParams
	aead     cipher.AEAD
	verifier [verifierLen]byte
}

// deriveKey runs scrypt: deliberately slow, so callers cache the result.
func deriveKey(passphrase string, params kdfParams) (*fileKey, error) {
	dk, err := scrypt.Key([]byte(passphrase), params.salt[:], 1<<params.logN, int(params.r), int(params.p), aesKeyLen+verifierLen)
	if err != nil {
		return nil, fmt.Errorf("deriving the file key: %w", err)
	}
	defer clear(dk)
	block, err := aes.NewCipher(dk[:aesKeyLen])
	if err != nil {
		return nil, fmt.Errorf("creating cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("creating GCM: %w", err)
	}
	k := &fileKey{params: params, aead: aead}
	copy(k.verifier[:], dk[aesKeyLen:])
	return k, nil
}

// fileHeader is the parsed fixed-size header.
type fileHeader struct {
	params   kdfParams
	verifier [verifierLen]byte
	nonce    [nonceLen]byte
}

func (h fileHeader) marshal() []byte {
	b := make([]byte, 0, headerLen)
	b = append(b, fileMagic...)
	b = append(b, fileVersion, h.params.logN, h.params.r, h.params.p)
	b = append(b, h.params.salt[:]...)
	b = append(b, h.verifier[:]...)
	b = append(b, h.nonce[:]...)
	return b
}

// errTooNew is wrapped when the file was written by a newer format.
var errTooNew = errors.New("written by a newer version of Quiver: update Quiver to read it")

// parseHeader splits data into its header and ciphertext.
func parseHeader(data []byte) (fileHeader, []byte, error) {
	var h fileHeader
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		return h, nil, fmt.Errorf("not a Quiver secrets file: %w", ErrCorrupt)
	}
	if len(data) > len(fileMagic) && data[len(fileMagic)] > fileVersion {
		return h, nil, fmt.Errorf("format version %d: %w", data[len(fileMagic)], errTooNew)
	}
	if len(data) < headerLen+16 { // 16: the GCM tag
		return h, nil, fmt.Errorf("truncated (%d bytes): %w", len(data), ErrCorrupt)
	}
	rest := data[len(fileMagic):]
	if rest[0] != fileVersion {
		return h, nil, fmt.Errorf("unknown format version %d: %w", rest[0], ErrCorrupt)
	}
	h.params.logN, h.params.r, h.params.p = rest[1], rest[2], rest[3]
	rest = rest[4:]
	rest = rest[copy(h.params.salt[:], rest):]
	rest = rest[copy(h.verifier[:], rest):]
	copy(h.nonce[:], rest)
	if !h.params.plausible() {
		return h, nil, fmt.Errorf("implausible key derivation parameters: %w", ErrCorrupt)
	}
	return h, data[headerLen:], nil
}

// fileContents is the plaintext: every secret by key.
type fileContents struct {
	Secrets map[string][]byte `json:"secrets"`
}

// seal encrypts secrets with key under a fresh nonce.
func seal(key *fileKey, secrets map[string][]byte) ([]byte, error) {
	plain, err := json.Marshal(fileContents{Secrets: secrets})
	if err != nil {
		return nil, fmt.Errorf("encoding secrets: %w", err)
	}
	defer clear(plain)
	h := fileHeader{params: key.params, verifier: key.verifier}
	if _, err := rand.Read(h.nonce[:]); err != nil {
		return nil, fmt.Errorf("generating nonce: %w", err)
	}
	header := h.marshal()
	return key.aead.Seal(header, h.nonce[:], plain, header), nil
}

// unseal decrypts data, which must have been sealed with key's params
// (the caller checks the header's params against key's).
func unseal(key *fileKey, h fileHeader, data, ciphertext []byte) (map[string][]byte, error) {
	if subtle.ConstantTimeCompare(key.verifier[:], h.verifier[:]) != 1 {
		return nil, ErrBadPassphrase
	}
	plain, err := key.aead.Open(nil, h.nonce[:], ciphertext, data[:headerLen])
	if err != nil {
		return nil, fmt.Errorf("authentication failed: %w", ErrCorrupt)
	}
	defer clear(plain)
	var c fileContents
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, fmt.Errorf("decrypted contents are not valid: %w", ErrCorrupt)
	}
	if c.Secrets == nil {
		c.Secrets = map[string][]byte{}
	}
	return c.Secrets, nil
}
