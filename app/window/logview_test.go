package window

import (
	"slices"
	"strings"
	"testing"
)

func TestFilterLog(t *testing.T) {
	t.Parallel()
	lines := []string{
		`time=2025-03-03T12:00:00Z level=DEBUG msg="polling"`,
		`time=2025-03-03T12:00:01Z level=INFO msg="switched auth.json to account" account=work`,
		`time=2025-03-03T12:00:02Z level=WARN msg="exported account to OpenCode" id=abc`,
		`a line without a level`,
		`time=2025-03-03T12:00:03Z level=ERROR msg="proxy stopped"`,
	}
	tests := []struct {
		level string
		want  int
	}{{"DEBUG", 5}, {"INFO", 4}, {"warn", 3}, {"ERROR", 2}}
	for _, tt := range tests {
		if got := FilterLog(lines, tt.level); len(got) != tt.want {
			t.Errorf("%s: %d lines, want %d: %q", tt.level, len(got), tt.want, got)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
	tests := []struct{ in, gone, kept string }{
		{"level=INFO msg=x tok=" + jwt, jwt, "level=INFO msg=x"},
		{"level=INFO key=qvr_abcdefghijklmnopqrstuvwxyz012345", "qvr_abcdefghij", "key="},
		{`level=WARN refresh_token="rt_AbCdEfGhIjKlMnOpQrStUv"`, "rt_AbCdEfGhIjKlMnOpQrStUv", `refresh_token="[redacted]`},
		{"level=INFO authorization: Bearer sk-abcdefghijklmnopqrstuvwx", "sk-abcdefghijklmnop", "authorization: [redacted]"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if strings.Contains(got, tt.gone) || !strings.Contains(got, tt.kept) {
			t.Errorf("Redact(%q) = %q", tt.in, got)
		}
	}
	plain := `level=INFO msg="took newer tokens for account" account=work id=0123456789ab`
	if got := Redact(plain); got != plain {
		t.Errorf("an ordinary line changed: %q", got)
	}
	if got := FilterLog([]string{"level=INFO x=" + jwt}, "INFO"); slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, jwt) }) {
		t.Error("FilterLog does not redact")
	}
}
