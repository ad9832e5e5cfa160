package window

import (
	"regexp"
	"slices"
	"strings"
)

// LogLevels are the level filter's choices, least severe first.
var LogLevels = []string{"DEBUG", "INFO", "WARN", "ERROR"}

// lineLevel finds a slog text line's level ("level=WARN"); "" when none.
func lineLevel(line string) string {
	i := strings.Index(line, "level=")
	if i < 0 {
		return ""
	}
	rest := line[i+len("level="):]
	if j := strings.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	return strings.ToUpper(rest)
}

// tokenLike matches what might be a credential, should one ever reach the
// log: JWTs, Quiver proxy keys, and long opaque tokens after a key name.
var tokenLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*|qvr_[A-Za-z0-9_-]{8,}|(?i)((?:token|refresh|access|key|secret|authorization)[a-z_]*[=:]\s*"?)(?:Bearer\s+)?[A-Za-z0-9._~+/-]{16,}`)

// Redact replaces anything token-like in line by "[redacted]". The log
// never holds a token; this is the window's second line of defence.
func Redact(line string) string {
	return tokenLike.ReplaceAllStringFunc(line, func(m string) string {
		if sub := tokenLike.FindStringSubmatch(m); len(sub) > 1 && sub[1] != "" {
			return sub[1] + "[redacted]"
		}
		return "[redacted]"
	})
}

// FilterLog keeps the lines at minLevel or above (lines without a level,
// such as continuations, are kept), redacted, newest last.
func FilterLog(lines []string, minLevel string) []string {
	floor := slices.Index(LogLevels, strings.ToUpper(minLevel))
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if lv := slices.Index(LogLevels, lineLevel(l)); lv >= 0 && lv < floor {
			continue
		}
		out = append(out, Redact(l))
	}
	return out
}
