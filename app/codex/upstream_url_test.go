package codex

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckUpstreamURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw      string
		ok       bool
		insecure bool
	}{
		{"https://chatgpt.com/backend-api", true, false},
		{"https://corp-proxy.example.com:8443/backend-api", true, false},
		{"http://127.0.0.1:8080/backend-api", true, false},
		{"http://[::1]:9000", true, false},
		{"http://localhost:1455", true, false},
		{"http://api.localhost", true, false},
		{"http://chatgpt.com/backend-api", false, true},
		{"http://10.0.0.5:8080", false, true},
		{"http://127.0.0.1.nip.io", false, true},
		{"http://localhost.example.com", false, true},
		{"ftp://127.0.0.1", false, false},
		{"chatgpt.com/backend-api", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		err := CheckUpstreamURL("chatgpt_base_url", tt.raw)
		if (err == nil) != tt.ok || errors.Is(err, ErrInsecureUpstream) != tt.insecure {
			t.Errorf("CheckUpstreamURL(%q) = %v, want ok=%v insecure=%v", tt.raw, err, tt.ok, tt.insecure)
		}
		if err != nil && !strings.Contains(err.Error(), "chatgpt_base_url") {
			t.Errorf("error %q does not name the setting", err)
		}
	}
	if err := CheckUpstreamURL("auth_issuer", "http://user:pw@example.com/?token=abc"); err == nil || strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "abc") {
		t.Errorf("error %v leaks user info or query", err)
	}
}
