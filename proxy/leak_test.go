package proxy_test

import (
	"context"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/quiver-app/quiver/proxy"
)

// drive sends n requests through e with 16 workers: passthrough streams,
// /v1 chat streams, collected /v1 responses, in-stream failovers, and every
// third request canceled at a different moment (before the pick, in the
// holdback, mid-stream).
func drive(tb testing.TB, e *env, n int) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				driveOne(e, i)
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

func driveOne(e *env, i int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if i%3 == 2 {
		var c context.CancelFunc
		ctx, c = context.WithTimeout(ctx, time.Duration(i%7)*time.Millisecond)
		defer c()
	}
	if i%10 == 0 {
		e.backend.FailNextInStream(e.leases[i%len(e.leases)].ChatGPTAccountID, "server_is_overloaded")
	}
	if i%13 == 0 { // upstream drops the connection mid-stream
		e.backend.BreakNextStream(e.leases[(i+1)%len(e.leases)].ChatGPTAccountID, 1)
	}
	path, body := "/backend-api/codex/responses", codexBody
	switch i % 4 {
	case 1:
		path, body = "/v1/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	case 3:
		path, body = "/v1/responses", `{"model":"m","input":"hi"}`
	}
	resp, err := e.client.Do(e.request(ctx, "POST", path, body))
	if err != nil {
		return // canceled before the answer
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// settle closes every idle connection and waits for the goroutine count to
// come back to base (with a little slack for runtime helpers).
func settle(tb testing.TB, e *env, base int) int {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		e.client.CloseIdleConnections()
		e.srv.CloseIdleConnections()
		n := runtime.NumGoroutine()
		if n <= base+3 || time.Now().After(deadline) {
			return n - base
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Not parallel: it counts the process's goroutines.
func TestGoroutinesReturnToBaseline(t *testing.T) {
	e := newEnv(t, 3, func(c *proxy.Config) { c.Holdback.Wait = 5 * time.Millisecond })
	e.backend.SetDelay(500 * time.Microsecond)
	e.codex() // warm up connections and lazily started goroutines
	e.client.CloseIdleConnections()
	e.srv.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	base := runtime.NumGoroutine()
	baseFDs := openFiles(t)
	drive(t, e, 2000)
	if leaked := settle(t, e, base); leaked > 3 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines more than before the load:\n%s", leaked, buf[:runtime.Stack(buf, true)])
	}
	if fds := openFiles(t); baseFDs >= 0 && fds > baseFDs+3 {
		t.Fatalf("%d open files after the load, %d before", fds, baseFDs)
	}
	e.checkLeasesReturned()
	if e.backend.Canceled() == 0 {
		t.Error("the load canceled no upstream stream: the test does not exercise cancellation")
	}
}

// openFiles counts the process's open file descriptors (-1 where /proc is
// not there).
func openFiles(tb testing.TB) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}
