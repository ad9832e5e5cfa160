package desktoptest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// outcome is how Require ended a test: not at all, skipped, or failed.
type outcome struct {
	skipped, failed bool
	msg             string
}

// recorder is a testing.TB whose Skipf and Fatalf are recorded instead of
// ending the real test. Like the real ones, they stop the calling goroutine.
type recorder struct {
	testing.TB
	out outcome
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.out = outcome{skipped: true, msg: fmt.Sprintf(format, args...)}
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.out = outcome{failed: true, msg: fmt.Sprintf(format, args...)}
	runtime.Goexit()
}

// record runs fn with a recorder in its own goroutine (Goexit needs one).
func record(t *testing.T, fn func(testing.TB)) outcome {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r.out
}

func TestRequireMissing(t *testing.T) {
	nowhere := "unix:path=" + filepath.Join(t.TempDir(), "no-bus")
	noX := filepath.Join(t.TempDir(), "x11") + ":0"

	tests := []struct {
		name       string
		env        map[string]string
		component  Component
		wantReason string
	}{
		{"no bus address", map[string]string{busAddressEnv: ""}, SessionBus, busAddressEnv + " is not set"},
		{"autolaunch bus address", map[string]string{busAddressEnv: "autolaunch:"}, SessionBus, busAddressEnv + " is not set"},
		{"bus address points nowhere", map[string]string{busAddressEnv: nowhere}, SessionBus, "connecting"},
		{"secret service without a bus", map[string]string{busAddressEnv: ""}, SecretService, busAddressEnv + " is not set"},
		{"no display", map[string]string{"DISPLAY": ""}, Display, "DISPLAY is not set"},
		{"malformed display", map[string]string{"DISPLAY": "nonsense"}, Display, "has no ':'"},
		{"display with no server", map[string]string{"DISPLAY": noX}, Display, "no X server"},
		{"unknown component", nil, Component(99), "unknown component"},
	}
	for _, tt := range tests {
		for _, session := range []string{"", "1"} {
			t.Run(fmt.Sprintf("%s/%s=%q", tt.name, SessionEnv, session), func(t *testing.T) {
				t.Setenv(SessionEnv, session)
				for k, v := range tt.env {
					t.Setenv(k, v)
				}

				got := record(t, func(tb testing.TB) { Require(tb, tt.component) })

				if session == "1" && (!got.failed || got.skipped) {
					t.Errorf("inside the session: got %+v, want a failure", got)
				}
				if session == "" && (!got.skipped || got.failed) {
					t.Errorf("outside the session: got %+v, want a skip", got)
				}
				for _, want := range []string{tt.component.String(), tt.wantReason} {
					if !strings.Contains(got.msg, want) {
						t.Errorf("message %q does not contain %q", got.msg, want)
					}
				}
			})
		}
	}
}

// TestRequireNeverLaunchesABus guards pitfall 7: with no bus address,
// godbus's own lookup runs dbus-launch, which can leave a stray bus behind.
func TestRequireNeverLaunchesABus(t *testing.T) {
	bin := t.TempDir()
	launched := filepath.Join(bin, "launched")
	script := "#!/bin/sh\n: >'" + launched + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no $XDG_RUNTIME_DIR/bus to find
	t.Setenv(busAddressEnv, "")
	t.Setenv(SessionEnv, "")

	for _, c := range []Component{SessionBus, SecretService} {
		if got := record(t, func(tb testing.TB) { Require(tb, c) }); !got.skipped {
			t.Errorf("Require(%v) with no bus address: got %+v, want a skip", c, got)
		}
	}
	if _, err := os.Stat(launched); err == nil {
		t.Error("Require ran dbus-launch")
	}
}

func TestRequireReportsEveryMissingComponent(t *testing.T) {
	t.Setenv(SessionEnv, "")
	t.Setenv(busAddressEnv, "")
	t.Setenv("DISPLAY", "")

	got := record(t, func(tb testing.TB) { Require(tb, SessionBus, Display) })

	if !got.skipped {
		t.Fatalf("got %+v, want a skip", got)
	}
	for _, want := range []string{"session D-Bus", "X display", "make test"} {
		if !strings.Contains(got.msg, want) {
			t.Errorf("message %q does not contain %q", got.msg, want)
		}
	}
}

func TestRequireDisplayPresent(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "x11") + ":7"
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	t.Setenv("DISPLAY", socket+".0")

	for _, session := range []string{"", "1"} {
		t.Setenv(SessionEnv, session)
		if got := record(t, func(tb testing.TB) { Require(tb, Display) }); got != (outcome{}) {
			t.Errorf("%s=%q: got %+v, want Require to return", SessionEnv, session, got)
		}
	}
}

func TestComponentString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Component
		want string
	}{
		{SessionBus, "session D-Bus"},
		{SecretService, "Secret Service"},
		{Display, "X display"},
		{Component(0), "Component(0)"},
		{Component(42), "Component(42)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Component(%d).String() = %q, want %q", int(tt.c), got, tt.want)
		}
	}
}

func TestInSession(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"", false},
		{"0", false},
		{"yes", false},
		{"1", true},
	}
	for _, tt := range tests {
		t.Setenv(SessionEnv, tt.value)
		if got := InSession(); got != tt.want {
			t.Errorf("%s=%q: InSession() = %v, want %v", SessionEnv, tt.value, got, tt.want)
		}
	}
}

// TestRealSession runs in the headless session `make test` starts (and on
// a desktop that has all three components); elsewhere it skips.
func TestRealSession(t *testing.T) {
	Require(t, SessionBus, SecretService, Display)

	var names []string
	var conn *dbus.Conn
	t.Run("ConnectSessionBus", func(t *testing.T) {
		conn = ConnectSessionBus(t)
		if err := conn.BusObject().Call("org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
			t.Fatalf("ListNames: %v", err)
		}
		if !conn.Connected() {
			t.Error("connection closed while its test runs")
		}
	})
	if !slices.Contains(names, secretsName) {
		t.Errorf("ListNames = %v, want it to contain %s", names, secretsName)
	}
	if conn == nil || conn.Connected() {
		t.Error("the connection is still open after its test ended")
	}
}
