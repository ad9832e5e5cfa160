package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs one command function as dispatch would (the lead's table
// names it), returning its error and output.
func (e *cliEnv) runCmd(cmd func(context.Context, *runner, []string) error, stdin string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	r := &runner{env: Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, StdinIsTerminal: stdin != "", Paths: &e.paths}}
	defer func() {
		for _, c := range r.closers {
			c()
		}
	}()
	err = cmd(context.Background(), r, args)
	return out.String(), errb.String(), err
}

func TestExportOpenCode(t *testing.T) {
	e := newCLIEnv(t)
	refresh := e.login(alice)
	if code, _, stderr := e.run("", "import"); code != 0 {
		t.Fatal(stderr)
	}

	stdout, stderr, err := e.runCmd(cmdExport, "", "opencode", "alice")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not auth.json: %v", err)
	}
	if oa := got["openai"]; oa["type"] != "oauth" || oa["refresh"] != refresh || oa["accountId"] != "ws-a" {
		t.Errorf("export = %v", oa)
	}
	if !strings.Contains(stderr, "live credentials") || !strings.Contains(stderr, "single-use") || strings.Contains(stderr, refresh) {
		t.Errorf("stderr = %q", stderr)
	}
	log, _ := os.ReadFile(e.paths.LogFile())
	if !bytes.Contains(log, []byte("exported account to OpenCode")) || bytes.Contains(log, []byte(refresh)) {
		t.Errorf("audit line missing or holding the token: %s", log)
	}

	// -o after the account, and the hand-over.
	path := filepath.Join(t.TempDir(), "auth.json")
	stdout, _, err = e.runCmd(cmdExport, "", "opencode", "alice", "-o", path, "--hand-over")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, refresh) || !strings.Contains(stdout, path) {
		t.Errorf("stdout = %q", stdout)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v %v", fi, err)
	}
	if _, out, _ := e.run("", "list", "--json"); !strings.Contains(out, `"state": "exported"`) {
		t.Errorf("not handed over: %s", out)
	}
}

func TestExportUsage(t *testing.T) {
	e := newCLIEnv(t)
	for _, args := range [][]string{nil, {"codex", "alice"}, {"opencode"}, {"opencode", "a", "b"}, {"opencode", "--bogus", "a"}} {
		_, _, err := e.runCmd(cmdExport, "", args...)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("export %q: err = %v, want a usage error", args, err)
		}
	}
	if _, _, err := e.runCmd(cmdExport, "", "opencode", "nobody"); err == nil || !strings.Contains(err.Error(), "no such account") {
		t.Errorf("unknown account: %v", err)
	}
}
