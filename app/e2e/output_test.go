//go:build linux

package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// assertPromptSent checks that a model turn since from carried nonce.
func assertPromptSent(t *testing.T, h *harness, from int, nonce string) {
	t.Helper()
	for _, r := range h.turns(from) {
		if strings.Contains(string(r.Body), nonce) {
			return
		}
	}
	t.Errorf("no model turn carried the prompt's nonce %s", nonce)
}

// assertAnswer checks that the client printed want on stdout and nothing
// that looks like an error anywhere.
func assertAnswer(t *testing.T, client string, res result, want string) {
	t.Helper()
	if !strings.Contains(res.stdout, want) {
		t.Errorf("%s did not print %q on stdout:\n%s\nstderr:\n%s", client, want, res.stdout, res.stderr)
	}
	assertQuiet(t, client, res)
}

// troubleText matches what a client prints when a request failed or an
// account is limited (case-insensitive). 429 only as a number of its own:
// timestamps and temporary paths hold those digits too.
var troubleText = regexp.MustCompile(`(?i)error|usage limit|too many requests|hit your|rate.limit|(?:^|[^\w.])429(?:\W|$)`)

// assertQuiet fails the test when a client's output shows an error or the
// usage limit: the rotation must be invisible to the user.
func assertQuiet(t *testing.T, client string, res result) {
	t.Helper()
	for _, out := range []struct{ name, text string }{{"stdout", res.stdout}, {"stderr", res.stderr}} {
		if m := troubleText.FindString(out.text); m != "" {
			t.Errorf("%s printed %q on %s:\n%s", client, m, out.name, out.text)
		}
	}
}

func TestTroubleText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want bool
	}{
		{"Hello from acct-bob-0002", false},
		{"timestamp=2026-11-23T11:13:17.429Z level=INFO", false},
		{"directory=/tmp/TestOpenCodeThroughProxy372429548/001", false},
		{"ERROR: You’ve hit your usage limit. Try again at 12:06 PM.", true},
		{"level=ERROR message=\"stream error\"", true},
		{"unexpected status 429 Too Many Requests", true},
		{"429", true},
		{"status=429,", true},
		{"Rate limit reached", true},
	}
	for _, tt := range tests {
		if got := troubleText.MatchString(tt.text); got != tt.want {
			t.Errorf("troubleText.MatchString(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
