package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// TestFirstCommandShowsCodexLogin: a newcomer with a Codex login and no
// Quiver running types `quiver list` or `quiver status` first; both show
// that login and point to `quiver add` for more.
func TestFirstCommandShowsCodexLogin(t *testing.T) {
	for _, first := range []string{"list", "status"} {
		t.Run(first, func(t *testing.T) {
			w := newWorld(t)
			refresh, err := codextest.WriteAuthJSON(w.codex, binAlice, time.Now().Add(240*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			o := w.run(first)
			if o.code != 0 || !strings.Contains(o.stdout, "alice@example.com") || !strings.Contains(o.stdout, "`quiver add`") ||
				strings.Contains(o.stdout, "No accounts yet") || o.stderr != "" {
				t.Fatalf("quiver %s with a Codex login: %s", first, o)
			}
			if first == "status" && !strings.Contains(o.stdout, "No problems.") {
				t.Errorf("quiver status: %s", o)
			}
			if strings.Contains(o.stdout, refresh) {
				t.Fatal("the output carries the refresh token")
			}
			// Imported for good: the next command lists it, active, with
			// no announcement.
			o = w.run("list", "--json")
			var got struct {
				Accounts []struct {
					Email  string
					Active bool
				}
			}
			if o.code != 0 || json.Unmarshal([]byte(o.stdout), &got) != nil || len(got.Accounts) != 1 || !got.Accounts[0].Active {
				t.Fatalf("quiver list --json afterwards: %s", o)
			}
		})
	}
}
