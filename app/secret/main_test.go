package secret

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv names the child role when the test binary re-executes itself:
// real second processes (file locking) and processes whose session bus
// differs from the parent's (godbus caches its session bus connection for
// the life of a process, so a changed DBUS_SESSION_BUS_ADDRESS only takes
// effect in a fresh process).
const childEnv = "QUIVER_SECRET_TEST_CHILD"

// children are the roles a child process can play. Each returns nil on
// success; its error is printed and the child exits 1.
var children = map[string]func(ctx context.Context) error{
	"file-writer":     childFileWriter,
	"unreachable-bus": childUnreachableBus,
	"locked-keyring":  childLockedKeyring,

	"locked-keyring-refresh": childLockedKeyringRefresh,
}

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		os.Exit(runChild(role))
	}
	os.Exit(m.Run())
}

func runChild(role string) int {
	fn, ok := children[role]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown child role %q\n", role)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := fn(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
		return 1
	}
	return 0
}

// childCommand returns a command that runs this test binary as role, with
// env added to the parent's environment.
func childCommand(t *testing.T, ctx context.Context, role string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runChildProcess runs role to completion and fails t if it fails.
func runChildProcess(t *testing.T, role string, env ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := childCommand(t, ctx, role, env...).CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", role, err, strings.TrimSpace(string(out)))
	}
	if len(out) > 0 {
		t.Logf("child %s:\n%s", role, strings.TrimSpace(string(out)))
	}
}
