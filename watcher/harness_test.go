package watcher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// deadline bounds every wait so that a broken watcher fails instead of
// hanging; it is never an assertion about speed.
const deadline = 5 * time.Second

// harness runs one watcher for a test and records what it does.
type harness struct {
	t      testing.TB
	path   string
	events chan Event
	armed  chan string
	skips  chan Event // reads that sent nothing
	done   chan error
	cancel context.CancelFunc
	marker atomic.Int64
}

// start runs a watcher on o.Path until the test ends and waits until its
// first directory watch is in place.
func start(t testing.TB, o Options) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{
		t:      t,
		path:   o.Path,
		events: make(chan Event, 64),
		armed:  make(chan string, 64),
		skips:  make(chan Event, 256),
		done:   make(chan error, 1),
		cancel: cancel,
	}
	hk := hooks{
		armed: func(dir string) { offer(h.armed, dir) },
		read: func(ev Event, send bool) {
			if !send {
				offer(h.skips, ev)
			}
		},
	}
	go func() { h.done <- run(ctx, o, h.events, hk) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(deadline):
			t.Errorf("Run did not return within %v of cancel", deadline)
		}
	})
	h.waitArmed(nearestExisting(t, filepath.Dir(o.Path)))
	return h
}

// offer sends v unless c is full: hooks must never block the loop.
func offer[T any](c chan T, v T) {
	select {
	case c <- v:
	default:
	}
}

func nearestExisting(t testing.TB, dir string) string {
	t.Helper()
	d, err := nearestDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitArmed waits until the watcher has placed a watch on dir.
func (h *harness) waitArmed(dir string) {
	h.t.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case got := <-h.armed:
			if got == dir {
				return
			}
		case err := <-h.done:
			h.t.Fatalf("Run returned %v while waiting for a watch on %s", err, dir)
		case <-timeout:
			h.t.Fatalf("no watch on %s within %v", dir, deadline)
		}
	}
}

// forgetSkips drops the record of earlier reads that sent nothing.
func (h *harness) forgetSkips() {
	for {
		select {
		case <-h.skips:
		default:
			return
		}
	}
}

// waitSkip waits until the watcher has read the file and sent nothing.
// Call forgetSkips before the change that should cause it.
func (h *harness) waitSkip() {
	h.t.Helper()
	select {
	case <-h.skips:
	case <-time.After(deadline):
		h.t.Fatalf("no silent read of %s within %v", h.path, deadline)
	}
}

// next returns the next Event.
func (h *harness) next() Event {
	h.t.Helper()
	select {
	case ev := <-h.events:
		if ev.Path != h.path {
			h.t.Errorf("Event.Path = %q, want %q", ev.Path, h.path)
		}
		return ev
	case err := <-h.done:
		h.t.Fatalf("Run returned %v while waiting for an event", err)
	case <-time.After(deadline):
		h.t.Fatalf("no event for %s within %v", h.path, deadline)
	}
	return Event{}
}

// expectData fails unless the next Event carries exactly want.
func (h *harness) expectData(want string) {
	h.t.Helper()
	ev := h.next()
	if ev.Err != nil || ev.Removed || string(ev.Data) != want {
		h.t.Fatalf("got %s, want content %q", describe(ev), want)
	}
}

// expectRemoved fails unless the next Event reports the file gone.
func (h *harness) expectRemoved() {
	h.t.Helper()
	ev := h.next()
	if !ev.Removed || ev.Data != nil || ev.Err != nil {
		h.t.Fatalf("got %s, want Removed", describe(ev))
	}
}

// expectNothingPending writes fresh content to the file and fails unless
// that content is the next Event: any stray Event queued before it (a
// duplicate, a half write) shows up first.
func (h *harness) expectNothingPending() {
	h.t.Helper()
	want := fmt.Sprintf(`{"marker":%d}`, h.marker.Add(1))
	replace(h.t, h.path, want)
	h.expectData(want)
}

func describe(ev Event) string {
	return fmt.Sprintf("Event{Data: %q, Removed: %v, Err: %v}", ev.Data, ev.Removed, ev.Err)
}

// replace writes data the way the Codex CLI does: a temporary file in the
// same directory renamed over path.
func replace(t testing.TB, path, data string) {
	t.Helper()
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		t.Fatal(err)
	}
}

// writeInPlace truncates path and writes data into the same inode.
func writeInPlace(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mkdirAll(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}
