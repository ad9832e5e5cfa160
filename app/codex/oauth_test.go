package codex_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

var alice = codextest.Identity{Email: "alice@example.com", AccountID: "acc-alice", UserID: "user-alice", Plan: "pro"}

// assertNoSecret fails when err's message holds any of secrets.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error message holds a secret: %q", err)
		}
	}
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	cfg := s.OAuthConfig()
	first := s.Issue(alice, time.Hour)

	got, err := cfg.Refresh(context.Background(), first.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got.RefreshToken == "" || got.RefreshToken == first.RefreshToken {
		t.Error("the refresh token did not rotate")
	}
	if got.AccountID != alice.AccountID {
		t.Errorf("AccountID = %q, want %q", got.AccountID, alice.AccountID)
	}
	if !s.IsValidAccess(got.AccessToken) {
		t.Error("the new access token is not live")
	}
	l, err := codex.NewLogin(got, time.Now())
	if err != nil || l.IDClaims.Email != alice.Email {
		t.Fatalf("NewLogin on refreshed tokens: %v, email %q", err, l.IDClaims.Email)
	}
	if _, err := cfg.Refresh(context.Background(), got.RefreshToken); err != nil {
		t.Fatalf("second Refresh with the rotated token: %v", err)
	}
	if s.RefreshCount() != 2 || s.Reuses() != 0 {
		t.Errorf("refreshes %d reuses %d, want 2 and 0", s.RefreshCount(), s.Reuses())
	}
}

func TestRefreshReuseNeedsLoginAndKillsTheFamily(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	cfg := s.OAuthConfig()
	old := s.Issue(alice, time.Hour)
	fresh, err := cfg.Refresh(context.Background(), old.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}

	_, err = cfg.Refresh(context.Background(), old.RefreshToken)
	var oe *codex.OAuthError
	if !errors.As(err, &oe) || oe.Code != codex.CodeRefreshTokenReused || oe.Status != http.StatusUnauthorized {
		t.Fatalf("reuse: %v, want OAuthError refresh_token_reused 401", err)
	}
	if !codex.NeedsLogin(err) {
		t.Error("NeedsLogin(reuse) = false")
	}
	assertNoSecret(t, err, old.RefreshToken, fresh.RefreshToken)

	if s.IsValidAccess(fresh.AccessToken) {
		t.Error("the rotated access token survived the reuse")
	}
	_, err = cfg.Refresh(context.Background(), fresh.RefreshToken)
	if !errors.As(err, &oe) || oe.Code != codex.CodeRefreshTokenInvalidated || !codex.NeedsLogin(err) {
		t.Errorf("refresh with the rotated token after reuse: %v, want refresh_token_invalidated and NeedsLogin", err)
	}
}

func TestRefreshTerminalFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(s *codextest.AuthServer, tok codex.Tokens) string
		code  string
	}{
		{"expired", func(s *codextest.AuthServer, tok codex.Tokens) string {
			s.ExpireFamily(tok.AccessToken)
			return tok.RefreshToken
		}, codex.CodeRefreshTokenExpired},
		{"revoked elsewhere", func(s *codextest.AuthServer, tok codex.Tokens) string {
			s.RevokeFamily(tok.RefreshToken)
			return tok.RefreshToken
		}, codex.CodeRefreshTokenInvalidated},
		{"unknown (RFC 6749 invalid_grant)", func(*codextest.AuthServer, codex.Tokens) string {
			return codextest.RandomToken("rt_")
		}, codex.CodeInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			rt := tt.setup(s, s.Issue(alice, time.Hour))
			_, err := s.OAuthConfig().Refresh(context.Background(), rt)
			var oe *codex.OAuthError
			if !errors.As(err, &oe) || oe.Code != tt.code {
				t.Fatalf("Refresh: %v, want code %s", err, tt.code)
			}
			if !codex.NeedsLogin(err) {
				t.Errorf("NeedsLogin(%v) = false", err)
			}
			assertNoSecret(t, err, rt)
		})
	}
}

