package codex

import (
	"net/http"
	"testing"
)

func TestClassifyRefusal(t *testing.T) {
	cfChallenge := http.Header{"Cf-Mitigated": {"challenge"}, "Content-Type": {"text/html; charset=UTF-8"}}
	html := []byte(`<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Enable JavaScript and cookies to continue</body></html>`)
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Refusal
	}{
		{"200 is not a refusal", 200, nil, `{}`, NotRefused},
		{"429 is not a refusal", 429, nil, `{"error":{"type":"usage_limit_reached"}}`, NotRefused},
		{"500 is not a refusal", 500, nil, `<html>oops</html>`, NotRefused},
		{"401 without body", 401, nil, ``, TokenRejected},
		{"401 html", 401, nil, string(html), TokenRejected},
		{"401 token_expired", 401, nil, `{"error":{"code":"token_expired","message":"x"}}`, TokenRejected},
		{"403 cloudflare challenge", 403, cfChallenge, string(html), Blocked},
		{"403 cf-mitigated even with a token code", 403, cfChallenge, `{"error":{"code":"token_expired"}}`, Blocked},
		{"403 html without header", 403, nil, string(html), Blocked},
		{"403 empty", 403, nil, ``, Blocked},
		{"403 region", 403, nil, `{"error":{"code":"unsupported_country_region_territory"}}`, Blocked},
		{"403 garbage json", 403, nil, `{"error":`, Blocked},
		{"403 token_invalidated", 403, nil, `{"error":{"code":"token_invalidated","message":"x"}}`, TokenRejected},
		{"403 detail code", 403, nil, `{"detail":{"code":"token_expired"}}`, TokenRejected},
		{"403 string error", 403, nil, `{"error":"invalid_token"}`, TokenRejected},
		{"403 upper case code", 403, nil, `{"error":{"code":"TOKEN_REVOKED"}}`, TokenRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			if got := ClassifyRefusal(tt.status, h, []byte(tt.body)); got != tt.want {
				t.Fatalf("ClassifyRefusal(%d, %q) = %v, want %v", tt.status, tt.body, got, tt.want)
			}
		})
	}
}
