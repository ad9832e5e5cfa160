package secret

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/quiver-app/quiver/app/sealed"
)

// The encrypted file is a sealed file (package sealed: scrypt, AES-256-GCM,
// a passphrase verifier) of kind "QVSECRET" whose payload is a JSON
// document holding every secret.
const (
	fileMagic   = "QVSECRET"
	defaultLogN = 15 // N = 32768: read on every start, so cheaper than a backup's
)

func fileParams(logN uint8) sealed.Params { return sealed.Params{LogN: logN, R: 8, P: 1} }

// errTooNew is wrapped when the file was written by a newer format.
var errTooNew = sealed.ErrTooNew

// fileContents is the plaintext: every secret by key.
type fileContents struct {
	Secrets map[string][]byte `json:"secrets"`
}

// seal encrypts secrets with key under a fresh nonce.
func seal(key *sealed.Key, secrets map[string][]byte) ([]byte, error) {
	plain, err := json.Marshal(fileContents{Secrets: secrets})
	if err != nil {
		return nil, fmt.Errorf("encoding secrets: %w", err)
	}
	defer clear(plain)
	return key.Seal(fileMagic, plain)
}

// parseFile checks the file's header, mapping sealed's errors to this
// package's.
func parseFile(data []byte) (*sealed.File, error) {
	f, err := sealed.Parse(fileMagic, data)
	switch {
	case errors.Is(err, sealed.ErrWrongKind):
		return nil, fmt.Errorf("not a Quiver secrets file: %w", ErrCorrupt)
	case errors.Is(err, sealed.ErrCorrupt):
		return nil, fmt.Errorf("%v: %w", err, ErrCorrupt)
	}
	return f, err
}

// unseal decrypts f with key.
func unseal(key *sealed.Key, f *sealed.File) (map[string][]byte, error) {
	plain, err := f.Open(key)
	switch {
	case errors.Is(err, sealed.ErrBadPassphrase):
		return nil, ErrBadPassphrase
	case err != nil:
		return nil, fmt.Errorf("%v: %w", err, ErrCorrupt)
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
