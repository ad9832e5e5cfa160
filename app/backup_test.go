package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/backup"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// cheap keeps scrypt fast in tests; TestBackupDefaultCost uses the real cost.
var cheap = backup.Options{LogN: 10}

const backupPass = "a long enough passphrase"

// backedUp returns a backup of alice (renamed, tagged, disabled) and bob,
// and their tokens.
func backedUp(t *testing.T) (path string, tokens map[string]codex.Tokens) {
	t.Helper()
	ctx := context.Background()
	src := newLoggedApp(t)
	a, aliceTok := src.signIn(t, alice, 2*time.Hour)
	_, bobTok := src.signIn(t, bob, 2*time.Hour)
	if _, err := src.app.Rename(ctx, a.ID, "work"); err != nil {
		t.Fatal(err)
	}
	if err := src.app.SetTagsAndNotes(ctx, a.ID, []string{"team", "eu"}, "the company seat"); err != nil {
		t.Fatal(err)
	}
	if err := src.app.SetDisabled(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "quiver.backup")
	n, err := src.app.backup(ctx, path, backupPass, cheap)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("backed up %d accounts, want 2", n)
	}
	return path, map[string]codex.Tokens{"alice": aliceTok, "bob": bobTok}
}

func TestBackupFile(t *testing.T) {
	t.Parallel()
	path, tokens := backedUp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	for _, tok := range tokens {
		if bytes.Contains(data, []byte(tok.RefreshToken)) || bytes.Contains(data, []byte("alice@example.com")) {
			t.Fatal("the backup holds account data in the clear")
		}
	}
}

func TestRestoreIntoEmptyQuiver(t *testing.T) {
	t.Parallel()
	path, tokens := backedUp(t)
	ctx := context.Background()
	dst := newLoggedApp(t)
	added, updated, err := dst.app.Restore(ctx, path, backupPass)
	if err != nil {
		t.Fatal(err)
	}
	if added != 2 || updated != 0 {
		t.Errorf("added %d updated %d, want 2 0", added, updated)
	}
	snap := dst.app.store.Snapshot()
	if len(snap.Accounts) != 2 {
		t.Fatalf("%d accounts", len(snap.Accounts))
	}
	work, err := dst.app.store.Resolve("work")
	if err != nil {
		t.Fatal(err)
	}
	if work.Email != "alice@example.com" || !work.Disabled || work.Notes != "the company seat" || len(work.Tags) != 2 {
		t.Errorf("alice's metadata not restored: %+v", work)
	}
	if snap.Accounts[0].ID != work.ID {
		t.Error("pool order not kept")
	}
	sec, err := dst.app.store.Tokens(ctx, work.ID)
	if err != nil || sec.Refresh != tokens["alice"].RefreshToken {
		t.Errorf("alice's tokens not restored (%v)", err)
	}

	// Again: nothing new, nothing duplicated.
	added, updated, err = dst.app.Restore(ctx, path, backupPass)
	if err != nil || added != 0 || updated != 0 {
		t.Errorf("second restore: added %d updated %d err %v", added, updated, err)
	}
	if n := len(dst.app.store.Snapshot().Accounts); n != 2 {
		t.Errorf("%d accounts after a second restore, want 2", n)
	}
}

func TestRestoreMergesWithKnownAccounts(t *testing.T) {
	t.Parallel()
	path, tokens := backedUp(t)
	ctx := context.Background()
	dst := newLoggedApp(t)
	// This machine knows alice already, with tokens older than the backup's,
	// and bob with newer ones.
	older := codextest.Identity{Email: alice.Email, AccountID: alice.AccountID, UserID: alice.UserID}
	mine, _ := dst.signIn(t, older, 30*time.Minute)
	if _, err := dst.app.Rename(ctx, mine.ID, "personal"); err != nil {
		t.Fatal(err)
	}
	_, bobNewer := dst.signIn(t, bob, 5*time.Hour)

	added, updated, err := dst.app.Restore(ctx, path, backupPass)
	if err != nil {
		t.Fatal(err)
	}
	if added != 0 || updated != 1 {
		t.Errorf("added %d updated %d, want 0 1", added, updated)
	}
	if n := len(dst.app.store.Snapshot().Accounts); n != 2 {
		t.Fatalf("%d accounts, want 2", n)
	}
	got, _ := dst.app.store.Resolve(mine.ID)
	if got.Alias != "personal" || got.Disabled {
		t.Errorf("a known account took the backup's metadata: %+v", got)
	}
	if sec, _ := dst.app.store.Tokens(ctx, mine.ID); sec.Refresh != tokens["alice"].RefreshToken {
		t.Error("alice did not take the backup's newer tokens")
	}
	bobAcc, _ := dst.app.store.Resolve("bob")
	if sec, _ := dst.app.store.Tokens(ctx, bobAcc.ID); sec.Refresh != bobNewer.RefreshToken {
		t.Error("bob's newer tokens were replaced by the backup's older ones")
	}
}

