package localeenv_test

import (
	"bytes"
	"log"
	"os"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/quiver-app/quiver/app/localeenv"
)

func TestFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want bool // LANGUAGE=en set
	}{
		{map[string]string{}, false},
		{map[string]string{"LANG": "C"}, false},
		{map[string]string{"LANG": "POSIX"}, false},
		{map[string]string{"LANG": "C.UTF-8"}, true},
		{map[string]string{"LANG": "C.utf8"}, true},
		{map[string]string{"LANG": "POSIX.UTF-8"}, true},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, true},
		{map[string]string{"LC_MESSAGES": "C.UTF-8"}, true},
		{map[string]string{"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, false},
		{map[string]string{"LANG": "de_DE.UTF-8"}, false},
		{map[string]string{"LANG": "en_US.UTF-8"}, false},
		{map[string]string{"LANG": "sr_RS@latin"}, false},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr:de"}, false},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "C.UTF-8"}, true},
		{map[string]string{"LANG": "de_DE.UTF-8", "LANGUAGE": "C.UTF-8:de"}, true},
	}
	for _, tt := range tests {
		env := map[string]string{}
		for k, v := range tt.env {
			env[k] = v
		}
		got := localeenv.Fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if got != tt.want || (got && env["LANGUAGE"] != "en") {
			t.Errorf("%v: Fix = %v, LANGUAGE %q; want %v", tt.env, got, env["LANGUAGE"], tt.want)
		}
	}
}

// TestFyneAfterFix asks Fyne itself: after Fix, it reads a C.UTF-8
// environment without a complaint, and still reads a real locale.
func TestFyneAfterFix(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	for _, tt := range []struct{ lang, want string }{
		{"C.UTF-8", "en"},
		{"de_DE.UTF-8", "de-DE"},
		{"fr_FR.UTF-8", "fr-FR"},
	} {
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANGUAGE", "")
		t.Setenv("LANG", tt.lang)
		logged.Reset()
		localeenv.Fix(os.Getenv, os.Setenv)
		if got := lang.SystemLocale().String(); got != tt.want || logged.Len() != 0 {
			t.Errorf("LANG=%s: Fyne's locale %q (want %q), log %q", tt.lang, got, tt.want, logged.String())
		}
	}
}
