package codextest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

var alice = codextest.Identity{Email: "alice@example.com", AccountID: "acc-alice", UserID: "user-alice", Plan: "pro"}

const (
	testVerifier = "a-verifier-that-is-long-enough-for-pkce-0123456789abcdef"
	testRedirect = "http://127.0.0.1:1455/auth/callback"
)

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeQuery is a valid authorize request, as the Codex CLI sends it.
func authorizeQuery() url.Values {
	return url.Values{
		"client_id":                  {codex.DefaultClientID},
		"response_type":              {"code"},
		"redirect_uri":               {testRedirect},
		"scope":                      {"openid profile email offline_access"},
		"code_challenge":             {challenge(testVerifier)},
		"code_challenge_method":      {"S256"},
		"state":                      {"state-123"},
		"id_token_add_organizations": {"true"},
		"codex_cli_simplified_flow":  {"true"},
	}
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func authorize(t *testing.T, s *codextest.AuthServer, q url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirect.Get(s.URL + "/oauth/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// authorizeCode runs an approved authorize request and returns the code.
func authorizeCode(t *testing.T, s *codextest.AuthServer) string {
	t.Helper()
	s.NextLogin(alice)
	resp := authorize(t, s, authorizeQuery())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Query().Get("state"); got != "state-123" {
		t.Fatalf("state = %q, want it echoed", got)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc.Redacted())
	}
	return code
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (a answer) str(k string) string { s, _ := a.body[k].(string); return s }

// errorCode reads the code from either error shape.
func (a answer) errorCode() string {
	switch e := a.body["error"].(type) {
	case string:
		return e
	case map[string]any:
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func post(t *testing.T, s *codextest.AuthServer, path string, form url.Values) answer {
	t.Helper()
	resp, err := http.PostForm(s.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, resp)
}

func postJSON(t *testing.T, s *codextest.AuthServer, path string, v map[string]string) answer {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return readAnswer(t, resp)
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("answer is not JSON: %q", raw)
		}
	}
	return a
}

func exchangeForm(code, verifier, redirect string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {codex.DefaultClientID},
		"code":          {code},
		"code_verifier": {verifier},
		"redirect_uri":  {redirect},
	}
}

func refreshForm(rt string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "client_id": {codex.DefaultClientID}, "refresh_token": {rt}}
}

func TestAuthorizeRejectsBadRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(url.Values)
	}{
		{"wrong client", func(q url.Values) { q.Set("client_id", "app_other") }},
		{"response type token", func(q url.Values) { q.Set("response_type", "token") }},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }},
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }},
		{"no state", func(q url.Values) { q.Del("state") }},
		{"no offline_access", func(q url.Values) { q.Set("scope", "openid profile email") }},
		{"no simplified flow", func(q url.Values) { q.Del("codex_cli_simplified_flow") }},
		{"no organizations", func(q url.Values) { q.Del("id_token_add_organizations") }},
		{"remote redirect", func(q url.Values) { q.Set("redirect_uri", "http://evil.example:1455/auth/callback") }},
		{"other path", func(q url.Values) { q.Set("redirect_uri", "http://localhost:1455/steal") }},
		{"https redirect", func(q url.Values) { q.Set("redirect_uri", "https://localhost:1455/auth/callback") }},
	}
	s := codextest.NewAuthServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := authorizeQuery()
			tt.edit(q)
			if resp := authorize(t, s, q); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
		})
	}
	if n := s.Stats().Authorizations; n != 0 {
		t.Errorf("Authorizations = %d, want 0", n)
	}
}

func TestAuthorizeDenies(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	s.DenyNextLogin("access_denied")
	for _, name := range []string{"queued denial", "nothing queued"} {
		resp := authorize(t, s, authorizeQuery())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		q := loc.Query()
		if resp.StatusCode != http.StatusFound || q.Get("error") != "access_denied" || q.Get("state") != "state-123" || q.Has("code") {
			t.Errorf("%s: status %d, redirect %s; want 302 with error=access_denied and the state", name, resp.StatusCode, loc.Redacted())
		}
	}
}

