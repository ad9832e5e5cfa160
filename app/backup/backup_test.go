package backup

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
)

// testLogN keeps scrypt cheap; TestDefaultCost checks the real one.
const testLogN = 10

const pass = "correct horse battery"

func sampleDoc() Document {
	return Document{
		CreatedAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Accounts: []Entry{{
			Account: account.Account{ID: "a1", Alias: "work", Email: "w@example.com", ChatGPTAccountID: "acc-1", Tags: []string{"team"}},
			Secret:  account.Secret{Access: "ACCESS-SECRET-1", Refresh: "REFRESH-SECRET-1", IDToken: "ID-SECRET-1"},
		}},
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "quiver.backup")
	if err := WriteFile(path, sampleDoc(), pass, Options{LogN: testLogN}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	for _, secret := range []string{"ACCESS-SECRET-1", "REFRESH-SECRET-1", "w@example.com", "work"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("file holds %q in the clear", secret)
		}
	}
	doc, err := ReadFile(path, pass)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != DocumentVersion || len(doc.Accounts) != 1 {
		t.Fatalf("got %v", doc)
	}
	e := doc.Accounts[0]
	if e.Account.Alias != "work" || e.Secret.Refresh != "REFRESH-SECRET-1" || e.Account.Tags[0] != "team" {
		t.Errorf("entry did not survive: %+v", e.Account)
	}
	if s := doc.String() + doc.GoString(); strings.Contains(s, "SECRET") {
		t.Errorf("String leaks a token: %s", s)
	}
}

func TestFreshSaltAndNonce(t *testing.T) {
	t.Parallel()
	a, err := Seal(sampleDoc(), pass, Options{LogN: testLogN})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Seal(sampleDoc(), pass, Options{LogN: testLogN})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[12:headerLen], b[12:headerLen]) {
		t.Error("two backups share salt or nonce")
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	good, err := Seal(sampleDoc(), pass, Options{LogN: testLogN})
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	newer := bytes.Clone(good)
	newer[len(magic)] = 2 // a format version newer than 1
	tests := []struct {
		name       string
		data       []byte
		passphrase string
		want       error
	}{
		{"wrong passphrase", good, "not the passphrase", ErrBadPassphrase},
		{"empty passphrase", good, "", ErrBadPassphrase},
		{"flipped ciphertext byte", flip(len(good) - 20), pass, ErrCorrupt},
		{"flipped tag byte", flip(len(good) - 1), pass, ErrCorrupt},
		{"flipped nonce byte", flip(headerLen - 1), pass, ErrCorrupt},
		{"truncated", good[:len(good)-30], pass, ErrCorrupt},
		{"header only", good[:headerLen], pass, ErrCorrupt},
		{"implausible cost", func() []byte { b := bytes.Clone(good); b[9] = 40; return b }(), pass, ErrCorrupt},
		{"newer format", newer, pass, ErrTooNew},
		{"empty file", nil, pass, ErrNotBackup},
		{"other file", []byte(`{"accounts": []}`), pass, ErrNotBackup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(tt.data, tt.passphrase)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks a token: %v", err)
			}
		})
	}
}

func TestPredicates(t *testing.T) {
	t.Parallel()
	if !IsBadPassphrase(ErrBadPassphrase) || IsBadPassphrase(ErrCorrupt) {
		t.Error("IsBadPassphrase")
	}
	if !IsDamaged(ErrCorrupt) || !IsDamaged(ErrNotBackup) || IsDamaged(ErrBadPassphrase) {
		t.Error("IsDamaged")
	}
}

func TestWeakPassphraseRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "b")
	if err := WriteFile(path, sampleDoc(), "short", Options{LogN: testLogN}); !errors.Is(err, ErrWeakPassphrase) {
		t.Fatalf("err = %v, want ErrWeakPassphrase", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a file was written for a refused passphrase")
	}
}

func TestNewerDocumentRefused(t *testing.T) {
	t.Parallel()
	doc := sampleDoc()
	doc.Version = DocumentVersion + 1
	data, err := Seal(doc, pass, Options{LogN: testLogN})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(data, pass); !errors.Is(err, ErrTooNew) {
		t.Fatalf("err = %v, want ErrTooNew", err)
	}
}

func TestReadFileNotRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadFile(dir, pass); !errors.Is(err, ErrNotBackup) {
		t.Errorf("directory: err = %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), pass); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: err = %v", err)
	}
}

func TestDefaultCost(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("scrypt at full cost")
	}
	data, err := Seal(sampleDoc(), pass, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if data[9] != DefaultLogN || data[10] != scryptR || data[11] != scryptP {
		t.Errorf("scrypt parameters %d %d %d", data[9], data[10], data[11])
	}
	if _, err := Open(data, pass); err != nil {
		t.Fatal(err)
	}
}