func TestRestoreFailuresChangeNothing(t *testing.T) {
	t.Parallel()
	path, _ := backedUp(t)
	good, _ := os.ReadFile(path)
	damaged := bytes.Clone(good)
	damaged[len(damaged)-40] ^= 0xff
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A backup whose second entry is not a usable login.
	bad := filepath.Join(dir, "bad-entry")
	exp := time.Now().Add(time.Hour)
	doc := backup.Document{Accounts: []backup.Entry{
		{Account: account.Account{Alias: "ok", ChatGPTAccountID: "ws-c"}, Secret: account.Secret{
			Access: codextest.MintJWT(codextest.Identity{AccountID: "ws-c", UserID: "u-c"}, exp), IDToken: codextest.MintJWT(codextest.Identity{AccountID: "ws-c", UserID: "u-c"}, exp), Refresh: "rt"}},
		{Account: account.Account{Alias: "broken", ChatGPTAccountID: "ws-d"}, Secret: account.Secret{Access: "not a jwt", Refresh: "rt"}},
	}}
	if err := backup.WriteFile(bad, doc, backupPass, cheap); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, pass string
		check            func(error) bool
	}{
		{"wrong passphrase", path, "another passphrase", backup.IsBadPassphrase},
		{"damaged", write("damaged", damaged), backupPass, backup.IsDamaged},
		{"truncated", write("truncated", good[:60]), backupPass, backup.IsDamaged},
		{"not a backup", write("other", []byte(`{"openai": {}}`)), backupPass, backup.IsDamaged},
		{"missing", filepath.Join(dir, "nope"), backupPass, func(err error) bool { return errors.Is(err, os.ErrNotExist) }},
		{"an entry is not a login", bad, backupPass, backup.IsDamaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dst := newLoggedApp(t)
			dst.signIn(t, bob, time.Hour)
			before, _ := os.ReadFile(dst.app.paths.AccountsFile())
			added, updated, err := dst.app.Restore(context.Background(), tt.path, tt.pass)
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if added != 0 || updated != 0 {
				t.Errorf("added %d updated %d", added, updated)
			}
			after, _ := os.ReadFile(dst.app.paths.AccountsFile())
			if !bytes.Equal(before, after) {
				t.Error("accounts.json changed")
			}
		})
	}
}

func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLoggedApp(t)
	path := filepath.Join(t.TempDir(), "b")
	if _, err := l.app.Backup(ctx, path, backupPass); !errors.Is(err, ErrNothingToBackUp) {
		t.Errorf("no accounts: err = %v", err)
	}
	acc, _ := l.signIn(t, alice, time.Hour)
	if _, err := l.app.backup(ctx, path, "short", cheap); !errors.Is(err, backup.ErrWeakPassphrase) {
		t.Errorf("short passphrase: err = %v", err)
	}
	l.secrets.Delete(ctx, acc.ID)
	if _, err := l.app.backup(ctx, path, backupPass, cheap); err == nil {
		t.Error("a backup without an account's tokens succeeded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("a refused backup left a file")
	}
}

func TestBackupDefaultCost(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("scrypt at full cost")
	}
	ctx := context.Background()
	l := newLoggedApp(t)
	l.signIn(t, alice, time.Hour)
	path := filepath.Join(t.TempDir(), "b")
	if _, err := l.app.Backup(ctx, path, backupPass); err != nil {
		t.Fatal(err)
	}
	dst := newLoggedApp(t)
	if added, _, err := dst.app.Restore(ctx, path, backupPass); err != nil || added != 1 {
		t.Fatalf("added %d, err %v", added, err)
	}
}
