package codextest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// DefaultAccessTTL is how long the fake's access tokens live unless
// SetAccessTTL says otherwise: about what OpenAI's live.
const DefaultAccessTTL = 10 * 24 * time.Hour

// authCodeTTL is how long an authorization code can be exchanged.
const authCodeTTL = 10 * time.Minute

// AuthServer is a fake of OpenAI's OAuth server (auth.openai.com) on
// 127.0.0.1, strict where the real one is:
//
//   - GET /oauth/authorize checks client_id, response_type=code, PKCE S256,
//     a loopback redirect_uri ending in /auth/callback (any port, unlike the
//     real server, which wants localhost:1455), the scopes, state and the
//     Codex CLI's extra parameters; then it approves at once (302 to
//     redirect_uri?code=…&state=…) as the identity queued by NextLogin, or
//     answers error=… as queued by DenyNextLogin (access_denied when
//     nothing is queued).
//   - POST /oauth/token (form or JSON body) grants authorization_code
//     (single-use code; code_verifier checked against the challenge;
//     redirect_uri must match) and refresh_token (single-use, rotating).
//     Presenting a spent refresh token answers 401 refresh_token_reused in
//     OpenAI's shape and revokes the whole login family, as the real server
//     does; a revoked family's token answers 401 refresh_token_invalidated,
//     an expired one refresh_token_expired, an unknown one 400 invalid_grant.
//   - POST /oauth/revoke revokes the family of the token (RFC 7009: 200
//     even for an unknown token).
//
// A "family" is one sign-in: every access and refresh token descending from
// it. All methods are safe for concurrent use.
type AuthServer struct {
	URL string // base URL; use as codex.OAuthConfig.Issuer

	srv *httptest.Server

	mu         sync.Mutex // guards everything below
	accessTTL  time.Duration
	queue      []authQueued
	codes      map[string]*authCodeGrant
	refresh    map[string]*authRefresh
	access     map[string]*authAccess
	failNext   int
	failStatus int
	tokenFault tokenFaultState
	stats      AuthStats
}

// AuthStats counts what the fake has seen. Reuses must stay 0 in any test
// of code that owns refresh: it counts refresh tokens presented twice.
type AuthStats struct {
	Authorizations   int // /oauth/authorize requests answered with a redirect
	CodeExchanges    int // successful authorization_code grants
	Refreshes        int // successful refresh_token grants
	Reuses           int // spent refresh tokens presented again
	RejectedRefresh  int // refresh_token grants refused for any reason (reuses included)
	Revocations      int // families revoked through /oauth/revoke or RevokeFamily
	InjectedFailures int // answers given by FailNext or SetTokenFault
}

type authQueued struct {
	id       Identity
	denyCode string // non-empty: answer the authorize request with this error
}

type authFamily struct {
	id      Identity
	revoked bool
	expired bool
}

type authCodeGrant struct {
	id          Identity
	challenge   string
	redirectURI string
	issued      time.Time
	used        bool
	family      *authFamily // set once exchanged
}

type authRefresh struct {
	family *authFamily
	used   bool
}

type authAccess struct {
	family *authFamily
	exp    time.Time
}

// NewAuthServer starts a fake auth server on 127.0.0.1, closed when t ends.
func NewAuthServer(t testing.TB) *AuthServer {
	t.Helper()
	s := &AuthServer{
		accessTTL: DefaultAccessTTL,
		codes:     map[string]*authCodeGrant{},
		refresh:   map[string]*authRefresh{},
		access:    map[string]*authAccess{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /oauth/token", s.handleToken)
	mux.HandleFunc("POST /oauth/revoke", s.handleRevoke)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// OAuthConfig returns a client configuration for this server, with the
// callback on a free port of 127.0.0.1.
func (s *AuthServer) OAuthConfig() codex.OAuthConfig {
	return codex.OAuthConfig{
		Issuer:       s.URL,
		ClientID:     codex.DefaultClientID,
		CallbackAddr: "127.0.0.1:0",
		HTTPClient:   s.srv.Client(),
	}
}

// NextLogin queues id as the account the next /oauth/authorize approves.
func (s *AuthServer) NextLogin(id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, authQueued{id: id})
}

// DenyNextLogin makes the next /oauth/authorize redirect back with
// error=code (e.g. access_denied), as when the user cancels.
func (s *AuthServer) DenyNextLogin(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, authQueued{denyCode: code})
}

// Issue mints a new login family for id directly, as if the account had
// signed in, with an access token living accessTTL (negative: already
// expired).
func (s *AuthServer) Issue(id Identity, accessTTL time.Duration) codex.Tokens {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mintLocked(&authFamily{id: id}, accessTTL).tokens(id)
}

// RevokeFamily revokes the login that token (refresh or access) belongs to.
// Unknown tokens are ignored.
func (s *AuthServer) RevokeFamily(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.familyLocked(token); f != nil && !f.revoked {
		f.revoked = true
		s.stats.Revocations++
	}
}

// ExpireFamily makes the refresh tokens of token's login answer
// refresh_token_expired from now on.
func (s *AuthServer) ExpireFamily(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.familyLocked(token); f != nil {
		f.expired = true
	}
}

// SetAccessTTL sets the lifetime of access tokens minted from now on by
// code exchanges and refreshes.
func (s *AuthServer) SetAccessTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessTTL = d
}

// FailNext makes the next n /oauth/token requests fail with status (a
// transient 5xx, say) before looking at them: nothing is consumed.
func (s *AuthServer) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus = n, status
}

// IsValidAccess reports whether token is a live access token: minted here,
// not expired, its family not revoked. For fake backends.
func (s *AuthServer) IsValidAccess(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.access[token]
	return ok && !a.family.revoked && time.Now().Before(a.exp)
}

// Stats returns the counters so far.
func (s *AuthServer) Stats() AuthStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// RefreshCount returns how many refresh_token grants succeeded.
func (s *AuthServer) RefreshCount() int { return s.Stats().Refreshes }

// Reuses returns how many times a spent refresh token was presented again.
func (s *AuthServer) Reuses() int { return s.Stats().Reuses }

// authMinted is one token set as minted.
type authMinted struct {
	idToken, access, refresh string
	ttl                      time.Duration
}

func (m authMinted) tokens(id Identity) codex.Tokens {
	return codex.Tokens{IDToken: m.idToken, AccessToken: m.access, RefreshToken: m.refresh, AccountID: id.AccountID}
}

// mintLocked mints a token set in family f.
func (s *AuthServer) mintLocked(f *authFamily, accessTTL time.Duration) authMinted {
	now := time.Now()
	m := authMinted{
		idToken: MintJWT(f.id, now.Add(time.Hour)),
		access:  MintJWT(f.id, now.Add(accessTTL)),
		refresh: RandomToken("rt_"),
		ttl:     accessTTL,
	}
	s.access[m.access] = &authAccess{family: f, exp: now.Add(accessTTL)}
	s.refresh[m.refresh] = &authRefresh{family: f}
	return m
}

func (s *AuthServer) familyLocked(token string) *authFamily {
	if r, ok := s.refresh[token]; ok {
		return r.family
	}
	if a, ok := s.access[token]; ok {
		return a.family
	}
	return nil
}
