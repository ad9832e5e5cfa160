package account

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

type env struct {
	t         *testing.T
	dir       string
	codexHome string
	secrets   Secrets
	store     *Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "config", "quiver"), codexHome: filepath.Join(root, "codex"), secrets: newMemSecrets()}
	e.store = e.open()
	return e
}

func (e *env) open() *Store {
	e.t.Helper()
	s, err := Open(context.Background(), Options{Dir: e.dir, CodexHome: e.codexHome, Secrets: e.secrets})
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	return s
}

func login(t *testing.T, id codextest.Identity, exp time.Time) codex.Login {
	t.Helper()
	data, _ := codextest.AuthJSON(id, exp)
	af, err := codex.ParseAuthFile(data)
	if err != nil {
		t.Fatal(err)
	}
	l, err := af.Login()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	alice     = codextest.Identity{Email: "alice@example.com", AccountID: "ws-alice", UserID: "user-alice"}
	aliceTeam = codextest.Identity{Email: "alice@example.com", AccountID: "ws-team", UserID: "user-alice", Plan: "team"}
	bob       = codextest.Identity{Email: "bob@example.org", AccountID: "ws-bob", UserID: "user-bob", Plan: "pro"}
)

func TestImportLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	exp := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Second)

	r, err := e.store.ImportLogin(ctx, login(t, alice, exp))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Created || r.Account.Alias != "alice" || r.Account.Email != alice.Email || r.Account.Plan != "plus" ||
		r.Account.ChatGPTAccountID != "ws-alice" || !r.Account.TokenExpiry.Equal(exp) {
		t.Fatalf("first import = %+v", r)
	}

	// The same login again: no duplicate, nothing adopted.
	r2, err := e.store.ImportLogin(ctx, login(t, alice, exp))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Created || r2.Account.ID != r.Account.ID {
		t.Fatalf("re-import created a second account: %+v", r2)
	}

	// Newer tokens for the same identity are adopted.
	newer := login(t, alice, exp.Add(time.Hour))
	r3, err := e.store.ImportLogin(ctx, newer)
	if err != nil || r3.Created || !r3.Adopted {
		t.Fatalf("newer login: %+v, %v", r3, err)
	}
	sec, err := e.store.Tokens(ctx, r.Account.ID)
	if err != nil || sec.Refresh != newer.Tokens.RefreshToken {
		t.Fatalf("stored refresh token is not the newer one (err %v)", err)
	}

	// Older tokens never replace newer ones.
	r4, err := e.store.ImportLogin(ctx, login(t, alice, exp.Add(-time.Hour)))
	if err != nil || r4.Adopted {
		t.Fatalf("older login adopted: %+v, %v", r4, err)
	}

	// Same person, another workspace: a second account with a unique alias.
	r5, err := e.store.ImportLogin(ctx, login(t, aliceTeam, exp))
	if err != nil || !r5.Created || r5.Account.Alias != "alice-2" || r5.Account.Plan != "team" {
		t.Fatalf("second workspace: %+v, %v", r5, err)
	}
	if got := len(e.store.Snapshot().Accounts); got != 2 {
		t.Fatalf("%d accounts, want 2", got)
	}

	// A fresh Store reads the same from disk.
	if got := len(e.open().Snapshot().Accounts); got != 2 {
		t.Fatalf("reopened: %d accounts, want 2", got)
	}
}

func TestMetadataHoldsNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := login(t, bob, time.Now().Add(time.Hour))
	if _, err := e.store.ImportLogin(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{l.Tokens.AccessToken, l.Tokens.RefreshToken, l.Tokens.IDToken} {
		if strings.Contains(string(data), tok) {
			t.Fatal("accounts.json contains a token")
		}
	}
	for path, want := range map[string]os.FileMode{e.dir: 0o700, e.store.Path(): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}
}

