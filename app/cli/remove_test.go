package cli

import (
	"strings"
	"testing"
)

// Removing the account auth.json holds, at a terminal, asks what auth.json
// should hold instead (issue 12.3).
func TestRemoveActiveAsksForAReplacement(t *testing.T) {
	e := newCLIEnv(t)
	e.login(bob)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	e.login(alice)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	// auth.json holds alice; she is removed, and bob takes her place.
	code, out, errOut := e.run("y\ncarol\nbob\n", "remove", "alice")
	if code != 0 || !strings.Contains(out, "holds alice. Switch it to another account (bob)") ||
		!strings.Contains(out, `No other account is called "carol"`) || !strings.Contains(out, "Switched ~/.codex/auth.json to bob") ||
		!strings.Contains(out, "Removed alice. ~/.codex/auth.json was left as it is.") {
		t.Fatalf("remove alice: %d\n%s\n%s", code, out, errOut)
	}
	if _, out, _ = e.run("", "list"); !strings.Contains(out, "*  bob") || strings.Contains(out, "alice") {
		t.Fatalf("after removing alice for bob:\n%s", out)
	}

	// Enter keeps the login in auth.json, and Quiver remembers the removal.
	e.login(alice)
	if code, _, errOut := e.run("", "import"); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut = e.run("y\n\n", "remove", "alice")
	if code != 0 || !strings.Contains(out, "will not import that login again") {
		t.Fatalf("remove alice, keeping her login in auth.json: %d\n%s\n%s", code, out, errOut)
	}
}
