package backup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/atomicfile"
)

// DocumentVersion is the version of the Document this code writes.
const DocumentVersion = 1

// maxFileSize bounds what ReadFile reads: thousands of accounts fit.
const maxFileSize = 64 << 20

// Entry is one account: its metadata and its tokens.
type Entry struct {
	Account account.Account `json:"account"`
	Secret  account.Secret  `json:"secret"`
}

// Document is what a backup holds.
type Document struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Accounts  []Entry   `json:"accounts"`
}

// String never prints a token.
func (d Document) String() string {
	return fmt.Sprintf("backup.Document{%d accounts, %s}", len(d.Accounts), d.CreatedAt.Format(time.RFC3339))
}

// GoString never prints a token.
func (d Document) GoString() string { return d.String() }

// Options tune Seal and WriteFile.
type Options struct {
	// LogN is scrypt's log2(N); 0 means DefaultLogN. Tests lower it.
	LogN uint8
}

// Seal encrypts doc with passphrase (at least MinPassphraseLen characters).
func Seal(doc Document, passphrase string, o Options) ([]byte, error) {
	if o.LogN == 0 {
		o.LogN = DefaultLogN
	}
	if doc.Version == 0 {
		doc.Version = DocumentVersion
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encoding backup: %w", err)
	}
	defer clear(plain)
	return seal(plain, passphrase, o.LogN)
}

// Open decrypts a sealed backup. A wrong passphrase is ErrBadPassphrase; a
// damaged file ErrCorrupt; another kind of file ErrNotBackup.
func Open(data []byte, passphrase string) (Document, error) {
	plain, err := open(data, passphrase)
	if err != nil {
		return Document{}, err
	}
	defer clear(plain)
	var doc Document
	if err := json.Unmarshal(plain, &doc); err != nil {
		return Document{}, fmt.Errorf("decrypted contents are not a backup document: %w", ErrCorrupt)
	}
	if doc.Version > DocumentVersion {
		return Document{}, fmt.Errorf("document version %d: %w", doc.Version, ErrTooNew)
	}
	if doc.Version < 1 {
		return Document{}, fmt.Errorf("document has no version: %w", ErrCorrupt)
	}
	return doc, nil
}

// WriteFile seals doc to path: atomically, mode 0600, its directory
// created 0700 when missing.
func WriteFile(path string, doc Document, passphrase string, o Options) error {
	data, err := Seal(doc, passphrase, o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating the backup's directory: %w", err)
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("writing backup: %w", err)
	}
	return nil
}

// ReadFile reads and opens the backup at path.
func ReadFile(path, passphrase string) (Document, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Document{}, fmt.Errorf("reading backup: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Document{}, fmt.Errorf("reading backup: %s is not a regular file: %w", path, ErrNotBackup)
	}
	if fi.Size() > maxFileSize {
		return Document{}, fmt.Errorf("reading backup: %d bytes is too large: %w", fi.Size(), ErrNotBackup)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Document{}, fmt.Errorf("reading backup: %w", err)
	}
	return Open(data, passphrase)
}