func TestSwitch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	// The Codex CLI's own file, with a field Quiver does not know.
	if _, err := codextest.WriteAuthJSON(e.codexHome, alice, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	authPath := filepath.Join(e.codexHome, "auth.json")
	var f map[string]any
	raw, _ := os.ReadFile(authPath)
	json.Unmarshal(raw, &f)
	f["future_field"] = "kept"
	raw, _ = json.Marshal(f)
	os.WriteFile(authPath, raw, 0o600)

	if _, err := e.store.ImportAuthFile(ctx, authPath); err != nil {
		t.Fatal(err)
	}
	bl := login(t, bob, time.Now().Add(time.Hour))
	rb, err := e.store.ImportLogin(ctx, bl)
	if err != nil {
		t.Fatal(err)
	}
	if e.store.Snapshot().ActiveID != IDFor(login(t, alice, time.Now()).Identity()) {
		t.Fatal("alice (auth.json's login) is not active after import")
	}

	if _, err := e.store.Switch(ctx, "BOB@example.org"); err != nil {
		t.Fatalf("Switch: %v", err)
	}
	if got := e.store.Snapshot().ActiveID; got != rb.Account.ID {
		t.Fatalf("active = %q, want bob %q", got, rb.Account.ID)
	}
	af, err := codex.ReadAuthFile(authPath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := af.Login()
	if err != nil || got.Tokens.RefreshToken != bl.Tokens.RefreshToken || got.Tokens.AccountID != "ws-bob" {
		t.Fatalf("auth.json does not hold bob's login (err %v)", err)
	}
	if !strings.Contains(string(af.Bytes()), `"future_field": "kept"`) {
		t.Error("unknown field lost")
	}
	for _, p := range []string{authPath, authPath + backupSuffix} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", p, err, fi.Mode())
		}
	}
	backup, _ := codex.ReadAuthFile(authPath + backupSuffix)
	if bl2, err := backup.Login(); err != nil || bl2.Identity().ChatGPTAccountID != "ws-alice" {
		t.Error("backup does not hold the previous (alice) login")
	}

	// An account that needs login cannot be switched to.
	if err := e.store.MarkNeedsLogin(ctx, IDFor(login(t, alice, time.Now()).Identity()), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Switch(ctx, "alice"); !errors.Is(err, ErrNeedsLogin) {
		t.Fatalf("Switch to needs-login account: %v, want ErrNeedsLogin", err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	accs := []Account{
		{ID: "a1b2c3d4e5f6", Alias: "work", Email: "w@x.com"},
		{ID: "a1ffffffffff", Alias: "home", Email: "h@x.com"},
		{ID: "0000000000aa", Alias: "a1b2", Email: "z@x.com"},
	}
	tests := []struct {
		ref, want string
		err       error
	}{
		{"work", "a1b2c3d4e5f6", nil},
		{"WORK", "a1b2c3d4e5f6", nil},
		{"h@x.com", "a1ffffffffff", nil},
		{"a1ffffffffff", "a1ffffffffff", nil},
		{"a1b2", "0000000000aa", nil}, // an exact alias beats an id prefix
		{"a1f", "a1ffffffffff", nil},
		{"a1", "", ErrAmbiguous},
		{"nobody", "", ErrNoAccount},
		{"  ", "", ErrNoAccount},
	}
	for _, tt := range tests {
		got, err := resolve(accs, tt.ref)
		if !errors.Is(err, tt.err) || got.ID != tt.want {
			t.Errorf("resolve(%q) = %q, %v; want %q, %v", tt.ref, got.ID, err, tt.want, tt.err)
		}
	}
}

func TestRenameAndRemove(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	ra, _ := e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour)))
	e.store.ImportLogin(ctx, login(t, bob, time.Now().Add(time.Hour)))

	for _, bad := range []string{"", "two words", strings.Repeat("x", 65)} {
		if _, err := e.store.Rename(ctx, "alice", bad); !errors.Is(err, ErrBadAlias) {
			t.Errorf("Rename to %q: %v, want ErrBadAlias", bad, err)
		}
	}
	if _, err := e.store.Rename(ctx, "alice", "Bob"); !errors.Is(err, ErrAliasTaken) {
		t.Errorf("Rename to a taken alias: %v", err)
	}
	if a, err := e.store.Rename(ctx, "alice", "work"); err != nil || a.Alias != "work" {
		t.Fatalf("Rename: %+v, %v", a, err)
	}
	if _, err := e.store.Remove(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.secrets.Get(ctx, ra.Account.ID); err == nil {
		t.Error("tokens of a removed account are still stored")
	}
	snap := e.store.Snapshot()
	if len(snap.Accounts) != 1 || snap.Accounts[0].Alias != "bob" {
		t.Fatalf("after remove: %+v", snap.Accounts)
	}
}

func TestCorruptAccountsFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour)))
	e.store.ImportLogin(ctx, login(t, bob, time.Now().Add(time.Hour)))
	good, _ := os.ReadFile(e.store.Path())

	tests := []struct {
		name      string
		data      []byte
		recovered int
	}{
		{"truncated after the first account", good[:strings.Index(string(good), `"id": "`+IDFor(login(t, bob, time.Now()).Identity()))], 1},
		{"garbage", []byte("\x00\x01not json"), 0},
		{"empty", []byte{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(e.store.Path(), tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			s := e.open()
			if got := len(s.Snapshot().Accounts); got != tt.recovered {
				t.Errorf("recovered %d accounts, want %d", got, tt.recovered)
			}
			aside := s.CorruptFiles()
			if len(aside) == 0 {
				t.Fatal("corrupt file not kept aside")
			}
			kept, _ := os.ReadFile(aside[len(aside)-1])
			if string(kept) != string(tt.data) {
				t.Error("the file kept aside is not the corrupt original")
			}
			if _, err := readAccountsFile(s.Path(), time.Now()); err != nil {
				t.Errorf("accounts.json after recovery: %v", err)
			}
			for _, p := range aside {
				os.Remove(p)
			}
		})
	}
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	ch, cancel := e.store.Subscribe()
	defer cancel()
	if first := <-ch; len(first.Accounts) != 0 {
		t.Fatalf("first snapshot has %d accounts", len(first.Accounts))
	}
	e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour)))
	e.store.ImportLogin(ctx, login(t, bob, time.Now().Add(time.Hour)))
	// The channel holds only the newest snapshot.
	if got := <-ch; len(got.Accounts) != 2 {
		t.Fatalf("latest snapshot has %d accounts, want 2", len(got.Accounts))
	}
	select {
	case s := <-ch:
		t.Fatalf("unexpected extra snapshot %+v", s)
	default:
	}
}

func TestApplyAuthFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	dataA, _ := codextest.AuthJSON(alice, time.Now().Add(time.Hour))
	os.MkdirAll(e.codexHome, 0o700)
	authPath := filepath.Join(e.codexHome, "auth.json")
	os.WriteFile(authPath, dataA, 0o600)
	r, err := e.store.ApplyAuthFile(ctx, dataA)
	if err != nil || !r.Created {
		t.Fatalf("apply alice: %+v %v", r, err)
	}
	// `codex login` as bob replaces the file: bob is imported, alice is
	// reported as the replaced account.
	dataB, _ := codextest.AuthJSON(bob, time.Now().Add(time.Hour))
	os.WriteFile(authPath, dataB, 0o600)
	r, err = e.store.ApplyAuthFile(ctx, dataB)
	if err != nil || !r.Created || r.PreviousActive != IDFor(login(t, alice, time.Now()).Identity()) {
		t.Fatalf("apply bob: %+v %v", r, err)
	}
	for _, bad := range [][]byte{[]byte(`{"tokens": {"id_token": "x.y`), []byte(`{"OPENAI_API_KEY":"sk-x","tokens":null}`)} {
		if _, err := e.store.ApplyAuthFile(ctx, bad); err == nil {
			t.Errorf("ApplyAuthFile(%q) succeeded", bad)
		}
	}
	if n := len(e.store.Snapshot().Accounts); n != 2 {
		t.Fatalf("%d accounts after bad files, want 2", n)
	}
	os.Remove(authPath)
	r, err = e.store.ApplyAuthFile(ctx, nil)
	if err != nil || !r.Removed || r.PreviousActive == "" || e.store.Snapshot().ActiveID != "" {
		t.Fatalf("apply removal: %+v %v", r, err)
	}
}

func TestState(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	usage := func(p5, pw float64, reset time.Time) *Usage {
		return &Usage{Windows: []Window{{Kind: "5h", UsedPercent: p5, ResetAt: reset}, {Kind: "weekly", UsedPercent: pw}}}
	}
	tests := []struct {
		name string
		a    Account
		want State
	}{
		{"no usage", Account{}, StateOK},
		{"low", Account{Usage: usage(10, 5, now.Add(time.Hour))}, StateOK},
		{"warn 5h", Account{Usage: usage(80, 5, now.Add(time.Hour))}, StateWarn},
		{"warn weekly", Account{Usage: usage(1, 95, now.Add(time.Hour))}, StateWarn},
		{"limited", Account{Usage: usage(100, 5, now.Add(time.Hour))}, StateLimited},
		{"window already reset", Account{Usage: usage(100, 5, now.Add(-time.Minute))}, StateOK},
		{"cooldown", Account{CooldownUntil: now.Add(time.Minute)}, StateLimited},
		{"cooldown over", Account{CooldownUntil: now.Add(-time.Minute)}, StateOK},
		{"needs login beats limited", Account{NeedsLogin: true, CooldownUntil: now.Add(time.Minute)}, StateNeedsLogin},
		{"disabled", Account{Disabled: true}, StateDisabled},
		{"exported", Account{Exported: true, Disabled: true}, StateExported},
	}
	for _, tt := range tests {
		if got := tt.a.State(now, 80); got != tt.want {
			t.Errorf("%s: State = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestAppendSample(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var h []Sample
	for i := 0; i < 8*24*60; i++ { // eight days, one sample a minute
		h = appendSample(h, Sample{At: t0.Add(time.Duration(i) * time.Minute), FiveHour: float64(i % 100)})
	}
	if max := int(historyKeep/historyStep) + 1; len(h) > max || len(h) < max-1 {
		t.Fatalf("history holds %d samples, want about %d (one per 5 minutes)", len(h), max)
	}
	if last := h[len(h)-1].At; last != t0.Add((8*24*60-1)*time.Minute) {
		t.Fatalf("newest sample at %v", last)
	}
	if span := h[len(h)-1].At.Sub(h[0].At); span > historyKeep {
		t.Fatalf("history spans %v, more than %v", span, historyKeep)
	}
}
