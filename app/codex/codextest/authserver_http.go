package codextest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// The HTTP side of AuthServer: /oauth/authorize, /oauth/token, /oauth/revoke.

func (s *AuthServer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, problem := s.checkAuthorize(q)
	if problem != "" {
		http.Error(w, "invalid_request: "+problem, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	var next authQueued
	if len(s.queue) > 0 {
		next, s.queue = s.queue[0], s.queue[1:]
	} else {
		next.denyCode = "access_denied"
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if next.denyCode != "" {
		back.Set("error", next.denyCode)
		back.Set("error_description", "The user did not sign in")
	} else {
		code := RandomToken("ac_")
		s.codes[code] = &authCodeGrant{
			id:          next.id,
			challenge:   q.Get("code_challenge"),
			redirectURI: q.Get("redirect_uri"),
			issued:      time.Now(),
		}
		back.Set("code", code)
	}
	s.stats.Authorizations++
	s.mu.Unlock()
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// checkAuthorize validates an authorize request and returns its redirect
// URI, or what is wrong with it.
func (s *AuthServer) checkAuthorize(q url.Values) (*url.URL, string) {
	switch {
	case q.Get("client_id") != codex.DefaultClientID:
		return nil, "unknown client_id"
	case q.Get("response_type") != "code":
		return nil, "response_type must be code"
	case q.Get("code_challenge_method") != "S256":
		return nil, "code_challenge_method must be S256"
	case len(q.Get("code_challenge")) < 43:
		return nil, "code_challenge missing or too short"
	case q.Get("state") == "":
		return nil, "state missing"
	case q.Get("id_token_add_organizations") != "true", q.Get("codex_cli_simplified_flow") != "true":
		return nil, "the Codex CLI's parameters are missing"
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, want := range []string{"openid", "profile", "email", "offline_access"} {
		if !slices.Contains(scopes, want) {
			return nil, "scope must include " + want
		}
	}
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || u.Scheme != "http" || u.Path != codex.CallbackPath || u.Port() == "" {
		return nil, "redirect_uri must be http://localhost:<port>/auth/callback"
	}
	if h := u.Hostname(); h != "localhost" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
			return nil, "redirect_uri must be a loopback address"
		}
	}
	return u, ""
}

func (s *AuthServer) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	fault := s.takeTokenFaultLocked()
	switch fault.fault {
	case TokenHTMLError:
		s.mu.Unlock()
		writeHTMLError(w, fault.status)
		return
	case TokenStall:
		s.mu.Unlock()
		stall(r, stallLimit)
		return
	case TokenGarbage:
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token": "at_<html>oops`))
		return
	}
	defer s.mu.Unlock()
	opaque := fault.fault == TokenOpaqueAccess
	if s.failNext > 0 {
		s.failNext--
		s.stats.InjectedFailures++
		s.writeOpenAIError(w, s.failStatus, "server_error", "", "The server had an error while processing your request. Please try again.")
		return
	}
	p, err := s.readParams(r)
	if err != nil {
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if p.Get("client_id") != codex.DefaultClientID {
		s.writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Unknown client")
		return
	}
	switch p.Get("grant_type") {
	case "authorization_code":
		s.grantCodeLocked(w, p)
	case "refresh_token":
		s.grantRefreshLocked(w, p, opaque)
	default:
		s.writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (s *AuthServer) grantCodeLocked(w http.ResponseWriter, p url.Values) {
	c, ok := s.codes[p.Get("code")]
	switch {
	case !ok || time.Since(c.issued) > authCodeTTL:
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code")
		return
	case c.used:
		// RFC 6749 §4.1.2: a code used twice revokes what it gave.
		if c.family != nil {
			c.family.revoked = true
		}
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code already used")
		return
	}
	c.used = true
	if p.Get("redirect_uri") != c.redirectURI {
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	}
	sum := sha256.Sum256([]byte(p.Get("code_verifier")))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.challenge)) != 1 {
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	c.family = &authFamily{id: c.id}
	m := s.mintLocked(c.family, s.accessTTL)
	s.stats.CodeExchanges++
	s.writeTokens(w, m)
}

func (s *AuthServer) grantRefreshLocked(w http.ResponseWriter, p url.Values, opaque bool) {
	rt, ok := s.refresh[p.Get("refresh_token")]
	switch {
	case !ok:
		s.stats.RejectedRefresh++
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	case rt.used:
		s.stats.Reuses++
		s.stats.RejectedRefresh++
		rt.family.revoked = true
		s.writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", codex.CodeRefreshTokenReused,
			"Your refresh token has already been used to generate a new access token. Please try signing in again.")
		return
	case rt.family.revoked:
		s.stats.RejectedRefresh++
		s.writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", codex.CodeRefreshTokenInvalidated,
			"Your refresh token has been invalidated. Please try signing in again.")
		return
	case rt.family.expired:
		s.stats.RejectedRefresh++
		s.writeOpenAIError(w, http.StatusUnauthorized, "invalid_request_error", codex.CodeRefreshTokenExpired,
			"Your refresh token has expired. Please try signing in again.")
		return
	}
	rt.used = true
	m := s.mintLocked(rt.family, s.accessTTL)
	if opaque {
		// Some servers hand out opaque access tokens: the refresh is
		// granted all the same, and the new refresh token is the only one.
		a := s.access[m.access]
		delete(s.access, m.access)
		m.access = RandomToken("at_")
		s.access[m.access] = a
	}
	s.stats.Refreshes++
	s.writeTokens(w, m)
}

func (s *AuthServer) handleRevoke(w http.ResponseWriter, r *http.Request) {
	p, err := s.readParams(r)
	if err != nil || p.Get("token") == "" {
		s.writeOAuthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	if p.Get("client_id") != codex.DefaultClientID {
		s.writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Unknown client")
		return
	}
	s.RevokeFamily(p.Get("token"))
	w.WriteHeader(http.StatusOK)
}

// readParams reads a form-encoded or JSON request body (the Codex CLI
// refreshes with JSON).
func (s *AuthServer) readParams(r *http.Request) (url.Values, error) {
	body := http.MaxBytesReader(nil, r.Body, 1<<20)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(body).Decode(&m); err != nil {
			return nil, errAuthBody
		}
		v := url.Values{}
		for k, x := range m {
			if s, ok := x.(string); ok {
				v.Set(k, s)
			}
		}
		return v, nil
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, errAuthBody
	}
	v, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, errAuthBody
	}
	return v, nil
}

var errAuthBody = errors.New("the request body is neither a form nor a JSON object")

func (s *AuthServer) writeTokens(w http.ResponseWriter, m authMinted) {
	s.writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  m.access,
		"refresh_token": m.refresh,
		"id_token":      m.idToken,
		"token_type":    "Bearer",
		"expires_in":    int64(m.ttl / time.Second),
		"scope":         "openid profile email offline_access",
	})
}

// writeOAuthError answers in OAuth's shape (RFC 6749 §5.2).
func (s *AuthServer) writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	s.writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// authOpenAIError is OpenAI's own error shape, field order included.
type authOpenAIError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// writeOpenAIError answers in OpenAI's shape:
// {"error":{"message":…,"type":…,"param":null,"code":…}}; an empty code is null.
func (s *AuthServer) writeOpenAIError(w http.ResponseWriter, status int, typ, code, message string) {
	var e authOpenAIError
	e.Error.Message, e.Error.Type = message, typ
	if code != "" {
		e.Error.Code = &code
	}
	s.writeJSON(w, status, e)
}

func (s *AuthServer) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