func TestCodeExchange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		form     func(code string) url.Values
		json     bool
		status   int
		wantCode string
	}{
		{"good", func(c string) url.Values { return exchangeForm(c, testVerifier, testRedirect) }, false, 200, ""},
		{"good as JSON", func(c string) url.Values { return exchangeForm(c, testVerifier, testRedirect) }, true, 200, ""},
		{"wrong verifier", func(c string) url.Values { return exchangeForm(c, testVerifier+"x", testRedirect) }, false, 400, "invalid_grant"},
		{"no verifier", func(c string) url.Values { return exchangeForm(c, "", testRedirect) }, false, 400, "invalid_grant"},
		{"other redirect", func(c string) url.Values {
			return exchangeForm(c, testVerifier, "http://127.0.0.1:1456/auth/callback")
		}, false, 400, "invalid_grant"},
		{"unknown code", func(string) url.Values { return exchangeForm("ac_nope", testVerifier, testRedirect) }, false, 400, "invalid_grant"},
		{"wrong client", func(c string) url.Values {
			f := exchangeForm(c, testVerifier, testRedirect)
			f.Set("client_id", "app_other")
			return f
		}, false, 401, "invalid_client"},
		{"unknown grant", func(c string) url.Values {
			f := exchangeForm(c, testVerifier, testRedirect)
			f.Set("grant_type", "password")
			return f
		}, false, 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			form := tt.form(authorizeCode(t, s))
			var a answer
			if tt.json {
				m := map[string]string{}
				for k := range form {
					m[k] = form.Get(k)
				}
				a = postJSON(t, s, "/oauth/token", m)
			} else {
				a = post(t, s, "/oauth/token", form)
			}
			if a.status != tt.status || a.errorCode() != tt.wantCode {
				t.Fatalf("status %d error %q, want %d %q", a.status, a.errorCode(), tt.status, tt.wantCode)
			}
			if tt.status != 200 {
				if strings.Contains(a.raw, form.Get("code")) || strings.Contains(a.raw, testVerifier) {
					t.Error("the error answer echoes the code or the verifier")
				}
				return
			}
			l, err := codex.NewLogin(codex.Tokens{IDToken: a.str("id_token"), AccessToken: a.str("access_token"), RefreshToken: a.str("refresh_token")}, time.Now())
			if err != nil {
				t.Fatalf("tokens do not make a login: %v", err)
			}
			if l.IDClaims.Email != alice.Email || l.Tokens.AccountID != alice.AccountID || l.IDClaims.PlanType != "pro" {
				t.Errorf("login = %s %s %s, want alice's", l.IDClaims.Email, l.Tokens.AccountID, l.IDClaims.PlanType)
			}
			if !s.IsValidAccess(a.str("access_token")) {
				t.Error("the new access token is not valid")
			}
			if s.Stats().CodeExchanges != 1 {
				t.Errorf("CodeExchanges = %d, want 1", s.Stats().CodeExchanges)
			}
		})
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	code := authorizeCode(t, s)
	first := post(t, s, "/oauth/token", exchangeForm(code, testVerifier, testRedirect))
	if first.status != 200 {
		t.Fatalf("first exchange: %d", first.status)
	}
	second := post(t, s, "/oauth/token", exchangeForm(code, testVerifier, testRedirect))
	if second.status != 400 || second.errorCode() != "invalid_grant" {
		t.Fatalf("second exchange: %d %q, want 400 invalid_grant", second.status, second.errorCode())
	}
	if s.IsValidAccess(first.str("access_token")) {
		t.Error("a code used twice must revoke the tokens it gave")
	}
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	tok := s.Issue(alice, time.Hour)

	a := post(t, s, "/oauth/token", refreshForm(tok.RefreshToken))
	if a.status != 200 {
		t.Fatalf("refresh: %d %s", a.status, a.errorCode())
	}
	if a.str("refresh_token") == "" || a.str("refresh_token") == tok.RefreshToken || a.str("access_token") == tok.AccessToken || a.str("id_token") == "" {
		t.Fatal("refresh did not rotate every token")
	}
	second := postJSON(t, s, "/oauth/token", map[string]string{
		"grant_type": "refresh_token", "client_id": codex.DefaultClientID, "refresh_token": a.str("refresh_token"),
	})
	if second.status != 200 {
		t.Fatalf("JSON refresh with the rotated token: %d %s", second.status, second.errorCode())
	}
	if got := s.RefreshCount(); got != 2 {
		t.Fatalf("RefreshCount = %d, want 2", got)
	}

	reused := post(t, s, "/oauth/token", refreshForm(tok.RefreshToken))
	const wantBody = `{"error":{"message":"Your refresh token has already been used to generate a new access token. Please try signing in again.","type":"invalid_request_error","param":null,"code":"refresh_token_reused"}}`
	if reused.status != 401 || strings.TrimSpace(reused.raw) != wantBody {
		t.Fatalf("reuse answered %d %s\nwant 401 %s", reused.status, reused.raw, wantBody)
	}
	if s.Reuses() != 1 {
		t.Errorf("Reuses = %d, want 1", s.Reuses())
	}
	// The whole family is dead: the newest tokens too.
	if s.IsValidAccess(second.str("access_token")) {
		t.Error("the newest access token survived a reuse")
	}
	latest := post(t, s, "/oauth/token", refreshForm(second.str("refresh_token")))
	if latest.status != 401 || latest.errorCode() != codex.CodeRefreshTokenInvalidated {
		t.Errorf("newest refresh after reuse: %d %q, want 401 refresh_token_invalidated", latest.status, latest.errorCode())
	}
	// Another family is untouched.
	other := s.Issue(alice, time.Hour)
	if !s.IsValidAccess(other.AccessToken) {
		t.Error("reuse revoked another family")
	}
}

