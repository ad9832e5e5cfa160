package watcher

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// slowDebounce makes the tests that race writes against the debounce
// immune to a loaded machine pausing the test for a while.
const slowDebounce = time.Second

func acceptJSON(data []byte) error {
	var v any
	return json.Unmarshal(data, &v)
}

func newAuthFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.json")
	if content != "" {
		writeInPlace(t, path, content)
	}
	return path
}

func TestReplacedByRename(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	h := start(t, Options{Path: path})
	replace(t, path, `{"v":1}`)
	h.expectData(`{"v":1}`)
	h.expectNothingPending()
}

func TestChunkedWriteIsOneEvent(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	h := start(t, Options{Path: path, Debounce: slowDebounce})
	full := `{"tokens":{"id_token":"aaaa","access_token":"bbbb"}}`
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(full[:len(full)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := f.WriteString(full[len(full)/2:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h.expectData(full)
	h.expectNothingPending()
}

func TestQuickReplacementsAreOneEvent(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	h := start(t, Options{Path: path, Debounce: slowDebounce})
	for _, v := range []string{`{"v":1}`, `{"v":2}`, `{"v":3}`} {
		replace(t, path, v)
		time.Sleep(3 * time.Millisecond)
	}
	h.expectData(`{"v":3}`)
	h.expectNothingPending()
}

func TestRemoved(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	h := start(t, Options{Path: path})
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.expectRemoved()
	replace(t, path, `{"v":1}`)
	h.expectData(`{"v":1}`)
}

func TestSameContentIsNotRepeated(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	// The debounce covers the gap between an in-place write's truncation
	// and its data, which would otherwise be read as empty content.
	h := start(t, Options{Path: path, Debounce: 250 * time.Millisecond})
	replace(t, path, `{"v":"A"}`)
	h.expectData(`{"v":"A"}`)

	// The same bytes again, in place and by rename: read, but not sent.
	// (An Event sent anyway would arrive before B's.)
	h.forgetSkips()
	writeInPlace(t, path, `{"v":"A"}`)
	h.waitSkip()
	replace(t, path, `{"v":"A"}`)
	h.waitSkip()

	// Changing back to earlier content is a change.
	replace(t, path, `{"v":"B"}`)
	h.expectData(`{"v":"B"}`)
	replace(t, path, `{"v":"A"}`)
	h.expectData(`{"v":"A"}`)

	// Removal is reported once, and content after it again.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	h.expectRemoved()
	replace(t, path, `{"v":"A"}`)
	h.expectData(`{"v":"A"}`)
}

func TestMissingDirectoryAppears(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		missing string // directories between the temp dir and auth.json
		// waitEachLevel waits for the watch to reach the directory before
		// writing; otherwise the directory and file appear at once.
		waitEachLevel bool
	}{
		{name: "directory", missing: "codex", waitEachLevel: true},
		{name: "directory and file at once", missing: "codex"},
		{name: "nested", missing: "home/.codex", waitEachLevel: true},
		{name: "nested at once", missing: "home/.codex"},
		{name: "deeply nested at once", missing: "a/b/c/d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := filepath.Join(root, tt.missing)
			path := filepath.Join(dir, "auth.json")
			h := start(t, Options{Path: path})
			mkdirAll(t, dir)
			if tt.waitEachLevel {
				h.waitArmed(dir)
			}
			replace(t, path, `{"v":1}`)
			h.expectData(`{"v":1}`)
			h.expectNothingPending()
		})
	}
}

func TestDirectoryMovedIntoPlace(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	staging := filepath.Join(root, "staging")
	mkdirAll(t, staging)
	writeInPlace(t, filepath.Join(staging, "auth.json"), `{"v":1}`)
	dir := filepath.Join(root, ".codex")
	path := filepath.Join(dir, "auth.json")
	h := start(t, Options{Path: path})
	if err := os.Rename(staging, dir); err != nil {
		t.Fatal(err)
	}
	h.expectData(`{"v":1}`)
	h.expectNothingPending()
}

func TestDirectoryGoneAndBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		remove func(dir string) error
	}{
		{name: "removed", remove: os.RemoveAll},
		{name: "renamed away", remove: func(dir string) error { return os.Rename(dir, dir+".old") }},
		{name: "parent removed", remove: func(dir string) error { return os.RemoveAll(filepath.Dir(dir)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "home", ".codex")
			path := filepath.Join(dir, "auth.json")
			mkdirAll(t, dir)
			writeInPlace(t, path, `{"v":0}`)
			h := start(t, Options{Path: path})
			if err := tt.remove(dir); err != nil {
				t.Fatal(err)
			}
			h.expectRemoved()
			// A write into the renamed-away directory is no longer ours.
			if _, err := os.Stat(dir + ".old"); err == nil {
				writeInPlace(t, filepath.Join(dir+".old", "auth.json"), `{"stale":true}`)
			}
			mkdirAll(t, dir)
			replace(t, path, `{"v":1}`)
			h.expectData(`{"v":1}`)
			// The new directory is watched.
			h.waitArmed(dir)
			replace(t, path, `{"v":2}`)
			h.expectData(`{"v":2}`)
			h.expectNothingPending()
		})
	}
}

