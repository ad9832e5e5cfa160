package notify

import (
	"regexp"
	"strings"
	"unicode"
)

const (
	maxTitleRunes = 100
	maxBodyRunes  = 400
	redacted      = "[redacted]"
)

// tokenRun matches a run of characters that tokens, keys and JWTs are made
// of, long enough to be one.
var tokenRun = regexp.MustCompile(`[A-Za-z0-9_\-+/=.~]{24,}`)

// bearer matches an authorization value, whatever its length.
var bearer = regexp.MustCompile(`(?i)\b(bearer|basic)\s+\S+`)

// redact makes text safe to show: token-looking runs are replaced, control
// characters become spaces (newlines too unless multiline), and the text is
// cut to limit runes. Snake_case error codes and ordinary words stay: a run is taken
// for a secret only when it mixes letters with digits or cases.
func redact(s string, limit int, multiline bool) string {
	s = bearer.ReplaceAllString(s, "$1 "+redacted)
	s = tokenRun.ReplaceAllStringFunc(s, func(run string) string {
		if looksSecret(run) {
			return redacted
		}
		return run
	})
	s = strings.Map(func(r rune) rune {
		if r == '\n' && multiline {
			return r
		}
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit-1]) + "…"
	}
	return s
}

func looksSecret(run string) bool {
	var upper, lower, digit bool
	for _, r := range run {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		}
	}
	return (upper && lower) || (digit && (upper || lower))
}
