package account

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/app/secret/secrettest"
)

// syncLog collects a store's log lines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// faultyEnv is an env whose secret store fails on demand, with its log kept.
func faultyEnv(t *testing.T) (*env, *secrettest.Faulty, *syncLog) {
	t.Helper()
	root := t.TempDir()
	faulty := secrettest.NewFaulty(secrettest.NewMemory())
	logs := &syncLog{}
	e := &env{t: t, dir: filepath.Join(root, "config", "quiver"), codexHome: filepath.Join(root, "codex"), secrets: faulty}
	s, err := Open(context.Background(), Options{Dir: e.dir, CodexHome: e.codexHome, Secrets: faulty,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	s.secretWriteTimeout = 100 * time.Millisecond
	e.store = s
	return e, faulty, logs
}

// A refresh the token endpoint granted is never thrown away: whatever the
// keyring does, the new refresh token ends up somewhere durable before
// Refresh returns, the next refresh spends it (not the old one), and the
// user is told in one line.
func TestRefreshedTokensSurviveAFailingKeyring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		break_      func(f *secrettest.Faulty)
		wantPending bool
	}{
		{"Set fails every time", func(f *secrettest.Faulty) { f.FailSets(-1) }, true},
		{"Set hangs every time", func(f *secrettest.Faulty) { f.HangSets(-1) }, true},
		{"Set fails twice, then works", func(f *secrettest.Faulty) { f.FailSets(2) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := codextest.NewAuthServer(t)
			e, faulty, logs := faultyEnv(t)
			ids := signedIn(t, e, srv, alice)
			r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)

			tt.break_(faulty)
			got, err := r.Refresh(ctx, ids[0], RefreshNow, "")
			if err != nil {
				t.Fatalf("Refresh with a failing keyring: %v", err)
			}
			pending := e.store.pendingPath(ids[0])
			fi, statErr := os.Stat(pending)
			if (statErr == nil) != tt.wantPending {
				t.Fatalf("pending file exists = %v, want %v", statErr == nil, tt.wantPending)
			}
			if tt.wantPending {
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("pending file mode %v, want 0600", fi.Mode().Perm())
				}
				if di, _ := os.Stat(filepath.Dir(pending)); di.Mode().Perm() != 0o700 {
					t.Errorf("pending directory mode %v, want 0700", di.Mode().Perm())
				}
				a, _ := e.store.Resolve(ids[0])
				if !strings.Contains(a.LastError, "keyring did not take the new tokens") || strings.Contains(a.LastError, "\n") {
					t.Errorf("status line %q does not say where the tokens are", a.LastError)
				}
			}
			if sec, _ := e.store.Tokens(ctx, ids[0]); sec.Refresh != got.Refresh {
				t.Fatal("the store does not hand out the new refresh token")
			}
			if af, err := codex.ReadAuthFile(e.store.AuthPath()); err != nil {
				t.Fatal(err)
			} else if l, _ := af.Login(); l.Tokens.RefreshToken != got.Refresh {
				t.Error("auth.json (active account) does not hold the new refresh token")
			}

			// The keyring works again: a restart moves the tokens in, and
			// the next refresh spends the new token, not the old one.
			faulty.FailSets(0)
			faulty.HangSets(0)
			e.store = e.open()
			if _, err := os.Stat(pending); err == nil {
				t.Error("the pending file stayed after the keyring took the tokens")
			}
			raw, err := faulty.Get(ctx, ids[0])
			if err != nil || !bytes.Contains(raw, []byte(got.Refresh)) {
				t.Fatalf("the keyring does not hold the new refresh token after a restart: %v", err)
			}
			r = NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
			if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err != nil {
				t.Fatalf("the next refresh: %v", err)
			}
			if st := srv.Stats(); st.Reuses != 0 || st.Refreshes != 2 {
				t.Errorf("stats %+v: want 2 refreshes and no reuse", st)
			}
			if a, _ := e.store.Resolve(ids[0]); a.NeedsLogin {
				t.Error("the account needs a login")
			}
			if out := logs.String(); strings.Contains(out, got.Refresh) || strings.Contains(out, got.Access) {
				t.Error("a token reached the log")
			}
		})
	}
}

// slowEndpoint answers like the real endpoint, then holds the answer until
// the refresh's whole time budget is gone, as a slow token endpoint does.
type slowEndpoint struct{ inner TokenEndpoint }

func (s slowEndpoint) Refresh(ctx context.Context, rt string) (codex.Tokens, error) {
	t, err := s.inner.Refresh(context.WithoutCancel(ctx), rt)
	<-ctx.Done()
	return t, err
}

func TestRefreshedTokensSurviveASpentTimeBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice)
	r := NewRefresher(e.store, slowEndpoint{srv.OAuthConfig()}, codex.NeedsLogin)
	r.timeout = 200 * time.Millisecond
	got, err := r.Refresh(ctx, ids[0], RefreshNow, "")
	if err != nil {
		t.Fatalf("Refresh whose budget the endpoint used up: %v", err)
	}
	if sec, _ := e.store.Tokens(ctx, ids[0]); sec.Refresh != got.Refresh {
		t.Fatal("the new refresh token was dropped")
	}
	r.endpoint, r.timeout = srv.OAuthConfig(), refreshTimeout
	if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err != nil || srv.Reuses() != 0 {
		t.Fatalf("next refresh: %v (reuses %d)", err, srv.Reuses())
	}
}