func TestRefreshTransientFailuresKeepTheLogin(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			cfg := s.OAuthConfig()
			tok := s.Issue(alice, time.Hour)
			s.FailNext(1, status)
			_, err := cfg.Refresh(context.Background(), tok.RefreshToken)
			var oe *codex.OAuthError
			if !errors.As(err, &oe) || oe.Status != status {
				t.Fatalf("Refresh: %v, want an OAuthError with status %d", err, status)
			}
			if codex.NeedsLogin(err) {
				t.Errorf("NeedsLogin(%v) = true for a transient failure", err)
			}
			if _, err := cfg.Refresh(context.Background(), tok.RefreshToken); err != nil {
				t.Errorf("retry with the same token: %v", err)
			}
			if s.Reuses() != 0 {
				t.Errorf("Reuses = %d", s.Reuses())
			}
		})
	}
}

func TestRefreshTransportFailuresAreNotNeedsLogin(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	s := codextest.NewAuthServer(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		cfg  codex.OAuthConfig
		ctx  context.Context
		is   error
	}{
		{"connection refused", codex.OAuthConfig{Issuer: "http://" + closedAddr}, context.Background(), nil},
		{"cancelled", s.OAuthConfig(), cancelled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.cfg.Refresh(tt.ctx, "rt_secret-refresh-token-value")
			if err == nil {
				t.Fatal("Refresh succeeded")
			}
			if codex.NeedsLogin(err) {
				t.Errorf("NeedsLogin(%v) = true", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			assertNoSecret(t, err, "rt_secret-refresh-token-value")
		})
	}
}

// scriptedTokenServer answers /oauth/token with status and body and records
// the forms it received.
type scriptedTokenServer struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
	ctype []string
}

func newScriptedTokenServer(t *testing.T, status int, body string) *scriptedTokenServer {
	t.Helper()
	s := &scriptedTokenServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		s.mu.Lock()
		s.forms = append(s.forms, r.PostForm)
		s.ctype = append(s.ctype, r.Header.Get("Content-Type"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestRefreshRequestAndPartialAnswers(t *testing.T) {
	t.Parallel()
	access := codextest.MintJWT(alice, time.Now().Add(time.Hour))
	srv := newScriptedTokenServer(t, 200, fmt.Sprintf(`{"access_token":%q,"expires_in":3600}`, access))
	cfg := codex.OAuthConfig{Issuer: srv.URL + "/", ClientID: codex.DefaultClientID}

	got, err := cfg.Refresh(context.Background(), "rt_presented")
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	srv.mu.Lock()
	form, ctype := srv.forms[0], srv.ctype[0]
	srv.mu.Unlock()
	want := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {codex.DefaultClientID},
		"refresh_token": {"rt_presented"},
		"scope":         {"openid profile email"},
	}
	if form.Encode() != want.Encode() || ctype != "application/x-www-form-urlencoded" {
		t.Errorf("sent %s (%s), want %s as a form", form.Encode(), ctype, want.Encode())
	}
	// No new refresh token: the presented one stays (RFC 6749 §6); no
	// id_token: empty, the caller keeps its own; account id from the access token.
	if got.RefreshToken != "rt_presented" || got.IDToken != "" || got.AccessToken != access || got.AccountID != alice.AccountID {
		t.Errorf("got refresh %q id %q account %q", got.RefreshToken, got.IDToken, got.AccountID)
	}
}

func TestRefreshUnusableAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		body       string
		code       string
		needsLogin bool
		bad        bool // ErrBadTokenResponse
	}{
		{"200 not JSON", 200, `<html>`, "", false, true},
		{"200 without access token", 200, `{"refresh_token":"rt_x"}`, "", false, true},
		{"OAuth shape", 400, `{"error":"invalid_grant","error_description":"Refresh token rt_abcdefghijklmnopqrstuvwxyz0123 is unknown"}`, "invalid_grant", true, false},
		{"OpenAI shape", 401, `{"error":{"message":"gone","type":"invalid_request_error","param":null,"code":"refresh_token_expired"}}`, "refresh_token_expired", true, false},
		{"top-level code", 401, `{"code":"refresh_token_invalidated"}`, "refresh_token_invalidated", true, false},
		{"401 with an unknown code", 401, `{"error":{"code":"something_new"}}`, "something_new", true, false},
		{"invalid_client at 400", 400, `{"error":"invalid_client"}`, "invalid_client", false, false},
		{"HTML 502 page echoing the token", 502, `<html>bad gateway for rt_abcdefghijklmnopqrstuvwxyz0123</html>`, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedTokenServer(t, tt.status, tt.body)
			_, err := codex.OAuthConfig{Issuer: srv.URL}.Refresh(context.Background(), "rt_abcdefghijklmnopqrstuvwxyz0123")
			if err == nil {
				t.Fatal("Refresh succeeded")
			}
			if got := errors.Is(err, codex.ErrBadTokenResponse); got != tt.bad {
				t.Errorf("Is(ErrBadTokenResponse) = %v (%v)", got, err)
			}
			var oe *codex.OAuthError
			if !tt.bad && (!errors.As(err, &oe) || oe.Code != tt.code || oe.Status != tt.status) {
				t.Errorf("err %v, want OAuthError code %q status %d", err, tt.code, tt.status)
			}
			if got := codex.NeedsLogin(err); got != tt.needsLogin {
				t.Errorf("NeedsLogin = %v, want %v", got, tt.needsLogin)
			}
			assertNoSecret(t, err, "rt_abcdefghijklmnopqrstuvwxyz0123", "<html>")
		})
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	for _, which := range []string{"access", "refresh"} {
		t.Run(which, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			cfg := s.OAuthConfig()
			tok := s.Issue(alice, time.Hour)
			target := tok.AccessToken
			if which == "refresh" {
				target = tok.RefreshToken
			}
			if err := cfg.Revoke(context.Background(), target); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			if s.IsValidAccess(tok.AccessToken) {
				t.Error("access token still live")
			}
			if _, err := cfg.Refresh(context.Background(), tok.RefreshToken); !codex.NeedsLogin(err) {
				t.Errorf("Refresh after revoke: %v, want NeedsLogin", err)
			}
		})
	}
}

