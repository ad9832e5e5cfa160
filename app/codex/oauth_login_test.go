package codex_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// hangGuard bounds waits that only a bug can make long.
const hangGuard = 30 * time.Second

// page is what the test browser ended up showing.
type page struct {
	status   int
	body     string
	finalURL string // after redirects; holds the code
	err      error
}

// testBrowser stands in for the user's browser: it follows the authorize
// URL through the fake's redirect to Quiver's callback.
type testBrowser struct {
	t      *testing.T
	client *http.Client
	pages  chan page

	mu     sync.Mutex
	opened []string
}

func newTestBrowser(t *testing.T) *testBrowser {
	return &testBrowser{t: t, client: &http.Client{Timeout: hangGuard}, pages: make(chan page, 4)}
}

// open is a LoginOptions.OpenURL: it visits u in the background.
func (b *testBrowser) open(u string) error {
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	go func() { b.pages <- b.visit(u) }()
	return nil
}

func (b *testBrowser) visit(u string) page {
	resp, err := b.client.Get(u)
	if err != nil {
		return page{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), finalURL: resp.Request.URL.String(), err: err}
}

func (b *testBrowser) page() page {
	b.t.Helper()
	select {
	case p := <-b.pages:
		if p.err != nil {
			b.t.Fatalf("browser: %v", p.err)
		}
		return p
	case <-time.After(hangGuard):
		b.t.Fatal("the browser never got a page")
		return page{}
	}
}

// redirectURI returns the callback URL an authorize URL names.
func redirectURI(t *testing.T, authURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// assertClosed fails when something still listens at the callback.
func assertClosed(t *testing.T, callback *url.URL) {
	t.Helper()
	c, err := net.DialTimeout("tcp", callback.Host, hangGuard)
	if err == nil {
		c.Close()
		t.Errorf("the callback listener at %s is still open", callback.Host)
	}
}

func TestLoginSignsIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       codextest.Identity
		wantPage string
	}{
		{"plain", alice, "Signed in to Quiver as alice@example.com — you can close this tab"},
		{"email needing escaping", codextest.Identity{Email: `b<i>o</i>b@example.com`, AccountID: "acc-bob", UserID: "user-bob"},
			"Signed in to Quiver as b&lt;i&gt;o&lt;/i&gt;b@example.com — you can close this tab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			s.NextLogin(tt.id)
			b := newTestBrowser(t)
			var printed string
			login, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{
				OpenURL:  b.open,
				PrintURL: func(u string) { printed = u },
			})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}
			if login.IDClaims.Email != tt.id.Email || login.Tokens.AccountID != tt.id.AccountID || login.LastRefresh.IsZero() {
				t.Errorf("login = %q %q (last refresh %v)", login.IDClaims.Email, login.Tokens.AccountID, login.LastRefresh)
			}
			if !s.IsValidAccess(login.Tokens.AccessToken) {
				t.Error("the login's access token is not live")
			}
			p := b.page()
			if p.status != http.StatusOK || !strings.Contains(p.body, tt.wantPage) {
				t.Errorf("page %d:\n%s\nwant it to say %q", p.status, p.body, tt.wantPage)
			}
			b.mu.Lock()
			opened := b.opened
			b.mu.Unlock()
			if len(opened) != 1 || printed != opened[0] {
				t.Errorf("printed %q, opened %q: want the same URL once", printed, opened)
			}
			assertClosed(t, redirectURI(t, printed))
		})
	}
}

