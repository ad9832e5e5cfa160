package account

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// The tests below run this test binary again as a second Quiver process
// (TestHelperProcess), so the cross-process lock meets a real other process.

const helperEnv = "QUIVER_ACCOUNT_TEST_HELPER"

// TestHelperProcess is not a test: run by the tests below with helperEnv
// set, it imports accounts named <prefix>-<n> into the store in
// QUIVER_TEST_DIR, until it has done QUIVER_TEST_COUNT of them.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper process for the multi-process tests")
	}
	ctx := context.Background()
	dir := os.Getenv("QUIVER_TEST_DIR")
	prefix := os.Getenv("QUIVER_TEST_PREFIX")
	count, _ := strconv.Atoi(os.Getenv("QUIVER_TEST_COUNT"))
	s, err := Open(ctx, Options{Dir: filepath.Join(dir, "config"), CodexHome: filepath.Join(dir, "codex"), Secrets: dirSecrets{filepath.Join(dir, "secrets")}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for i := 0; i < count; i++ {
		id := codextest.Identity{Email: fmt.Sprintf("%s-%d@example.com", prefix, i), AccountID: fmt.Sprintf("ws-%s-%d", prefix, i), UserID: "u-" + prefix}
		if _, err := s.ImportLogin(ctx, login(t, id, time.Now().Add(time.Hour))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		// Touch an account another process made, to interleave read-modify-writes.
		snap := s.Snapshot()
		if len(snap.Accounts) > 0 {
			first := snap.Accounts[0].ID
			s.Update(ctx, first, func(a *Account) error { a.Notes = prefix + strconv.Itoa(i); return nil })
		}
		fmt.Println("committed", i) // the parent counts these lines
	}
	os.Exit(0)
}

func helperCmd(t *testing.T, dir, prefix string, count int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "QUIVER_TEST_DIR="+dir,
		"QUIVER_TEST_PREFIX="+prefix, "QUIVER_TEST_COUNT="+strconv.Itoa(count))
	cmd.Stderr = os.Stderr
	return cmd
}

func sharedDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTwoProcessesLoseNoUpdate(t *testing.T) {
	t.Parallel()
	dir := sharedDir(t)
	const n = 25
	a := helperCmd(t, dir, "p1", n)
	b := helperCmd(t, dir, "p2", n)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	if err := a.Wait(); err != nil {
		t.Fatalf("process 1: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("process 2: %v", err)
	}
	s, err := Open(context.Background(), Options{Dir: filepath.Join(dir, "config"), CodexHome: filepath.Join(dir, "codex"), Secrets: dirSecrets{filepath.Join(dir, "secrets")}})
	if err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if len(snap.Accounts) != 2*n {
		t.Fatalf("%d accounts after two processes imported %d each: updates were lost", len(snap.Accounts), n)
	}
	for _, acc := range snap.Accounts {
		if _, err := s.Tokens(context.Background(), acc.ID); err != nil {
			t.Errorf("account %s has no tokens: %v", acc.Alias, err)
		}
	}
}

func TestKillDuringWritesLosesNothing(t *testing.T) {
	t.Parallel()
	dir := sharedDir(t)
	cmd := helperCmd(t, dir, "k", 10000)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Let it commit a few imports, then kill -9 in the middle of the burst.
	buf := make([]byte, 4096)
	committed := 0
	for committed < 20 {
		n, err := out.Read(buf)
		if err != nil {
			t.Fatalf("reading helper output: %v", err)
		}
		for _, c := range buf[:n] {
			if c == '\n' {
				committed++
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	// Every file still parses, and every import the child reported is there.
	res, err := readAccountsFile(filepath.Join(dir, "config", fileName), time.Now())
	if err != nil || res.corruptPath != "" {
		t.Fatalf("accounts.json after kill -9: %v (moved aside: %q)", err, res.corruptPath)
	}
	if len(res.accounts) < committed {
		t.Fatalf("%d accounts on disk, but the killed process had committed %d", len(res.accounts), committed)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "secrets"))
	for _, e := range entries {
		if data, err := os.ReadFile(filepath.Join(dir, "secrets", e.Name())); err != nil || len(data) == 0 {
			t.Errorf("secret %s unreadable after kill: %v", e.Name(), err)
		}
	}
	// And the store opens and works again: the lock died with the process.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, Options{Dir: filepath.Join(dir, "config"), CodexHome: filepath.Join(dir, "codex"), Secrets: dirSecrets{filepath.Join(dir, "secrets")}})
	if err != nil {
		t.Fatalf("reopening after kill: %v", err)
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatalf("changing after kill: %v", err)
	}
}