func TestInvalidContentBecomesValid(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	// Plenty of retries: only the final content may be sent.
	h := start(t, Options{Path: path, Accept: acceptJSON, Retries: 50, Debounce: 50 * time.Millisecond})
	full := `{"tokens":{"account_id":"acc-1"}}`
	h.forgetSkips()
	writeInPlace(t, path, full[:10])
	h.waitSkip() // rejected, to be read again
	writeInPlace(t, path, full)
	h.expectData(full)
	h.expectNothingPending()
}

// TestRejectedContentIsReadAgain repairs the file through a hard link in
// another directory, which raises no event in the watched one: only the
// retry after the debounce can see the repair.
func TestRejectedContentIsReadAgain(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	elsewhere := filepath.Join(t.TempDir(), "link")
	if err := os.Link(path, elsewhere); err != nil {
		t.Skipf("hard links unsupported here: %v", err)
	}
	rejected := make(chan struct{}, 1)
	accept := func(data []byte) error {
		err := acceptJSON(data)
		if err != nil {
			offer(rejected, struct{}{})
		}
		return err
	}
	h := start(t, Options{Path: path, Accept: accept, Retries: 1000, Debounce: 10 * time.Millisecond})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"v":`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rejected:
	case <-time.After(deadline):
		t.Fatal("Accept never saw the half-written file")
	}
	f, err = os.OpenFile(elsewhere, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`1}`); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h.expectData(`{"v":1}`)
}

func TestInvalidContentStaysInvalid(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	var calls atomic.Int32
	accept := func(data []byte) error {
		calls.Add(1)
		return acceptJSON(data)
	}
	const retries = 2
	h := start(t, Options{Path: path, Accept: accept, Retries: retries, Debounce: 10 * time.Millisecond})
	replace(t, path, "not json")
	ev := h.next()
	if string(ev.Data) != "not json" || ev.Removed {
		t.Fatalf("got %s, want the rejected content", describe(ev))
	}
	if !errors.Is(ev.Err, ErrRejected) {
		t.Errorf("Err = %v, want ErrRejected", ev.Err)
	}
	var syntax *json.SyntaxError
	if !errors.As(ev.Err, &syntax) {
		t.Errorf("Err = %v, want it to wrap Accept's error", ev.Err)
	}
	if got := calls.Load(); got != retries+1 {
		t.Errorf("Accept called %d times, want %d", got, retries+1)
	}
	// The same rejected bytes again (by rename: an in-place write could be
	// read half done) are not sent again (an Event sent
	// anyway would arrive before the marker's).
	h.forgetSkips()
	replace(t, path, "not json")
	h.waitSkip()
	h.expectNothingPending()
}

func TestUnreadableFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		wantErr error
	}{
		{
			name:    "directory",
			make:    func(t *testing.T, path string) { mkdirAll(t, path) },
			wantErr: ErrNotRegular,
		},
		{
			name: "too large",
			make: func(t *testing.T, path string) {
				replace(t, path, strings.Repeat("x", MaxFileSize+1))
			},
			wantErr: ErrTooLarge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := newAuthFile(t, "")
			var calls atomic.Int32
			accept := func([]byte) error { calls.Add(1); return nil }
			h := start(t, Options{Path: path, Accept: accept, Retries: 1, Debounce: 10 * time.Millisecond})
			tt.make(t, path)
			ev := h.next()
			if !errors.Is(ev.Err, tt.wantErr) || ev.Data != nil || ev.Removed {
				t.Fatalf("got %s, want Err %v", describe(ev), tt.wantErr)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("Accept called %d times on an unreadable file", n)
			}
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			h.expectRemoved()
			h.expectNothingPending()
		})
	}
}

func TestUnrelatedFilesAreIgnored(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	dir := filepath.Dir(path)
	h := start(t, Options{Path: path})
	for _, name := range []string{"auth.json.tmp123", ".auth.json.swp", "xauth.json", "config.toml"} {
		writeInPlace(t, filepath.Join(dir, name), "other")
		replace(t, filepath.Join(dir, name), "other again")
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	mkdirAll(t, filepath.Join(dir, "auth.json.d", "sub"))
	writeInPlace(t, filepath.Join(dir, "auth.json.d", "sub", "auth.json"), "nested")
	h.expectNothingPending()
}

// TestUnrelatedChurnDelaysNothing keeps another file in the directory
// changing without pause: if its events restarted the debounce, the
// change to auth.json would never be sent.
func TestUnrelatedChurnDelaysNothing(t *testing.T) {
	t.Parallel()
	path := newAuthFile(t, `{"v":0}`)
	other := filepath.Join(filepath.Dir(path), "history.jsonl")
	h := start(t, Options{Path: path})
	stop := make(chan struct{})
	churned := make(chan struct{})
	go func() {
		defer close(churned)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := os.WriteFile(other, []byte(time.Now().String()), 0o600); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	defer func() { close(stop); <-churned }()
	replace(t, path, `{"v":1}`)
	h.expectData(`{"v":1}`)
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		in           Options
		wantDebounce time.Duration
		wantRetries  int
	}{
		{name: "zero", in: Options{Path: "/x/auth.json"}, wantDebounce: DefaultDebounce, wantRetries: DefaultRetries},
		{name: "negative", in: Options{Path: "/x/auth.json", Debounce: -1, Retries: -1}, wantDebounce: DefaultDebounce, wantRetries: 0},
		{name: "set", in: Options{Path: "/x/auth.json", Debounce: time.Second, Retries: 7}, wantDebounce: time.Second, wantRetries: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.in.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			if got.Debounce != tt.wantDebounce || got.Retries != tt.wantRetries || got.Logger == nil {
				t.Errorf("got Debounce %v Retries %d Logger %v, want %v %d non-nil",
					got.Debounce, got.Retries, got.Logger, tt.wantDebounce, tt.wantRetries)
			}
		})
	}
}

func TestRelativePathIsMadeAbsolute(t *testing.T) {
	t.Parallel()
	got, err := Options{Path: "auth.json"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(got.Path) || filepath.Base(got.Path) != "auth.json" {
		t.Errorf("Path = %q, want an absolute path to auth.json", got.Path)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	t.Parallel()
	good := filepath.Join(t.TempDir(), "auth.json")
	tests := []struct {
		name string
		o    Options
		out  chan<- Event
	}{
		{name: "empty path", o: Options{}, out: make(chan Event)},
		{name: "root path", o: Options{Path: "/"}, out: make(chan Event)},
		{name: "nil channel", o: Options{Path: good}, out: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			if err := Run(ctx, tt.o, tt.out); err == nil {
				t.Fatal("Run returned nil, want an error")
			}
			if ctx.Err() != nil {
				t.Fatal("Run waited for the context instead of failing")
			}
		})
	}
}

// TestCancelReturnsAndLeaksNothing is not parallel: it counts the
// goroutines of fsnotify and of this package, which parallel tests would
// add to.
func TestCancelReturnsAndLeaksNothing(t *testing.T) {
	tests := []struct {
		name string
		// blockedSend leaves an Event unread so that Run is stuck sending
		// when the context ends.
		blockedSend bool
	}{
		{name: "idle"},
		{name: "blocked sending", blockedSend: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := newAuthFile(t, `{"v":0}`)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			armed := make(chan string, 8)
			reads := make(chan Event, 8)
			done := make(chan error, 1)
			out := make(chan Event) // unbuffered, never read
			go func() {
				done <- run(ctx, Options{Path: path}, out, hooks{
					armed: func(dir string) { offer(armed, dir) },
					read:  func(ev Event, _ bool) { offer(reads, ev) },
				})
			}()
			waitFor(t, armed, "the watch")
			if tt.blockedSend {
				replace(t, path, `{"v":1}`)
				waitFor(t, reads, "the read")
			}
			if n := watcherGoroutines(); n == 0 {
				t.Fatal("found no watcher goroutines while running: the leak check is blind")
			}
			cancel()
			if err := waitFor(t, done, "Run to return"); err != nil {
				t.Fatalf("Run returned %v after cancel, want nil", err)
			}
			until := time.Now().Add(deadline)
			for watcherGoroutines() > 0 {
				if time.Now().After(until) {
					t.Fatalf("goroutines left after Run returned:\n%s", stacks())
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

func waitFor[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(deadline):
		t.Fatalf("waited %v for %s", deadline, what)
		var zero T
		return zero
	}
}

// watcherGoroutines counts goroutines running fsnotify or this package's
// loop.
func watcherGoroutines() int {
	n := 0
	for g := range strings.SplitSeq(stacks(), "\n\n") {
		if strings.Contains(g, "github.com/fsnotify/fsnotify.") ||
			strings.Contains(g, "/watcher.(*loop)") ||
			strings.Contains(g, "/watcher.run(") {
			n++
		}
	}
	return n
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