// A 200 whose access token is not a JWT is a granted refresh: kept, with
// the expiry from expires_in, and the next refresh spends the new token.
func TestRefreshKeepsAnOpaqueAccessToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
	srv.SetTokenFault(codextest.TokenOpaqueAccess, 0, 1)
	got, err := r.Refresh(ctx, ids[0], RefreshNow, "")
	if err != nil {
		t.Fatalf("Refresh answered with an opaque access token: %v", err)
	}
	if !srv.IsValidAccess(got.Access) || got.Expires.IsZero() {
		t.Fatalf("kept tokens: valid access %v, expiry %v", srv.IsValidAccess(got.Access), got.Expires)
	}
	if a, _ := e.store.Resolve(ids[0]); a.TokenExpiry.IsZero() || a.NeedsLogin {
		t.Errorf("account after the refresh: %+v", a)
	}
	if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err != nil || srv.Reuses() != 0 {
		t.Fatalf("next refresh: %v (reuses %d)", err, srv.Reuses())
	}
}

// Hostile token endpoints: an HTML 403 challenge, an HTML 5xx, a 200 with
// garbage, a stall. None marks the account, none spends the token.
func TestRefreshAgainstAHostileTokenEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  codextest.TokenFault
		status int
	}{
		{"CDN challenge", codextest.TokenHTMLError, 403},
		{"HTML 502", codextest.TokenHTMLError, 502},
		{"200 garbage", codextest.TokenGarbage, 0},
		{"stall", codextest.TokenStall, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := codextest.NewAuthServer(t)
			e := newEnv(t)
			ids := signedIn(t, e, srv, alice)
			r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
			r.timeout = 300 * time.Millisecond
			before, _ := e.store.Tokens(ctx, ids[0])
			srv.SetTokenFault(tt.fault, tt.status, 1)
			if err := r.CheckLogin(ctx, ids[0], "checking"); err == nil {
				t.Fatal("the check succeeded against a faulty endpoint")
			}
			a, _ := e.store.Resolve(ids[0])
			after, _ := e.store.Tokens(ctx, ids[0])
			if a.NeedsLogin || after.Refresh != before.Refresh {
				t.Fatalf("a transient failure changed the account: %+v", a)
			}
			r.timeout = refreshTimeout
			if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err != nil || srv.Reuses() != 0 {
				t.Fatalf("refresh once the endpoint is well: %v (reuses %d)", err, srv.Reuses())
			}
		})
	}
}

// A damaged entry in the middle of accounts.json loses only itself: the
// entries after it are kept, and the damaged one is rebuilt from its tokens
// in the secret store when they are there, or named in the log when not.
func TestCorruptEntryInTheMiddleLosesOnlyItself(t *testing.T) {
	t.Parallel()
	carol := codextest.Identity{Email: "carol@example.net", AccountID: "ws-carol", UserID: "user-carol"}
	for _, keepBobsTokens := range []bool{true, false} {
		ctx := context.Background()
		root := t.TempDir()
		mem := secrettest.NewMemory()
		logs := &syncLog{}
		opts := Options{Dir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex"), Secrets: mem,
			Logger: slog.New(slog.NewTextHandler(logs, nil))}
		s, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var bobID string
		for _, id := range []codextest.Identity{alice, bob, carol} {
			r, err := s.ImportLogin(ctx, login(t, id, time.Now().Add(time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			if id == bob {
				bobID = r.Account.ID
			}
		}
		if _, err := s.Rename(ctx, "carol", "work"); err != nil {
			t.Fatal(err)
		}
		good, _ := os.ReadFile(s.Path())
		bad := bytes.Replace(good, []byte(`"chatgpt_account_id": "ws-bob"`), []byte(`"chatgpt_account_id": ws-bob"`), 1)
		if bytes.Equal(bad, good) {
			t.Fatal("the test did not damage bob's entry")
		}
		if err := os.WriteFile(s.Path(), bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if !keepBobsTokens {
			mem.Delete(ctx, bobID)
		}
		s, err = Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		var aliases []string
		for _, a := range s.Snapshot().Accounts {
			aliases = append(aliases, a.Alias)
		}
		want := "alice,work"
		if keepBobsTokens {
			want = "alice,work,bob"
		}
		if got := strings.Join(aliases, ","); got != want {
			t.Errorf("keep bob's tokens %v: accounts %s, want %s", keepBobsTokens, got, want)
		}
		if !keepBobsTokens && !strings.Contains(logs.String(), bobID) {
			t.Errorf("the log does not name the lost account %s:\n%s", bobID, logs.String())
		}
		if len(s.CorruptFiles()) != 1 {
			t.Errorf("corrupt files kept: %v", s.CorruptFiles())
		}
	}
}

// An access token whose exp makes no sense (1e300) is neither "never
// expires" nor "expired long ago": its expiry is unknown, and the login is
// refreshed by age, 7 days after it was issued.
func TestNonsenseExpiryIsRefreshedByAge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	issued := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	tok := login(t, alice, time.Now().Add(time.Hour)).Tokens
	tok.AccessToken = "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1e300}`)) + ".c2ln"
	l, err := codex.NewLogin(tok, issued)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	sec, err := e.store.Tokens(ctx, IDFor(l.Identity()))
	if err != nil {
		t.Fatal(err)
	}
	if due := sec.DueAt(); !due.Equal(issued.Add(refreshMaxAge)) {
		t.Errorf("DueAt = %v, want 7 days after issue (%v)", due, issued.Add(refreshMaxAge))
	}
}