func TestConcurrentRefreshOfOneTokenSucceedsOnce(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	tok := s.Issue(alice, time.Hour)
	const n = 8
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := http.PostForm(s.URL+"/oauth/token", refreshForm(tok.RefreshToken))
			if err != nil {
				statuses <- -1
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	var ok, rejected int
	for st := range statuses {
		switch st {
		case 200:
			ok++
		case 401:
			rejected++
		}
	}
	if ok != 1 || rejected != n-1 || s.Reuses() != n-1 {
		t.Errorf("ok=%d rejected=%d reuses=%d, want 1, %d, %d", ok, rejected, s.Reuses(), n-1, n-1)
	}
}

func TestRefreshFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(s *codextest.AuthServer, tok codex.Tokens) string // returns the refresh token to present
		status int
		code   string
	}{
		{"unknown token", func(*codextest.AuthServer, codex.Tokens) string { return "rt_unknown" }, 400, "invalid_grant"},
		{"revoked by access token", func(s *codextest.AuthServer, tok codex.Tokens) string {
			s.RevokeFamily(tok.AccessToken)
			return tok.RefreshToken
		}, 401, codex.CodeRefreshTokenInvalidated},
		{"expired family", func(s *codextest.AuthServer, tok codex.Tokens) string {
			s.ExpireFamily(tok.RefreshToken)
			return tok.RefreshToken
		}, 401, codex.CodeRefreshTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := codextest.NewAuthServer(t)
			rt := tt.setup(s, s.Issue(alice, time.Hour))
			a := post(t, s, "/oauth/token", refreshForm(rt))
			if a.status != tt.status || a.errorCode() != tt.code {
				t.Errorf("%d %q, want %d %q", a.status, a.errorCode(), tt.status, tt.code)
			}
			if s.RefreshCount() != 0 || s.Stats().RejectedRefresh != 1 {
				t.Errorf("stats %+v, want one rejected refresh", s.Stats())
			}
		})
	}
}

func TestFailNextConsumesNothing(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	tok := s.Issue(alice, time.Hour)
	s.FailNext(2, http.StatusServiceUnavailable)
	for i := range 2 {
		if a := post(t, s, "/oauth/token", refreshForm(tok.RefreshToken)); a.status != 503 {
			t.Fatalf("attempt %d: %d, want 503", i, a.status)
		}
	}
	if a := post(t, s, "/oauth/token", refreshForm(tok.RefreshToken)); a.status != 200 {
		t.Fatalf("after the failures: %d %q, want 200", a.status, a.errorCode())
	}
	if st := s.Stats(); st.InjectedFailures != 2 || st.Reuses != 0 || st.Refreshes != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestRevokeEndpoint(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	tok := s.Issue(alice, time.Hour)
	keep := s.Issue(alice, time.Hour)

	revoke := func(form url.Values) int { return post(t, s, "/oauth/revoke", form).status }
	if st := revoke(url.Values{"client_id": {codex.DefaultClientID}}); st != 400 {
		t.Errorf("no token: %d, want 400", st)
	}
	if st := revoke(url.Values{"token": {tok.RefreshToken}, "client_id": {"app_other"}}); st != 401 {
		t.Errorf("wrong client: %d, want 401", st)
	}
	if st := revoke(url.Values{"token": {"rt_unknown"}, "client_id": {codex.DefaultClientID}}); st != 200 {
		t.Errorf("unknown token: %d, want 200 (RFC 7009)", st)
	}
	if !s.IsValidAccess(tok.AccessToken) {
		t.Fatal("a rejected revoke revoked something")
	}
	if st := revoke(url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}, "client_id": {codex.DefaultClientID}}); st != 200 {
		t.Fatalf("revoke: %d", st)
	}
	if s.IsValidAccess(tok.AccessToken) {
		t.Error("revoking the refresh token left the access token alive")
	}
	if !s.IsValidAccess(keep.AccessToken) {
		t.Error("revoke killed another family")
	}
	if s.Stats().Revocations != 1 {
		t.Errorf("Revocations = %d, want 1", s.Stats().Revocations)
	}
}

func TestIsValidAccess(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	live := s.Issue(alice, time.Hour)
	expired := s.Issue(alice, -time.Minute)
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"live", live.AccessToken, true},
		{"expired", expired.AccessToken, false},
		{"refresh token is not an access token", live.RefreshToken, false},
		{"minted elsewhere", codextest.MintJWT(alice, time.Now().Add(time.Hour)), false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := s.IsValidAccess(tt.token); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if live.AccountID != alice.AccountID {
		t.Errorf("Issue AccountID = %q", live.AccountID)
	}
}

func TestSetAccessTTL(t *testing.T) {
	t.Parallel()
	s := codextest.NewAuthServer(t)
	s.SetAccessTTL(-time.Second)
	tok := s.Issue(alice, time.Hour)
	a := post(t, s, "/oauth/token", refreshForm(tok.RefreshToken))
	if a.status != 200 {
		t.Fatalf("refresh: %d", a.status)
	}
	if s.IsValidAccess(a.str("access_token")) {
		t.Error("an access token minted with a negative TTL is valid")
	}
	c, err := codex.ParseClaims(a.str("access_token"))
	if err != nil || !c.Expiry.Before(time.Now()) {
		t.Errorf("access token exp %v (err %v), want in the past", c.Expiry, err)
	}
}
