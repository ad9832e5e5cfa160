package codex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DefaultChatGPTBaseURL is the ChatGPT backend the Codex CLI talks to.
const DefaultChatGPTBaseURL = "https://chatgpt.com/backend-api"

// ChatGPTBaseURLEnv overrides DefaultChatGPTBaseURL (tests, corporate proxies).
const ChatGPTBaseURLEnv = "QUIVER_CHATGPT_BASE_URL"

// The Codex CLI's identity on the wire. The backend has been seen to refuse
// /wham/usage to unknown user agents, so Quiver sends the CLI's style of
// User-Agent. Its shape mirrors get_codex_user_agent in the Codex CLI
// (codex-rs/core/src/default_client.rs): "<originator>/<version> (<os>
// <os version>; <arch>) <terminal>", with DEFAULT_ORIGINATOR "codex_cli_rs"
// also sent as the originator header.
const (
	CodexCLIOriginator = "codex_cli_rs"
	CodexCLIVersion    = "0.169.0" // npm @openai/codex when this was written
)

// CodexUserAgent returns a User-Agent in the Codex CLI's format, naming
// Quiver where the CLI names the terminal, e.g.
// "codex_cli_rs/0.169.0 (Linux; x86_64) quiver".
func CodexUserAgent() string {
	osName := map[string]string{"linux": "Linux", "darwin": "Mac OS", "windows": "Windows"}[runtime.GOOS]
	if osName == "" {
		osName = runtime.GOOS
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "arm64", "386": "x86"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return fmt.Sprintf("%s/%s (%s; %s) quiver", CodexCLIOriginator, CodexCLIVersion, osName, arch)
}

// DefaultBaseURL returns $QUIVER_CHATGPT_BASE_URL, or DefaultChatGPTBaseURL.
func DefaultBaseURL() string {
	if u := strings.TrimSpace(os.Getenv(ChatGPTBaseURLEnv)); u != "" {
		return strings.TrimRight(u, "/")
	}
	return DefaultChatGPTBaseURL
}

// ErrUsageUnauthorized is matched by the error Fetch returns when the
// access token is not accepted: a 401, or a 403 whose JSON body names a
// token error (see ClassifyRefusal). The account needs a refresh or a new
// login (the caller decides which).
var ErrUsageUnauthorized = errors.New("usage endpoint refused the login")

// ErrUsageBlocked is matched by the error Fetch returns for any other 403:
// a CDN bot challenge (HTML, cf-mitigated), a block, a region refusal. It
// says nothing about the tokens: back off, keep the account and its last
// figures, and spend no refresh token.
var ErrUsageBlocked = errors.New("upstream blocked the usage check")

// UsageStatusError is a non-2xx answer from the usage endpoint. It never
// holds a token or a response body: only the status and the server's error
// code, when it gave one that looks like a code.
type UsageStatusError struct {
	Status    int
	Code      string  // e.g. "token_expired"; "" when none
	Refusal   Refusal // what a 401/403 means for the login
	Challenge bool    // the answer was a CDN challenge (cf-mitigated, or an HTML page)
}

func (e *UsageStatusError) Error() string {
	msg := "usage endpoint answered " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	switch {
	case e.Code != "":
		msg += " (" + e.Code + ")"
	case e.Challenge:
		msg += " (CDN challenge)"
	}
	return msg
}

// Unwrap makes a token refusal match ErrUsageUnauthorized and any other
// 403 match ErrUsageBlocked.
func (e *UsageStatusError) Unwrap() error {
	switch e.Refusal {
	case TokenRejected:
		return ErrUsageUnauthorized
	case Blocked:
		return ErrUsageBlocked
	}
	return nil
}

// UsageClient reads an account's limits from the ChatGPT backend without
// spending any quota. The zero value is ready to use.
type UsageClient struct {
	BaseURL    string       // "" means DefaultBaseURL()
	HTTPClient *http.Client // nil means a client with a 30 s timeout
	UserAgent  string       // "" means CodexUserAgent()
}

// usageBodyLimit bounds how much of a usage response is read.
const usageBodyLimit = 1 << 20

// Fetch returns the limits of the account accessToken belongs to:
// GET {base}/wham/usage, and {base}/codex/usage when that path answers 404.
// chatgptAccountID selects the workspace; "" leaves the header out.
func (c UsageClient) Fetch(ctx context.Context, accessToken, chatgptAccountID string) (Usage, error) {
	if accessToken == "" {
		return Usage{}, fmt.Errorf("fetching usage: %w: no access token", ErrUsageUnauthorized)
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL()
	}
	if err := CheckUpstreamURL("chatgpt_base_url", base); err != nil {
		return Usage{}, fmt.Errorf("fetching usage: %w", err)
	}
	var err error
	for _, path := range []string{"/wham/usage", "/codex/usage"} {
		var u Usage
		u, err = c.fetch(ctx, base+path, accessToken, chatgptAccountID)
		var se *UsageStatusError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			continue
		}
		return u, err
	}
	return Usage{}, err
}

func (c UsageClient) fetch(ctx context.Context, url, accessToken, accountID string) (Usage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Usage{}, fmt.Errorf("fetching usage: %w", err)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = CodexUserAgent()
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	if accountID != "" {
		req.Header.Set("ChatGPT-Account-Id", accountID)
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("originator", CodexCLIOriginator)
	req.Header.Set("Accept", "application/json")

	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Usage{}, fmt.Errorf("fetching usage: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, usageBodyLimit))
	if err != nil {
		return Usage{}, fmt.Errorf("reading usage response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Usage{}, fmt.Errorf("fetching usage: %w", &UsageStatusError{
			Status:    resp.StatusCode,
			Code:      errorCode(body),
			Refusal:   ClassifyRefusal(resp.StatusCode, resp.Header, body),
			Challenge: isChallenge(resp.Header),
		})
	}
	u, err := ParseUsage(body, time.Now())
	if err != nil {
		return Usage{}, fmt.Errorf("reading usage response: %w", err)
	}
	return u, nil
}

// codeLike is what an error code looks like; anything else from a body
// (free text that might echo a request) stays out of error messages.
var codeLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// errorCode finds the error code in a backend error body: error.code,
// error.type, a string error, or detail.code / a code-like detail.
func errorCode(body []byte) string {
	var b struct {
		Error  json.RawMessage `json:"error"`
		Detail json.RawMessage `json:"detail"`
		Code   flexString      `json:"code"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	var candidates []string
	for _, raw := range []json.RawMessage{b.Error, b.Detail} {
		var obj struct {
			Code flexString `json:"code"`
			Type flexString `json:"type"`
		}
		var s string
		switch {
		case json.Unmarshal(raw, &obj) == nil:
			candidates = append(candidates, obj.Code.text(), obj.Type.text())
		case json.Unmarshal(raw, &s) == nil:
			candidates = append(candidates, s)
		}
	}
	candidates = append(candidates, b.Code.text())
	for _, c := range candidates {
		if codeLike.MatchString(c) {
			return c
		}
	}
	return ""
}

// isChallenge reports whether an answer looks like a CDN's bot challenge or
// error page rather than the backend's own JSON.
func isChallenge(h http.Header) bool {
	if h.Get("Cf-Mitigated") != "" {
		return true
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/html")
}
