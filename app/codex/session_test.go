package codex_test

import (
	"encoding/base64"
	"testing"

	"github.com/quiver-app/quiver/app/codex"
)

func TestSignInSession(t *testing.T) {
	t.Parallel()
	jwt := func(payload string) string {
		return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	tests := []struct {
		name, token, want string
	}{
		{"sid", jwt(`{"sid":"s-1","auth_time":1764000000,"sub":"u"}`), "sid:s-1"},
		{"auth_time only", jwt(`{"auth_time":1764000000,"sub":"auth0|u"}`), "auth_time:auth0|u:1764000000"},
		{"neither", jwt(`{"sub":"u","iat":1764000000}`), ""},
		{"not a JWT", "opaque-token", ""},
		{"payload not JSON", "a.bm90LWpzb24.c", ""},
	}
	for _, tt := range tests {
		if got := codex.SignInSession(tt.token); got != tt.want {
			t.Errorf("%s: SignInSession = %q, want %q", tt.name, got, tt.want)
		}
	}
}
