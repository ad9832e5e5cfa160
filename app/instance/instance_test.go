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
	info := Info{Mode: ModeHeadless, PID: 42, Proxy: "127.0.0.1:8799"}
	go func() {
		p.Serve(ctx, Handlers{Show: func() { got <- CmdShow }, Info: func() Info { return info }})
		close(done)
	}()

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
	if got, err := Ask(dir); err != nil || got != info {
		t.Fatalf("Ask = %+v, %v; want %+v", got, err, info)
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

func TestPrimaryWithoutWindowRefusesShow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := Claim(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Serve(ctx, Handlers{}); close(done) }()
	if err := Send(dir, CmdShow); err == nil {
		t.Fatal("a primary with no window accepted show")
	}
	if _, err := Ask(dir); err == nil {
		t.Fatal("a primary that cannot say what it is answered info")
	}
	cancel()
	<-done
}
