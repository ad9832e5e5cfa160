package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/quiver-app/quiver/app/sealed"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// testLogN keeps scrypt cheap in tests; TestNewFileDefaultCost checks the
// real cost once.
const testLogN = 10

const testPassphrase = "correct horse battery staple"

func newTestFile(t *testing.T, path, passphrase string) *fileStore {
	t.Helper()
	s, err := newFileStore(path, passphrase, testLogN)
	if err != nil {
		t.Fatalf("newFileStore: %v", err)
	}
	return s
}

func mustSet(t *testing.T, s Store, key, value string) {
	t.Helper()
	if err := s.Set(context.Background(), key, []byte(value)); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func wantValue(t *testing.T, s Store, key, want string) {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("Get(%q) = %q, want %q", key, got, want)
	}
}

func TestFileRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cfg", FileName)
	s := newTestFile(t, path, testPassphrase)

	if _, err := s.Get(ctx, "acct-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before any Set: err = %v, want ErrNotFound", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file exists before the first Set: %v", err)
	}
	binary := string([]byte{0, 1, 0xff, '"', '\\', '\n'})
	mustSet(t, s, "acct-1", `{"access":"a1","refresh":"r1"}`)
	mustSet(t, s, "acct-2", binary)
	mustSet(t, s, "acct-1", `{"access":"a1b","refresh":"r1b"}`)
	wantValue(t, s, "acct-1", `{"access":"a1b","refresh":"r1b"}`)
	wantValue(t, s, "acct-2", binary)

	// A second store, as a new process would open it, sees the same.
	other := newTestFile(t, path, testPassphrase)
	wantValue(t, other, "acct-1", `{"access":"a1b","refresh":"r1b"}`)
	wantValue(t, other, "acct-2", binary)

	if err := s.Delete(ctx, "acct-1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := other.Get(ctx, "acct-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	wantValue(t, other, "acct-2", binary)

	// The value a caller passed, or got, is its own to change.
	v := []byte("original")
	mustSet(t, s, "acct-3", string(v))
	copy(v, "CHANGED!")
	got, _ := s.Get(ctx, "acct-3")
	got[0] = 'X'
	wantValue(t, s, "acct-3", "original")

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"a1b", "r1b", "original", "acct-2", testPassphrase} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("the file holds %q in the clear", plain)
		}
	}
}

func TestFileDeleteMissingKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s := newTestFile(t, path, testPassphrase)
	if err := s.Delete(ctx, "nobody"); err != nil {
		t.Fatalf("Delete on a missing file: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Delete of a missing key created the file: %v", err)
	}
	mustSet(t, s, "acct", "v")
	before, _ := os.ReadFile(path)
	if err := s.Delete(ctx, "nobody"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("Delete of a missing key rewrote the file")
	}
}

func TestFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "quiver")
	path := filepath.Join(dir, FileName)
	s := newTestFile(t, path, testPassphrase)
	mustSet(t, s, "acct", "v")
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{path, 0o600},
		{path + ".lock", 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != tt.want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(tt.path), got, tt.want)
		}
	}
	// A file whose mode was widened is narrowed again by the next write.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "acct", "v2")
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("after a rewrite: mode %o, want 600", fi.Mode().Perm())
	}
}

func TestFileWrongPassphrase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	good := newTestFile(t, path, testPassphrase)
	const value = "s3cret-token-value"
	mustSet(t, good, "acct", value)
	before, _ := os.ReadFile(path)

	_, err := newFileStore(path, "hunter2-not-it", testLogN)
	if !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("newFileStore with a wrong passphrase: err = %v, want ErrBadPassphrase", err)
	}
	if errors.Is(err, ErrCorrupt) {
		t.Errorf("a wrong passphrase is also reported as a damaged file: %v", err)
	}
	for _, secret := range []string{value, "hunter2-not-it", testPassphrase} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows %q: %v", secret, err)
		}
	}

	// A store whose passphrase stopped matching (the file was re-created by
	// another process with another passphrase) refuses to write.
	bad := newTestFile(t, filepath.Join(t.TempDir(), FileName), "hunter2-not-it")
	bad.path, bad.lockPath = path, path+".lock"
	if err := bad.Set(ctx, "acct", []byte("other")); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Set with a wrong passphrase: err = %v, want ErrBadPassphrase", err)
	}
	if err := bad.Delete(ctx, "acct"); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Delete with a wrong passphrase: err = %v, want ErrBadPassphrase", err)
	}
	if _, err := bad.Get(ctx, "acct"); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Get with a wrong passphrase: err = %v, want ErrBadPassphrase", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the file changed after writes with a wrong passphrase")
	}
	wantValue(t, good, "acct", value)
}