func TestRevokeFailures(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	if err := s.OAuthConfig().Revoke(context.Background(), ""); err == nil {
		t.Error("Revoke(\"\") succeeded")
	}
	wrongClient := s.OAuthConfig()
	wrongClient.ClientID = "app_other"
	err := wrongClient.Revoke(context.Background(), "rt_some-refresh-token-value-long")
	var oe *codex.OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" {
		t.Errorf("Revoke with a wrong client: %v", err)
	}
	assertNoSecret(t, err, "rt_some-refresh-token-value-long")
}

func TestNeedsLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"invalid_grant", &codex.OAuthError{Code: "invalid_grant", Status: 400}, true},
		{"reused, wrapped", fmt.Errorf("refreshing: %w", &codex.OAuthError{Code: "refresh_token_reused", Status: 401}), true},
		{"expired", &codex.OAuthError{Code: "refresh_token_expired", Status: 401}, true},
		{"invalidated", &codex.OAuthError{Code: "refresh_token_invalidated", Status: 401}, true},
		{"token_revoked", &codex.OAuthError{Code: "token_revoked", Status: 400}, true},
		{"bare 401", &codex.OAuthError{Status: 401}, true},
		{"503", &codex.OAuthError{Status: 503}, false},
		{"429", &codex.OAuthError{Code: "rate_limit_exceeded", Status: 429}, false},
		{"access_denied at sign-in", &codex.OAuthError{Code: "access_denied"}, false},
		{"deadline", context.DeadlineExceeded, false},
		{"plain error", errors.New("invalid_grant"), false},
	}
	for _, tt := range tests {
		if got := codex.NeedsLogin(tt.err); got != tt.want {
			t.Errorf("%s: NeedsLogin = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDefaultOAuthConfig(t *testing.T) {
	t.Setenv(codex.AuthIssuerEnv, "")
	c := codex.DefaultOAuthConfig()
	if c.Issuer != "https://auth.openai.com" || c.ClientID != "app_EMoamEEZ73f0CkXaXp7hrann" || c.CallbackAddr != "localhost:1455" {
		t.Errorf("defaults = %+v", c)
	}
	t.Setenv(codex.AuthIssuerEnv, "http://127.0.0.1:9999")
	if got := codex.DefaultOAuthConfig().Issuer; got != "http://127.0.0.1:9999" {
		t.Errorf("Issuer with %s set = %q", codex.AuthIssuerEnv, got)
	}
}

// TestRefreshAgainstHostileTokenEndpoint: an HTML error page (a CDN
// challenge, a load balancer's 5xx), a 200 with garbage, a stalled answer:
// none is a dead login, none consumes the refresh token, and the same token
// works once the endpoint is well again.
func TestRefreshAgainstHostileTokenEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  codextest.TokenFault
		status int
	}{
		{"CDN challenge 403", codextest.TokenHTMLError, http.StatusForbidden},
		{"HTML 502", codextest.TokenHTMLError, http.StatusBadGateway},
		{"HTML 503", codextest.TokenHTMLError, http.StatusServiceUnavailable},
		{"200 garbage", codextest.TokenGarbage, 0},
		{"stall", codextest.TokenStall, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			cfg := s.OAuthConfig()
			tok := s.Issue(alice, time.Hour)
			s.SetTokenFault(tt.fault, tt.status, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			got, err := cfg.Refresh(ctx, tok.RefreshToken)
			if err == nil {
				t.Fatal("Refresh succeeded against a faulty endpoint")
			}
			if codex.NeedsLogin(err) {
				t.Errorf("NeedsLogin(%v) = true: a transient failure would log the account out", err)
			}
			if got.RefreshToken != "" {
				t.Errorf("a refresh token came back from an answer that had none")
			}
			assertNoSecret(t, err, tok.RefreshToken)
			if _, err := cfg.Refresh(context.Background(), tok.RefreshToken); err != nil {
				t.Errorf("retry with the same token: %v", err)
			}
			if st := s.Stats(); st.Reuses != 0 || st.Refreshes != 1 {
				t.Errorf("stats %+v: want 1 refresh, no reuse", st)
			}
		})
	}
}

