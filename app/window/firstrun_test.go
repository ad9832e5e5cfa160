package window

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/quiver-app/quiver/app/autostart"
)

func TestAnswerAutostart(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(t.TempDir(), "xdg"))
	h := newHarness(t)
	// "Not now": remembered, never asked again, autostart off.
	if err := answerAutostart(h.app, false); err != nil {
		t.Fatal(err)
	}
	if s := h.app.Settings(); !s.AutostartAsked || s.Autostart {
		t.Fatalf("after 'not now': %+v", s)
	}
	// "Start at login" from a temporary build (this test binary): refused
	// with the make-install hint, and still remembered as asked.
	h2 := newHarness(t)
	err := answerAutostart(h2.app, true)
	if !errors.Is(err, autostart.ErrTemporaryBinary) {
		t.Fatalf("yes from a temporary build: %v", err)
	}
	if !h2.app.Settings().AutostartAsked {
		t.Fatal("the question would be asked again")
	}
}
