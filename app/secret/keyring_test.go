package secret

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyringAPI whose calls can fail or block.
type fakeKeyring struct {
	mu      sync.Mutex
	items   map[string]string
	err     error         // returned by every call when set
	block   chan struct{} // every call waits for it to close when set
	calls   atomic.Int32
	service string // last service used
}

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{items: map[string]string{}} }

func (f *fakeKeyring) enter(service string) error {
	f.calls.Add(1)
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.service = service
	return f.err
}

func (f *fakeKeyring) Get(service, user string) (string, error) {
	if err := f.enter(service); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.items[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, pass string) error {
	if err := f.enter(service); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[service+"/"+user] = pass
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	if err := f.enter(service); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.items[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, service+"/"+user)
	return nil
}

func busOK() error { return nil }

func TestKeyringStoreRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := newFakeKeyring()
	s := newKeyringStore("", 0, fake, busOK)
	if _, err := s.Get(ctx, "acct"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: err = %v, want ErrNotFound", err)
	}
	mustSet(t, s, "acct", `{"access":"a"}`)
	wantValue(t, s, "acct", `{"access":"a"}`)
	if fake.service != DefaultService {
		t.Errorf("service = %q, want %q", fake.service, DefaultService)
	}
	if err := s.Delete(ctx, "acct"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "acct"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if _, err := s.Get(ctx, "acct"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "", []byte("v")); err == nil {
		t.Error("Set with an empty key succeeded")
	}
	if s.timeout != DefaultTimeout {
		t.Errorf("timeout = %v, want the default %v", s.timeout, DefaultTimeout)
	}
}

func TestKeyringClassifiesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want error // nil: passed through unclassified
	}{
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"no provider on the bus", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name is not activatable"}}, ErrUnavailable},
		{"no provider, pointer", dbus.NewError("org.freedesktop.DBus.Error.ServiceUnknown", nil), ErrUnavailable},
		{"no dbus-launch", &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrUnavailable},
		{"dbus-launch failed", fmt.Errorf("wrapped: %w", &exec.ExitError{}), ErrUnavailable},
		{"bus address points nowhere", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")}, ErrUnavailable},
		{"no bus address", errors.New("dbus: couldn't determine address of session bus"), ErrUnavailable},
		{"collection locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"item locked", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, ErrLocked},
		{"too big", keyring.ErrSetDataTooBig, nil},
		{"other D-Bus error", dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := newFakeKeyring()
			fake.err = tt.err
			s := newKeyringStore("svc", time.Minute, fake, busOK)
			const value = "value-that-must-not-leak"
			err := s.Set(context.Background(), "acct", []byte(value))
			if err == nil {
				t.Fatal("Set succeeded")
			}
			for _, sentinel := range []error{ErrNotFound, ErrUnavailable, ErrLocked} {
				if errors.Is(err, sentinel) != (sentinel == tt.want) {
					t.Errorf("errors.Is(err, %q) = %v; err = %v", sentinel, !(sentinel == tt.want), err)
				}
			}
			if strings.Contains(err.Error(), value) {
				t.Errorf("error shows the value: %v", err)
			}
			if !strings.Contains(err.Error(), `"acct"`) {
				t.Errorf("error does not name the key: %v", err)
			}
		})
	}
}

func TestKeyringUnavailableNamesBothFixes(t *testing.T) {
	t.Parallel()
	msg := ErrUnavailable.Error()
	for _, want := range []string{"Secret Service", "gnome-keyring", "QUIVER_PASSPHRASE", "QUIVER_SECRETS=keyring", "QUIVER_SECRETS=file"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ErrUnavailable does not mention %q: %s", want, msg)
		}
	}
	if !strings.Contains(ErrLocked.Error(), "unlock") {
		t.Errorf("ErrLocked does not say to unlock: %s", ErrLocked)
	}
}

// TestKeyringTimeout checks that a keyring call that never returns (a
// locked keyring waiting on a prompt) is given up at the timeout, and that
// calls behind it do not strand more goroutines in the keyring.
func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	fake := newFakeKeyring()
	fake.block = make(chan struct{})
	defer close(fake.block)
	s := newKeyringStore("svc", 50*time.Millisecond, fake, busOK)
	ctx := context.Background()

	errs := make(chan error, 1)
	go func() { errs <- s.Set(ctx, "acct", []byte("v")) }()
	select {
	case err := <-errs:
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("Set on a stuck keyring: err = %v, want ErrTimeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Set on a stuck keyring did not return")
	}
	for range 3 {
		if _, err := s.Get(ctx, "acct"); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Get behind a stuck call: err = %v, want ErrTimeout", err)
		}
	}
	if n := fake.calls.Load(); n != 1 {
		t.Errorf("%d calls entered the stuck keyring, want 1", n)
	}
}

func TestKeyringRecoversAfterStuckCall(t *testing.T) {
	t.Parallel()
	fake := newFakeKeyring()
	fake.block = make(chan struct{})
	s := newKeyringStore("svc", 50*time.Millisecond, fake, busOK)
	if err := s.Set(context.Background(), "acct", []byte("v")); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	close(fake.block) // the prompt was answered
	s.timeout = time.Minute
	wantValue(t, s, "acct", "v")
}

func TestKeyringContextCancelled(t *testing.T) {
	t.Parallel()
	fake := newFakeKeyring()
	fake.block = make(chan struct{})
	defer close(fake.block)
	s := newKeyringStore("svc", time.Minute, fake, busOK)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := s.Get(ctx, "acct")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled and not ErrTimeout", err)
	}
}

func TestKeyringNoSessionBus(t *testing.T) {
	t.Parallel()
	fake := newFakeKeyring()
	s := newKeyringStore("svc", time.Minute, fake, func() error {
		return sessionBusFound("linux", func(string) string { return "" }, func() string { return "" }, func(string) bool { return false })
	})
	if _, err := s.Get(context.Background(), "acct"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if fake.calls.Load() != 0 {
		t.Error("go-keyring was called with no session bus (it would run dbus-launch)")
	}
}

func TestSessionBusFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		goos      string
		env       map[string]string
		files     []string
		available bool
	}{
		{"address set", "linux", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, nil, true},
		{"nothing", "linux", nil, nil, false},
		{"autolaunch only", "linux", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, nil, false},
		{"runtime bus socket", "linux", nil, []string{"/run/user/1000/bus"}, true},
		{"runtime dbus-session file", "freebsd", nil, []string{"/run/user/1000/dbus-session"}, true},
		{"X display for dbus-launch", "linux", map[string]string{"DISPLAY": ":0"}, nil, true},
		{"macOS has no session bus to find", "darwin", nil, nil, true},
		{"Windows neither", "windows", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			exists := func(p string) bool {
				for _, f := range tt.files {
					if f == p {
						return true
					}
				}
				return false
			}
			err := sessionBusFound(tt.goos, func(k string) string { return tt.env[k] }, func() string { return "/run/user/1000" }, exists)
			if (err == nil) != tt.available {
				t.Fatalf("err = %v, want available=%v", err, tt.available)
			}
			if err != nil && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
		})
	}
}
