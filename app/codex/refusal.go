package codex

import (
	"net/http"
	"strings"
)

// Refusal says what an upstream's refusal of a request means for the
// account's login. The ChatGPT backend sits behind a CDN that answers bot
// challenges and blocks with HTML 403 pages; those say nothing about the
// tokens, and spending a single-use refresh token on them can lose the
// login. Only a 401, or a JSON body naming a token error, means "refresh".
type Refusal int

const (
	// NotRefused: the status is not a refusal this classifier judges
	// (anything but 401 and 403).
	NotRefused Refusal = iota
	// TokenRejected: the access token is not accepted; refresh once, then
	// (if still refused) the login needs a new sign-in.
	TokenRejected
	// Blocked: a CDN challenge, a block, a region refusal or any other 403
	// without a token error. Transient for the login: back off, keep the
	// account, spend no refresh token.
	Blocked
)

func (r Refusal) String() string {
	switch r {
	case TokenRejected:
		return "token rejected"
	case Blocked:
		return "blocked (not a token error)"
	default:
		return "not refused"
	}
}

// tokenErrorCodes are the error codes (error.code, error.type, a string
// error, detail.code) that name a bad or expired access token.
var tokenErrorCodes = map[string]bool{
	"token_expired":             true,
	"token_invalidated":         true,
	"token_revoked":             true,
	"invalid_token":             true,
	"invalid_api_key":           true,
	"expired_token":             true,
	"authentication_error":      true,
	"invalid_authentication":    true,
	"unauthorized":              true,
	CodeRefreshTokenExpired:     true,
	CodeRefreshTokenInvalidated: true,
	CodeRefreshTokenReused:      true,
}

// ClassifyRefusal judges an upstream answer with the given status, headers
// and (bounded) body. 401 is always TokenRejected. 403 is TokenRejected only
// when the body is JSON naming a token error code; an HTML page, a
// `cf-mitigated` header, or any other 403 is Blocked. Every other status is
// NotRefused.
func ClassifyRefusal(status int, header http.Header, body []byte) Refusal {
	switch status {
	case http.StatusUnauthorized:
		return TokenRejected
	case http.StatusForbidden:
	default:
		return NotRefused
	}
	if header.Get("Cf-Mitigated") != "" {
		return Blocked
	}
	if code := strings.ToLower(errorCode(body)); tokenErrorCodes[code] {
		return TokenRejected
	}
	return Blocked
}

// RefusalCode returns the error code a refusal's body names ("" when it
// names none, or the body is not JSON), for log lines: never the body.
func RefusalCode(body []byte) string { return errorCode(body) }
