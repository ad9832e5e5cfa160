package cli

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/quiver-app/quiver/app/desktoptest"
	"github.com/quiver-app/quiver/app/secret"
)

// TestCommandsWithRealKeyring runs the import/switch/remove path against
// the session's real Secret Service (gnome-keyring), the way a user's
// desktop runs it.
func TestCommandsWithRealKeyring(t *testing.T) {
	desktoptest.Require(t, desktoptest.SecretService)
	e := newCLIEnv(t)
	t.Setenv("QUIVER_SECRETS", "keyring")
	t.Setenv("QUIVER_PASSPHRASE", "")
	refresh := e.login(alice)
	if code, out, errOut := e.run("", "import"); code != 0 {
		t.Fatalf("import: %s %s", out, errOut)
	}
	code, out, _ := e.run("", "status", "--json")
	if code != 0 || !strings.Contains(out, "OS keyring") {
		t.Fatalf("status does not name the keyring: %s", out)
	}
	var id string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"id":`) {
			id = strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), `"id":`)), `",`)
			break
		}
	}
	// The tokens are in the Secret Service under service "quiver", key =
	// the account id, and nowhere in Quiver's files.
	kr := secret.NewKeyring(secret.DefaultService, secret.DefaultTimeout)
	raw, err := kr.Get(context.Background(), id)
	if err != nil || !strings.Contains(string(raw), refresh) {
		t.Fatalf("keyring entry for %q: %v", id, err)
	}
	if path, err := exec.LookPath("secret-tool"); err == nil {
		got, err := exec.Command(path, "lookup", "service", "quiver", "username", id).Output()
		if err != nil || !strings.Contains(string(got), refresh) {
			t.Errorf("secret-tool does not see the entry (%v)", err)
		}
	}
	if code, _, errOut := e.run("", "remove", "--yes", "alice"); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := kr.Get(context.Background(), id); err == nil {
		t.Fatal("remove left the keyring entry")
	}
}