// A 200 whose access token is not a JWT is a granted refresh: the new
// tokens come back, none is rejected.
func TestRefreshKeepsAnOpaqueAccessToken(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	cfg := s.OAuthConfig()
	tok := s.Issue(alice, time.Hour)
	s.SetTokenFault(codextest.TokenOpaqueAccess, 0, 1)
	got, err := cfg.Refresh(context.Background(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got.RefreshToken == "" || got.RefreshToken == tok.RefreshToken || !s.IsValidAccess(got.AccessToken) {
		t.Fatal("the granted tokens did not come back")
	}
	if _, err := codex.ParseClaims(got.AccessToken); err == nil {
		t.Fatal("the fake did not answer an opaque access token")
	}
	if got.ExpiresIn <= 0 {
		t.Errorf("ExpiresIn = %v, want the answer's expires_in", got.ExpiresIn)
	}
	l, err := codex.NewLogin(got, time.Now())
	if err != nil || l.Expiry.IsZero() {
		t.Errorf("NewLogin of the refreshed tokens: %v (expiry %v)", err, l.Expiry)
	}
}

func TestRefreshRefusesCleartextIssuer(t *testing.T) {
	t.Parallel()
	cfg := codex.OAuthConfig{Issuer: "http://auth.example.com"}
	if _, err := cfg.Refresh(context.Background(), "rt_x"); !errors.Is(err, codex.ErrInsecureUpstream) {
		t.Fatalf("Refresh against http://auth.example.com: %v, want ErrInsecureUpstream", err)
	}
}

func TestLoginRefusesCleartextIssuer(t *testing.T) {
	t.Parallel()
	cfg := codex.OAuthConfig{Issuer: "http://auth.example.com", CallbackAddr: "127.0.0.1:0"}
	_, err := cfg.Login(context.Background(), codex.LoginOptions{PrintURL: func(string) {}})
	if !errors.Is(err, codex.ErrInsecureUpstream) {
		t.Fatalf("Login against http://auth.example.com: %v, want ErrInsecureUpstream", err)
	}
}
