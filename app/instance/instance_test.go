package instance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSecondInstanceHandsOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := Claim(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 1)
	done := make(chan struct{})
	go func() { p.Serve(ctx, func(cmd string) { got <- cmd }); close(done) }()

	if _, err := Claim(dir); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Claim: %v, want ErrRunning", err)
	}
	if err := Send(dir, CmdShow); err != nil {
		t.Fatal(err)
	}
	select {
	case cmd := <-got:
		if cmd != CmdShow {
			t.Fatalf("primary got %q", cmd)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("primary never got the command")
	}
	if err := Send(dir, "bogus"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("unknown command: %v", err)
	}
	cancel()
	<-done
	// The primary is gone: the next process becomes primary.
	p2, err := Claim(dir)
	if err != nil {
		t.Fatalf("Claim after the primary stopped: %v", err)
	}
	p2.close()
	if err := Send(dir, CmdShow); err == nil {
		t.Fatal("Send with no primary succeeded")
	}
}

func TestLongConfigDirUsesShortSocket(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("d", 150)
	if p := socketPath(long); len(p) >= 100 {
		t.Fatalf("socket path %q is too long for a Unix socket", p)
	}
}