func TestFileDamaged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	template := filepath.Join(t.TempDir(), FileName)
	s := newTestFile(t, template, testPassphrase)
	mustSet(t, s, "acct", "value")
	good, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", []byte{}, ErrCorrupt},
		{"not ours", []byte(`{"secrets":{}}`), ErrCorrupt},
		{"truncated header", good[:20], ErrCorrupt},
		{"truncated ciphertext", good[:len(good)-5], ErrCorrupt},
		{"flipped ciphertext byte", flip(len(good) - 20), ErrCorrupt},
		{"flipped nonce byte", flip(sealed.HeaderLen - 1), ErrCorrupt},
		{"flipped salt byte", flip(14), ErrBadPassphrase}, // another salt derives another key
		{"flipped verifier byte", flip(30), ErrBadPassphrase},
		{"implausible cost", func() []byte { b := bytes.Clone(good); b[9] = 40; return b }(), ErrCorrupt},
		{"newer version", func() []byte { b := bytes.Clone(good); b[8] = 2; return b }(), errTooNew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := newFileStore(path, testPassphrase, testLogN)
			if !errors.Is(err, tt.want) {
				t.Fatalf("newFileStore: err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error does not name the file: %v", err)
			}
			// A store opened before the damage must not paper over it.
			st := newTestFile(t, filepath.Join(t.TempDir(), FileName), testPassphrase)
			st.path, st.lockPath = path, path+".lock"
			if err := st.Set(ctx, "acct", []byte("new")); !errors.Is(err, tt.want) {
				t.Fatalf("Set: err = %v, want %v", err, tt.want)
			}
			if _, err := st.Get(ctx, "acct"); !errors.Is(err, tt.want) {
				t.Fatalf("Get: err = %v, want %v", err, tt.want)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, tt.data) {
				t.Fatal("the damaged file was overwritten")
			}
		})
	}
}

func TestNewFileNeedsPassphrase(t *testing.T) {
	t.Parallel()
	_, err := NewFile(filepath.Join(t.TempDir(), FileName), "")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "QUIVER_PASSPHRASE") {
		t.Fatalf("NewFile without a passphrase: err = %v, want ErrUnavailable naming QUIVER_PASSPHRASE", err)
	}
}

func TestFileEmptyKey(t *testing.T) {
	t.Parallel()
	s := newTestFile(t, filepath.Join(t.TempDir(), FileName), testPassphrase)
	ctx := context.Background()
	if err := s.Set(ctx, "", []byte("v")); err == nil {
		t.Error("Set with an empty key succeeded")
	}
	if _, err := s.Get(ctx, ""); err == nil {
		t.Error("Get with an empty key succeeded")
	}
	if err := s.Delete(ctx, ""); err == nil {
		t.Error("Delete with an empty key succeeded")
	}
}

func TestFileCancelledContext(t *testing.T) {
	t.Parallel()
	s := newTestFile(t, filepath.Join(t.TempDir(), FileName), testPassphrase)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, "acct"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: err = %v, want context.Canceled", err)
	}
	// Set waits for the lock only while it is held; hold it.
	mustSet(t, s, "acct", "v")
	other := newTestFile(t, s.path, testPassphrase)
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- other.update(context.Background(), func(map[string][]byte) bool {
			close(held)
			<-release
			return false
		})
	}()
	<-held
	err := s.Set(ctx, "acct", []byte("v2"))
	close(release)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Set while the lock is held, ctx cancelled: err = %v, want context.Canceled", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantValue(t, s, "acct", "v")
}

