package cli

import (
	"strings"
	"testing"
)

// TestBinaryLocale runs the built binary with the locales of SSH sessions,
// containers and systemd units: every command prints only its own output
// (Fyne complained "Error parsing user locale C" under C.UTF-8).
func TestBinaryLocale(t *testing.T) {
	w := newWorld(t)
	envs := [][]string{
		{"LANG=C"}, {"LANG=C.UTF-8"}, {"LANG=C.utf8"}, {"LANG=POSIX"}, {"LANG=POSIX.UTF-8"},
		{"NOLANG=1"}, {"LC_ALL=C"}, {"LC_ALL=C.UTF-8"}, {"LC_ALL=C.UTF-8", "LANG=de_DE.UTF-8"},
		{"LC_MESSAGES=C.UTF-8"}, {"LANG=de_DE.UTF-8"},
	}
	want := map[string]string{}
	for _, args := range [][]string{{"version"}, {"list"}, {"path"}} {
		want[args[0]] = w.mustRun(args...) // under en_US.UTF-8
	}
	for _, env := range envs {
		for _, args := range [][]string{{"version"}, {"list"}, {"path"}} {
			o := w.runEnv(env, args...)
			if o.code != 0 || o.stderr != "" || o.stdout != want[args[0]] {
				t.Errorf("%s quiver %s printed more than its own output: %s", strings.Join(env, " "), args[0], o)
			}
		}
	}
}
