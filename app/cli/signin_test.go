package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

func TestRefreshCommand(t *testing.T) {
	e := newCLIEnv(t)
	srv := codextest.NewAuthServer(t)
	t.Setenv(codex.AuthIssuerEnv, srv.URL)
	for _, id := range []codextest.Identity{alice, bob} {
		if err := codex.WriteLogin(e.paths.AuthFile(), srv.Issue(id, time.Hour), time.Now()); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := e.run("", "import"); code != 0 {
			t.Fatal(errOut)
		}
	}
	code, out, errOut := e.run("", "refresh", "--all")
	if code != 0 || strings.Count(out, "ok, valid until") != 2 || !strings.Contains(out, "[2/2]") {
		t.Fatalf("refresh --all: %d\n%s\n%s", code, out, errOut)
	}
	// bob's login is revoked: his refresh fails, is reported, exit 1.
	af, err := codex.ReadAuthFile(e.paths.AuthFile())
	if err != nil {
		t.Fatal(err)
	}
	l, _ := af.Login()
	srv.RevokeFamily(l.Tokens.AccessToken)
	code, out, errOut = e.run("", "refresh", "--all")
	if code != ExitError || !strings.Contains(out, "bob … failed") || !strings.Contains(errOut, "1 of 2 accounts") {
		t.Fatalf("refresh with a revoked login: %d\n%s\n%s", code, out, errOut)
	}
	if _, out, _ = e.run("", "list"); !strings.Contains(out, "needs-login") {
		t.Fatalf("revoked account not marked needs-login:\n%s", out)
	}
	if code, _, errOut = e.run("", "refresh"); code != ExitUsage {
		t.Fatalf("refresh with no account: %d %s", code, errOut)
	}
}