// TestFileKeyDerivedOnce checks that scrypt runs once per store and salt,
// not once per call.
func TestFileKeyDerivedOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	s := newTestFile(t, path, testPassphrase)
	for i := range 5 {
		mustSet(t, s, "acct-"+strconv.Itoa(i), "v")
		wantValue(t, s, "acct-"+strconv.Itoa(i), "v")
	}
	first := s.key
	if first == nil {
		t.Fatal("no cached key after writes")
	}
	mustSet(t, s, "again", "v")
	if s.key != first {
		t.Error("the key was derived again for the same salt")
	}
	// Another store re-creating the file picks a new salt; this store then
	// derives once for it and keeps reading.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	other := newTestFile(t, path, testPassphrase)
	mustSet(t, other, "fresh", "v")
	wantValue(t, s, "fresh", "v")
	if s.key == first {
		t.Error("the cached key was used for another salt")
	}
}

func TestNewFileDefaultCost(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := NewFile(path, testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "acct", "v")
	raw, _ := os.ReadFile(path)
	f, err := parseFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Params(); p != (sealed.Params{LogN: 15, R: 8, P: 1}) {
		t.Errorf("scrypt parameters: %+v, want 2^15, r=8, p=1", p)
	}
	if got := s.Describe(); got != "encrypted file "+path {
		t.Errorf("Describe() = %q", got)
	}
}

// TestFileConcurrentStores runs two stores on one file in one process:
// every key written must survive.
func TestFileConcurrentStores(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	stores := []*fileStore{newTestFile(t, path, testPassphrase), newTestFile(t, path, testPassphrase)}
	const perStore = 15
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*perStore)
	for i, s := range stores {
		wg.Go(func() {
			for j := range perStore {
				if err := s.Set(context.Background(), fmt.Sprintf("s%d-%d", i, j), []byte("v")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check := newTestFile(t, path, testPassphrase)
	for i := range stores {
		for j := range perStore {
			wantValue(t, check, fmt.Sprintf("s%d-%d", i, j), "v")
		}
	}
}

// TestFileConcurrentProcesses runs writers in separate processes of this
// test binary, plus this process, on one file: no key may be lost.
func TestFileConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	const writers, perWriter = 2, 12
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for w := range writers {
		cmd := childCommand(t, t.Context(), "file-writer",
			"QUIVER_SECRET_TEST_PATH="+path,
			"QUIVER_SECRET_TEST_PREFIX="+fmt.Sprintf("p%d-", w),
			"QUIVER_SECRET_TEST_COUNT="+strconv.Itoa(perWriter))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	local := newTestFile(t, path, testPassphrase)
	for j := range perWriter {
		mustSet(t, local, fmt.Sprintf("parent-%d", j), "v")
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	check := newTestFile(t, path, testPassphrase)
	for j := range perWriter {
		wantValue(t, check, fmt.Sprintf("parent-%d", j), "v")
		for w := range writers {
			wantValue(t, check, fmt.Sprintf("p%d-%d", w, j), fmt.Sprintf("p%d-%d", w, j))
		}
		if _, err := check.Get(context.Background(), fmt.Sprintf("p0-tmp-%d", j)); !errors.Is(err, ErrNotFound) {
			t.Errorf("a deleted key survived: %v", err)
		}
	}
}

// childFileWriter sets QUIVER_SECRET_TEST_COUNT keys, each followed by a
// short-lived key it deletes again.
func childFileWriter(ctx context.Context) error {
	path, prefix := os.Getenv("QUIVER_SECRET_TEST_PATH"), os.Getenv("QUIVER_SECRET_TEST_PREFIX")
	n, err := strconv.Atoi(os.Getenv("QUIVER_SECRET_TEST_COUNT"))
	if err != nil {
		return err
	}
	s, err := newFileStore(path, testPassphrase, testLogN)
	if err != nil {
		return err
	}
	for j := range n {
		key := fmt.Sprintf("%s%d", prefix, j)
		if err := s.Set(ctx, key, []byte(key)); err != nil {
			return err
		}
		tmp := fmt.Sprintf("%stmp-%d", prefix, j)
		if err := s.Set(ctx, tmp, []byte("tmp")); err != nil {
			return err
		}
		if err := s.Delete(ctx, tmp); err != nil {
			return err
		}
	}
	return nil
}
