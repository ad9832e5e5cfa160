package codex

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error codes OpenAI's token endpoint answers with. The refresh_token_*
// codes come in OpenAI's own shape
// ({"error":{"code":…,"message":…}}, HTTP 401); the others in OAuth's
// ({"error":…,"error_description":…}).
const (
	CodeInvalidGrant            = "invalid_grant"
	CodeRefreshTokenReused      = "refresh_token_reused"
	CodeRefreshTokenExpired     = "refresh_token_expired"
	CodeRefreshTokenInvalidated = "refresh_token_invalidated"
	CodeTokenRevoked            = "token_revoked"
	CodeAccessDenied            = "access_denied"
)

// maxDescriptionRunes bounds how much of a server's error description is
// kept: servers have been seen to echo request material back.
const maxDescriptionRunes = 120

// maxDescriptionWord is the longest word of a description kept as is;
// tokens, codes and verifiers are all longer.
const maxDescriptionWord = 24

// OAuthError is an error answer from the OAuth server (or, for a sign-in,
// from the browser callback). It keeps only the error's code and a
// truncated description: never the body, a token, a code or a verifier.
type OAuthError struct {
	Code        string // e.g. invalid_grant, refresh_token_reused, access_denied; empty when the answer had none
	Status      int    // HTTP status; 0 for an error delivered through the sign-in callback
	Description string // truncated, single line
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	b.WriteString("oauth error")
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// Sign-in failures a caller may want to tell apart.
var (
	ErrPortInUse     = errors.New("the sign-in callback port is already in use: is `codex login` running? close it and try again")
	ErrStateMismatch = errors.New("sign-in callback did not match the sign-in Quiver started")
	ErrLoginTimeout  = errors.New("sign-in timed out: the browser never came back")
	ErrLoginDenied   = errors.New("sign-in was denied or cancelled")
)

// NeedsLogin reports whether err means the login is dead and only a new
// sign-in brings the account back: invalid_grant, refresh_token_reused,
// refresh_token_expired, refresh_token_invalidated, token_revoked, or any
// 401 from the token endpoint (the Codex CLI treats those as permanent too).
// Network errors, timeouts, 429 and 5xx answers are transient: false.
func NeedsLogin(err error) bool {
	var oe *OAuthError
	if !errors.As(err, &oe) {
		return false
	}
	switch oe.Code {
	case CodeInvalidGrant, CodeRefreshTokenReused, CodeRefreshTokenExpired,
		CodeRefreshTokenInvalidated, CodeTokenRevoked:
		return true
	}
	return oe.Status == http.StatusUnauthorized
}

// parseOAuthError turns an error answer into an *OAuthError. It understands
// OAuth's {"error":"code","error_description":"…"}, OpenAI's
// {"error":{"code":"…","message":"…"}} and a bare {"code":"…"}; anything
// else (an HTML error page) keeps only the status.
func parseOAuthError(status int, body []byte) *OAuthError {
	oe := &OAuthError{Status: status}
	var raw struct {
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Code             string          `json:"code"`
		Message          string          `json:"message"`
	}
	if json.Unmarshal(body, &raw) != nil {
		return oe
	}
	code, desc := raw.Code, raw.Message
	if raw.ErrorDescription != "" {
		desc = raw.ErrorDescription
	}
	var s string
	var obj struct {
		Code    string `json:"code"`
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(raw.Error, &s) == nil && s != "":
		code = s
	case json.Unmarshal(raw.Error, &obj) == nil:
		if obj.Code != "" {
			code = obj.Code
		} else if code == "" {
			code = obj.Type
		}
		if obj.Message != "" {
			desc = obj.Message
		}
	}
	oe.Code = sanitizeErrorCode(code)
	oe.Description = truncateDescription(desc)
	return oe
}

// sanitizeErrorCode keeps a code only when it looks like one
// ([A-Za-z0-9_.-], at most 64 bytes): a code is shown and matched, so
// nothing else may pass.
func sanitizeErrorCode(code string) string {
	if len(code) > 64 {
		return ""
	}
	for _, r := range code {
		if !(r == '_' || r == '-' || r == '.' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return ""
		}
	}
	return strings.ToLower(code)
}

// truncateDescription makes a description one short printable line, with
// every word long enough to be a token (or a URL carrying one) redacted.
func truncateDescription(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || !unicode.IsPrint(r)
	})
	for i, w := range words {
		if len(w) > maxDescriptionWord {
			words[i] = "[redacted]"
		}
	}
	s = strings.Join(words, " ")
	if utf8.RuneCountInString(s) <= maxDescriptionRunes {
		return s
	}
	r := []rune(s)
	return string(r[:maxDescriptionRunes]) + "…"
}