func TestLoginAuthorizeURL(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	var authURL string
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.OAuthConfig().Login(ctx, codex.LoginOptions{PrintURL: func(u string) { authURL = u; cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Login: %v", err)
	}
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != s.URL+"/oauth/authorize" {
		t.Errorf("endpoint %s", got)
	}
	q := u.Query()
	want := map[string]string{
		"client_id":                  codex.DefaultClientID,
		"response_type":              "code",
		"scope":                      "openid profile email offline_access",
		"code_challenge_method":      "S256",
		"id_token_add_organizations": "true",
		"codex_cli_simplified_flow":  "true",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*/auth/callback$`).MatchString(q.Get("redirect_uri")) {
		t.Errorf("redirect_uri = %q", q.Get("redirect_uri"))
	}
	if len(q.Get("state")) < 20 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %q / challenge %q too short", q.Get("state"), q.Get("code_challenge"))
	}
}

func TestLoginIgnoresAWrongState(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	s.NextLogin(alice)
	b := newTestBrowser(t)
	var stray page
	open := func(u string) error {
		cb := redirectURI(t, u)
		cb.RawQuery = url.Values{"state": {"not-this-one"}, "code": {"ac_stray"}}.Encode()
		stray = b.visit(cb.String()) // a stale tab, before the real sign-in
		return b.open(u)
	}
	login, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{OpenURL: open})
	if err != nil {
		t.Fatalf("Login after a stray callback: %v", err)
	}
	if login.IDClaims.Email != alice.Email {
		t.Errorf("signed in as %q", login.IDClaims.Email)
	}
	if stray.err != nil || stray.status != http.StatusBadRequest || !strings.Contains(stray.body, "not the one Quiver is waiting for") {
		t.Errorf("stray callback got %d %v:\n%s", stray.status, stray.err, stray.body)
	}
	if p := b.page(); p.status != http.StatusOK {
		t.Errorf("real callback got %d", p.status)
	}
	if n := s.Stats().CodeExchanges; n != 1 {
		t.Errorf("CodeExchanges = %d, want 1 (the stray code must not be tried)", n)
	}
}

func TestLoginTimesOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		stray     bool
		wantState bool
	}{
		{"nobody came back", false, false},
		{"only a wrong state came back", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			b := newTestBrowser(t)
			var cb *url.URL
			open := func(u string) error {
				cb = redirectURI(t, u)
				if tt.stray {
					stray := *cb
					stray.RawQuery = "state=old&code=ac_old"
					b.visit(stray.String())
				}
				return nil
			}
			_, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{OpenURL: open, Timeout: 200 * time.Millisecond})
			if !errors.Is(err, codex.ErrLoginTimeout) {
				t.Fatalf("Login: %v, want ErrLoginTimeout", err)
			}
			if got := errors.Is(err, codex.ErrStateMismatch); got != tt.wantState {
				t.Errorf("Is(ErrStateMismatch) = %v, want %v (%v)", got, tt.wantState, err)
			}
			assertClosed(t, cb)
		})
	}
}

func TestLoginCancel(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	var cb *url.URL
	done := make(chan error, 1)
	go func() {
		_, err := s.OAuthConfig().Login(ctx, codex.LoginOptions{OpenURL: func(u string) error {
			cb = redirectURI(t, u)
			cancel() // Ctrl-C while the browser is open
			return nil
		}})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Login: %v, want context.Canceled", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Login did not return after cancel")
	}
	assertClosed(t, cb)
}

func TestLoginDenied(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	s.DenyNextLogin("access_denied")
	b := newTestBrowser(t)
	_, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{OpenURL: b.open})
	if !errors.Is(err, codex.ErrLoginDenied) {
		t.Fatalf("Login: %v, want ErrLoginDenied", err)
	}
	var oe *codex.OAuthError
	if !errors.As(err, &oe) || oe.Code != "access_denied" {
		t.Errorf("Login: %v, want an OAuthError access_denied", err)
	}
	if codex.NeedsLogin(err) {
		t.Error("a denied sign-in reads as NeedsLogin")
	}
	p := b.page()
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "could not sign you in") || !strings.Contains(p.body, "access_denied") {
		t.Errorf("page %d:\n%s", p.status, p.body)
	}
}

func TestLoginExchangeFailure(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	s.NextLogin(alice)
	s.FailNext(1, http.StatusServiceUnavailable)
	b := newTestBrowser(t)
	_, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{OpenURL: b.open})
	var oe *codex.OAuthError
	if !errors.As(err, &oe) || oe.Status != http.StatusServiceUnavailable {
		t.Fatalf("Login: %v, want an OAuthError with status 503", err)
	}
	p := b.page()
	if p.status != http.StatusBadGateway || !strings.Contains(p.body, "could not sign you in") {
		t.Errorf("page %d:\n%s", p.status, p.body)
	}
	final, _ := url.Parse(p.finalURL)
	code := final.Query().Get("code")
	if code == "" {
		t.Fatal("the browser never reached the callback with a code")
	}
	assertNoSecret(t, err, code)
	if strings.Contains(p.body, code) {
		t.Error("the failure page shows the code")
	}
}

func TestLoginPortInUse(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	s := codextest.NewAuthServer(t)
	cfg := s.OAuthConfig()
	cfg.CallbackAddr = busy.Addr().String()
	opened := false
	_, err = cfg.Login(context.Background(), codex.LoginOptions{OpenURL: func(string) error { opened = true; return nil }})
	if !errors.Is(err, codex.ErrPortInUse) {
		t.Fatalf("Login: %v, want ErrPortInUse", err)
	}
	if !strings.Contains(err.Error(), "codex login") {
		t.Errorf("the error does not say what to do: %v", err)
	}
	if opened {
		t.Error("the browser was opened although nothing could receive the callback")
	}
}

func TestLoginRefusesNonLoopbackCallbacks(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.1:1455", "example.com:1455", "no-port"} {
		t.Run(addr, func(t *testing.T) {
			t.Parallel()
			cfg := codex.OAuthConfig{Issuer: "http://127.0.0.1:1", CallbackAddr: addr}
			opened := false
			_, err := cfg.Login(context.Background(), codex.LoginOptions{OpenURL: func(string) error { opened = true; return nil }})
			if err == nil || errors.Is(err, codex.ErrPortInUse) || opened {
				t.Errorf("Login: %v (opened %v), want a refusal before anything opens", err, opened)
			}
		})
	}
}

func TestLoginShowingTheURL(t *testing.T) {
	t.Parallel()
	failOpen := func(string) error { return errors.New("no browser here") }

	t.Run("neither opener nor printer", func(t *testing.T) {
		t.Parallel()
		if _, err := (codex.OAuthConfig{CallbackAddr: "127.0.0.1:0"}).Login(context.Background(), codex.LoginOptions{}); err == nil {
			t.Error("Login with no way to show the URL succeeded")
		}
	})
	t.Run("opener fails, nothing printed", func(t *testing.T) {
		t.Parallel()
		s := codextest.NewAuthServer(t)
		_, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{OpenURL: failOpen})
		if err == nil || !strings.Contains(err.Error(), "no browser here") {
			t.Errorf("Login: %v, want the opener's error", err)
		}
	})
	t.Run("opener fails, the user opens the printed URL", func(t *testing.T) {
		t.Parallel()
		s := codextest.NewAuthServer(t)
		s.NextLogin(alice)
		b := newTestBrowser(t)
		login, err := s.OAuthConfig().Login(context.Background(), codex.LoginOptions{
			OpenURL:  failOpen,
			PrintURL: func(u string) { b.open(u) },
		})
		if err != nil || login.IDClaims.Email != alice.Email {
			t.Fatalf("Login: %v (%q)", err, login.IDClaims.Email)
		}
		b.page()
	})
}
