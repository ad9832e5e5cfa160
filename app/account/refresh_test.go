package account

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

func TestDueAt(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		s    Secret
		want time.Time
	}{
		{"ten-day token: three days before exp", Secret{LastRefresh: t0, Expires: t0.Add(10 * 24 * time.Hour)}, t0.Add(7 * 24 * time.Hour)},
		{"one-hour token: a third of its life before exp", Secret{LastRefresh: t0, Expires: t0.Add(time.Hour)}, t0.Add(40 * time.Minute)},
		{"thirty-day token: at most 7 days after issue", Secret{LastRefresh: t0, Expires: t0.Add(30 * 24 * time.Hour)}, t0.Add(7 * 24 * time.Hour)},
		{"issue time unknown", Secret{Expires: t0.Add(10 * 24 * time.Hour)}, t0.Add(7 * 24 * time.Hour)},
		{"no expiry known", Secret{}, time.Time{}},
		{"no expiry known: by age", Secret{LastRefresh: t0}, t0.Add(7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		if got := tt.s.DueAt(); !got.Equal(tt.want) {
			t.Errorf("%s: DueAt = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// signedIn stores a login that the fake auth server issued and makes the
// first one active (auth.json holds it).
func signedIn(t *testing.T, e *env, srv *codextest.AuthServer, ids ...codextest.Identity) []string {
	t.Helper()
	var out []string
	for i, id := range ids {
		l, err := codex.NewLogin(srv.Issue(id, time.Hour), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.store.ImportLogin(context.Background(), l)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := e.store.Switch(context.Background(), r.Account.ID); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, r.Account.ID)
	}
	return out
}

func TestRefreshStoresKeyringThenAuthFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice, bob)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)

	before, _ := e.store.Tokens(ctx, ids[0])
	got, err := r.Refresh(ctx, ids[0], RefreshNow, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.Refresh == before.Refresh || !srv.IsValidAccess(got.Access) {
		t.Fatal("refresh did not produce new, valid tokens")
	}
	stored, _ := e.store.Tokens(ctx, ids[0])
	if stored.Refresh != got.Refresh {
		t.Error("the secret store does not hold the new refresh token")
	}
	af, _ := codex.ReadAuthFile(e.store.AuthPath())
	if l, err := af.Login(); err != nil || l.Tokens.RefreshToken != got.Refresh {
		t.Errorf("auth.json (active account) does not hold the new refresh token: %v", err)
	}

	// Refreshing the inactive account leaves auth.json alone.
	if _, err := r.Refresh(ctx, ids[1], RefreshNow, ""); err != nil {
		t.Fatal(err)
	}
	af, _ = codex.ReadAuthFile(e.store.AuthPath())
	if l, _ := af.Login(); l.Tokens.RefreshToken != got.Refresh {
		t.Error("refreshing an inactive account rewrote auth.json")
	}

	// Not due: nothing is spent.
	n := srv.RefreshCount()
	if _, err := r.Refresh(ctx, ids[0], RefreshIfDue, ""); err != nil {
		t.Fatal(err)
	}
	if srv.RefreshCount() != n {
		t.Error("a refresh that was not due reached the server")
	}
}

func TestConcurrentRefreshesSendEachTokenOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
	stale, _ := e.store.Tokens(ctx, ids[0])

	// Twenty requests got a 401 with the same access token at once: one
	// refresh, and all of them get its result.
	var wg sync.WaitGroup
	results := make([]Secret, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := r.Refresh(ctx, ids[0], RefreshIfDue, stale.Access)
			if err != nil {
				t.Error(err)
			}
			results[i] = s
		}()
	}
	wg.Wait()
	if got := srv.RefreshCount(); got != 1 {
		t.Errorf("%d refreshes for one stale token, want 1", got)
	}
	for _, s := range results {
		if s.Access != results[0].Access {
			t.Fatal("callers got different tokens")
		}
	}
	if srv.Reuses() != 0 {
		t.Fatalf("a refresh token was sent twice (%d reuses)", srv.Reuses())
	}
}

const refreshHelperEnv = "QUIVER_REFRESH_TEST_HELPER"

// TestRefreshHelperProcess is not a test: run by
// TestLongRunNeverReusesARefreshToken as a second Quiver process, it
// refreshes every account QUIVER_TEST_COUNT times.
func TestRefreshHelperProcess(t *testing.T) {
	if os.Getenv(refreshHelperEnv) == "" {
		t.Skip("helper process for TestLongRunNeverReusesARefreshToken")
	}
	ctx := context.Background()
	dir := os.Getenv("QUIVER_TEST_DIR")
	count, _ := strconv.Atoi(os.Getenv("QUIVER_TEST_COUNT"))
	s, err := Open(ctx, Options{Dir: filepath.Join(dir, "config"), CodexHome: filepath.Join(dir, "codex"), Secrets: dirSecrets{filepath.Join(dir, "secrets")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	r := NewRefresher(s, codex.OAuthConfig{Issuer: os.Getenv("QUIVER_TEST_ISSUER")}, codex.NeedsLogin)
	for i := 0; i < count; i++ {
		for _, a := range s.Snapshot().Accounts {
			if _, err := r.Refresh(ctx, a.ID, RefreshNow, ""); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
		}
	}
	os.Exit(0)
}

func TestLongRunNeverReusesARefreshToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	dir := sharedDir(t)
	e := &env{t: t, dir: filepath.Join(dir, "config"), codexHome: filepath.Join(dir, "codex"), secrets: dirSecrets{filepath.Join(dir, "secrets")}}
	e.store = e.open()
	ids := signedIn(t, e, srv, alice, bob)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)

	const cycles = 15
	round := func() {
		// A second quiver process and four callers here, all at once.
		other := exec.Command(os.Args[0], "-test.run=^TestRefreshHelperProcess$")
		other.Env = append(os.Environ(), refreshHelperEnv+"=1", "QUIVER_TEST_DIR="+dir,
			"QUIVER_TEST_COUNT="+strconv.Itoa(cycles), "QUIVER_TEST_ISSUER="+srv.URL)
		other.Stderr = os.Stderr
		if err := other.Start(); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < cycles; i++ {
					for _, id := range ids {
						if _, err := r.Refresh(ctx, id, RefreshNow, ""); err != nil {
							t.Error(err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		if err := other.Wait(); err != nil {
			t.Fatalf("second process: %v", err)
		}
	}
	round()

	// Mid-way, the Codex CLI refreshes on its own and rewrites auth.json
	// (Quiver is not told): Quiver must adopt those tokens, not spend its
	// own copy of the refresh token, which the server now considers used.
	af, _ := codex.ReadAuthFile(e.store.AuthPath())
	cl, err := af.Login()
	if err != nil {
		t.Fatal(err)
	}
	codexTokens, err := srv.OAuthConfig().Refresh(ctx, cl.Tokens.RefreshToken)
	if err != nil {
		t.Fatalf("simulated Codex CLI refresh: %v", err)
	}
	if err := codex.WriteLogin(e.store.AuthPath(), codexTokens, time.Now()); err != nil {
		t.Fatal(err)
	}
	round()

	if srv.Reuses() != 0 {
		t.Fatalf("%d refresh tokens were sent twice", srv.Reuses())
	}
	// In-process callers share one refresh (singleflight); the second
	// process's refreshes are its own: at least those happened.
	if least := 2*cycles*2 + 1; srv.RefreshCount() < least {
		t.Errorf("%d refreshes, want at least %d", srv.RefreshCount(), least)
	}
	for _, id := range ids {
		s, err := e.store.Tokens(ctx, id)
		if err != nil || !srv.IsValidAccess(s.Access) {
			t.Errorf("account %s does not end with valid tokens (%v)", id, err)
		}
		if a, _ := e.store.Resolve(id); a.NeedsLogin {
			t.Errorf("account %s ended needs-login: %s", id, a.NeedsLoginReason)
		}
	}
}

func TestRevokedLoginNeedsLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice, bob)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)

	sec, _ := e.store.Tokens(ctx, ids[0])
	srv.RevokeFamily(sec.Refresh) // as `codex logout` does
	err := r.CheckLogin(ctx, ids[0], "signed out by `codex login`/`codex logout` — sign in again from Quiver")
	if err != nil {
		t.Fatalf("CheckLogin: %v", err)
	}
	a, err := e.store.Resolve(ids[0])
	if err != nil {
		t.Fatal("a revoked account was deleted")
	}
	if !a.NeedsLogin || a.NeedsLoginReason == "" || a.Usable(time.Now()) {
		t.Fatalf("revoked account: %+v", a)
	}
	if b, _ := e.store.Resolve(ids[1]); b.NeedsLogin {
		t.Fatal("the rest of the pool was affected")
	}
	if _, err := r.Refresh(ctx, ids[1], RefreshNow, ""); err != nil {
		t.Fatalf("refreshing the other account: %v", err)
	}
}

func TestTransientFailureKeepsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	ids := signedIn(t, e, srv, alice)
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
	before, _ := e.store.Tokens(ctx, ids[0])
	srv.FailNext(1, 503)
	if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err == nil || errors.Is(err, ErrNeedsLogin) {
		t.Fatalf("Refresh during a 503: %v, want a plain error", err)
	}
	after, _ := e.store.Tokens(ctx, ids[0])
	if a, _ := e.store.Resolve(ids[0]); a.NeedsLogin || after.Refresh != before.Refresh {
		t.Fatal("a transient failure changed the account")
	}
	if _, err := r.Refresh(ctx, ids[0], RefreshNow, ""); err != nil {
		t.Fatalf("retry after the 503: %v", err)
	}
}

func TestRunRefreshesWhenDue(t *testing.T) {
	t.Parallel()
	srv := codextest.NewAuthServer(t)
	e := newEnv(t)
	// A token issued 50 minutes ago with an hour to live is past due.
	l, err := codex.NewLogin(srv.Issue(alice, 10*time.Minute), time.Now().Add(-50*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportLogin(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	r := NewRefresher(e.store, srv.OAuthConfig(), codex.NeedsLogin)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for srv.RefreshCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if srv.RefreshCount() != 1 {
		t.Fatalf("background refresher made %d refreshes of a due token, want 1", srv.RefreshCount())
	}
}
