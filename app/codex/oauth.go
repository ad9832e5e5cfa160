package codex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// OpenAI's sign-in as the Codex CLI uses it. Quiver signs in as the Codex
// CLI's OAuth client, so the tokens it gets are the ones the CLI accepts.
const (
	DefaultIssuer       = "https://auth.openai.com"
	DefaultClientID     = "app_EMoamEEZ73f0CkXaXp7hrann"
	DefaultCallbackAddr = "localhost:1455"
	// AuthIssuerEnv overrides the issuer (tests, corporate proxies).
	AuthIssuerEnv = "QUIVER_AUTH_ISSUER"
	// CallbackPath is where the browser lands after signing in.
	CallbackPath = "/auth/callback"

	authorizePath = "/oauth/authorize"
	tokenPath     = "/oauth/token"
	revokePath    = "/oauth/revoke"
	refreshScope  = "openid profile email"
	// oauthMaxBody bounds what is read from the token endpoint.
	oauthMaxBody = 1 << 20
	// oauthDefaultTimeout bounds one token request when no HTTPClient is set.
	oauthDefaultTimeout = 30 * time.Second
	// maxExpiresIn bounds a believable expires_in (seconds): a year.
	maxExpiresIn = 366 * 24 * 60 * 60
)

// loginScopes are the scopes the Codex CLI asks for; offline_access is what
// yields a refresh token.
func loginScopes() []string { return []string{"openid", "profile", "email", "offline_access"} }

// OAuthConfig says where and as whom Quiver signs in. The zero value of a
// field means its default; DefaultOAuthConfig fills them in.
type OAuthConfig struct {
	Issuer       string // default DefaultIssuer, or $QUIVER_AUTH_ISSUER
	ClientID     string // default DefaultClientID
	CallbackAddr string // host:port of the sign-in callback; loopback only; default DefaultCallbackAddr
	HTTPClient   *http.Client
}

// DefaultOAuthConfig returns the Codex CLI's sign-in settings, with the
// issuer taken from $QUIVER_AUTH_ISSUER when set.
func DefaultOAuthConfig() OAuthConfig {
	c := OAuthConfig{Issuer: DefaultIssuer, ClientID: DefaultClientID, CallbackAddr: DefaultCallbackAddr}
	if v := strings.TrimSpace(os.Getenv(AuthIssuerEnv)); v != "" {
		c.Issuer = v
	}
	return c
}

func (c OAuthConfig) issuer() string {
	if c.Issuer == "" {
		return DefaultIssuer
	}
	return strings.TrimRight(c.Issuer, "/")
}

func (c OAuthConfig) clientID() string {
	if c.ClientID == "" {
		return DefaultClientID
	}
	return c.ClientID
}

func (c OAuthConfig) callbackAddr() string {
	if c.CallbackAddr == "" {
		return DefaultCallbackAddr
	}
	return c.CallbackAddr
}

func (c OAuthConfig) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: oauthDefaultTimeout}
}

// oauth2Config is the x/oauth2 view of c for a given redirect URI.
func (c OAuthConfig) oauth2Config(redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.clientID(),
		Endpoint: oauth2.Endpoint{
			AuthURL:  c.issuer() + authorizePath,
			TokenURL: c.issuer() + tokenPath,
			// A public client: no secret, and never auto-detect (which
			// would present a single-use code twice).
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirectURL,
		Scopes:      loginScopes(),
	}
}

// tokenResponse is the token endpoint's answer to a grant.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// ErrBadTokenResponse is returned when the token endpoint answers 200 with
// something that is not a usable token set.
var ErrBadTokenResponse = errors.New("token endpoint answered without a usable access token")

// Refresh trades refreshToken for a new token set.
//
// Refresh tokens are single-use: once this call reached the server, the
// refreshToken passed in is spent whatever the outcome, and the caller must
// store the returned tokens before anything else (see DESIGN "Token
// lifecycle"). Callers serialize refreshes per account.
//
// The returned Tokens carry AccountID from the new id_token's claims (or the
// access token's). The real server always sends a new refresh token and
// id_token; should one be missing, RefreshToken is the one passed in (RFC
// 6749 §6: it then stays valid), and IDToken is empty, meaning "keep the
// id_token you had". A 200 answer is never turned into an error once it holds
// an access token, so a rotated refresh token is never thrown away.
//
// Errors: an *OAuthError for an answer from the server (NeedsLogin tells a
// dead login from a transient failure); ErrBadTokenResponse for a 200
// without an access token, with the returned Tokens holding a rotated
// refresh token when the answer had one (keep it: the old one is spent); a
// wrapped transport error otherwise.
func (c OAuthConfig) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	if refreshToken == "" {
		return Tokens{}, errors.New("refreshing tokens: no refresh token")
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.clientID()},
		"refresh_token": {refreshToken},
		"scope":         {refreshScope},
	}
	body, err := c.postForm(ctx, c.issuer()+tokenPath, form)
	if err != nil {
		return Tokens{}, fmt.Errorf("refreshing tokens: %w", err)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		// A 200 may still carry the rotated refresh token (the old one is
		// spent): hand it back with the error so the caller keeps it.
		var partial struct {
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(body, &partial) == nil && partial.RefreshToken != "" && partial.RefreshToken != refreshToken {
			return Tokens{RefreshToken: partial.RefreshToken}, fmt.Errorf("refreshing tokens: %w", ErrBadTokenResponse)
		}
		return Tokens{}, fmt.Errorf("refreshing tokens: %w", ErrBadTokenResponse)
	}
	t := Tokens{IDToken: tr.IDToken, AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken}
	if tr.ExpiresIn > 0 && tr.ExpiresIn < maxExpiresIn {
		t.ExpiresIn = time.Duration(tr.ExpiresIn) * time.Second
	}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	t.AccountID = accountIDFromTokens(t)
	return t, nil
}

// Revoke revokes token (a refresh or an access token) at the issuer
// (RFC 7009). OpenAI revokes the whole login it belongs to: every access and
// refresh token of that sign-in stops working.
func (c OAuthConfig) Revoke(ctx context.Context, token string) error {
	if token == "" {
		return errors.New("revoking token: no token")
	}
	hint := "refresh_token"
	if _, err := ParseClaims(token); err == nil {
		hint = "access_token"
	}
	form := url.Values{
		"token":           {token},
		"token_type_hint": {hint},
		"client_id":       {c.clientID()},
	}
	if _, err := c.postForm(ctx, c.issuer()+revokePath, form); err != nil {
		return fmt.Errorf("revoking token: %w", err)
	}
	return nil
}

// postForm posts form to endpoint and returns the body of a 2xx answer; any
// other status becomes an *OAuthError holding only the error's code and a
// truncated description, never the body itself.
func (c OAuthConfig) postForm(ctx context.Context, endpoint string, form url.Values) ([]byte, error) {
	if err := CheckUpstreamURL("auth issuer", c.issuer()); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err // *url.Error: method and URL, neither holds a secret
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, oauthMaxBody))
	if err != nil {
		return nil, fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, parseOAuthError(resp.StatusCode, body)
	}
	return body, nil
}

// accountIDFromTokens reads the ChatGPT account id from the id_token, or the
// access token when the id_token has none. Empty when neither decodes.
func accountIDFromTokens(t Tokens) string {
	if c, err := ParseClaims(t.IDToken); err == nil && c.ChatGPTAccountID != "" {
		return c.ChatGPTAccountID
	}
	if c, err := ParseClaims(t.AccessToken); err == nil {
		return c.ChatGPTAccountID
	}
	return ""
}
