// Package localeenv keeps Fyne quiet about a C or POSIX locale.
//
// Fyne's lang package reads the locale in its init(): it takes the first
// of LC_ALL, LC_MESSAGES and LANG, and, unless that is exactly "C" or
// "POSIX", prefers LANGUAGE. "C.UTF-8" — the usual value over SSH, in
// containers and in systemd units — becomes the language tag "C", which it
// cannot parse, so every Quiver process, `quiver version` included, printed
// "Fyne error: Error parsing user locale C" on stderr.
//
// Importing this package (main does, for its side effect) sets
// LANGUAGE=en before Fyne's init runs when the locale names no language;
// a real locale (de_DE.UTF-8, …) or a LANGUAGE the user set is left alone,
// so the window still speaks the user's language. LANGUAGE does not change
// what programs Quiver starts print: GNU gettext ignores it under the C
// locale, whose messages are English anyway.
//
// Why an init(), against the project's rule: Fyne reads the environment in
// its own package initialization, before main runs, so nothing main does
// can come first. Go initializes packages in import-path order among those
// whose imports are ready (the Go spec, "Package initialization"); this
// package imports only os and strings, so it is initialized before
// golang.org/x/text/language, which Fyne's lang package needs — and thus
// before Fyne reads the locale. TestBinaryLocale in app/cli checks the
// built binary.
package localeenv

import (
	"os"
	"strings"
)

func init() {
	Fix(os.Getenv, os.Setenv)
}

// Fix sets LANGUAGE=en when the locale environment names no language
// Fyne can parse (C.UTF-8, POSIX.UTF-8, …) and LANGUAGE does not name one
// either. It reports whether it set it.
func Fix(getenv func(string) string, setenv func(string, string) error) bool {
	loc := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(name); loc != "" {
			break
		}
	}
	if loc == "" || loc == "C" || loc == "POSIX" {
		return false // Fyne takes these as "no locale": English, no complaint
	}
	if languages := getenv("LANGUAGE"); languages != "" {
		if allNameLanguages(strings.Split(languages, ":")) {
			return false
		}
	} else if namesLanguage(loc) {
		return false
	}
	return setenv("LANGUAGE", "en") == nil
}

func allNameLanguages(locales []string) bool {
	for _, l := range locales {
		if !namesLanguage(l) {
			return false
		}
	}
	return true
}

// namesLanguage tells whether a POSIX locale name (language[_territory]
// [.codeset][@modifier]) starts with something shaped like a language
// subtag: two to eight ASCII letters, not C or POSIX.
func namesLanguage(locale string) bool {
	lang, _, _ := strings.Cut(locale, ".")
	lang, _, _ = strings.Cut(lang, "@")
	lang, _, _ = strings.Cut(strings.ReplaceAll(lang, "-", "_"), "_")
	if lang == "C" || lang == "POSIX" || len(lang) < 2 || len(lang) > 8 {
		return false
	}
	for _, r := range lang {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
