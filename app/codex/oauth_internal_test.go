package codex

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateDescription(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"short", "Invalid refresh token", "Invalid refresh token"},
		{"one line", "line one\nline\ttwo\r\n", "line one line two"},
		{"token redacted", "token rt_0123456789abcdefghijklmnop is spent", "token [redacted] is spent"},
		{"control characters dropped", "bad\x00\x1b[31mred", "bad [31mred"},
	}
	for _, tt := range tests {
		if got := truncateDescription(tt.in); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	long := truncateDescription(strings.Repeat("word ", 100))
	if n := utf8.RuneCountInString(long); n != maxDescriptionRunes+1 || !strings.HasSuffix(long, "…") {
		t.Errorf("long description: %d runes %q", n, long)
	}
}

func TestSanitizeErrorCode(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"invalid_grant":         "invalid_grant",
		"Refresh_Token_Reused":  "refresh_token_reused",
		"a b":                   "",
		"<script>":              "",
		strings.Repeat("x", 65): "",
	}
	for in, want := range tests {
		if got := sanitizeErrorCode(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestDefaultCallbackIsTheRegisteredRedirect(t *testing.T) {
	t.Parallel()
	// OpenAI accepts only this redirect URI for the Codex CLI's client.
	c := DefaultOAuthConfig()
	ln, host, err := listenCallback("localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if c.callbackAddr() != "localhost:1455" || host != "localhost" || !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		t.Errorf("callback %q binds %s for redirect host %q", c.callbackAddr(), ln.Addr(), host)
	}
	if got := c.oauth2Config("http://localhost:1455" + CallbackPath).RedirectURL; got != "http://localhost:1455/auth/callback" {
		t.Errorf("redirect %q", got)
	}
}
