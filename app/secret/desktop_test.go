package secret

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// These tests use a real Secret Service. They run only in the headless
// desktop session (QUIVER_DESKTOP_SESSION=1), never against the user's own
// keyring, and fail there when a component is missing.

const (
	secretsBusName  = "org.freedesktop.secrets"
	secretsPath     = dbus.ObjectPath("/org/freedesktop/secrets")
	defaultAlias    = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
)

// requireDesktopSession skips t outside the desktop test session.
func requireDesktopSession(t *testing.T) {
	t.Helper()
	if os.Getenv("QUIVER_DESKTOP_SESSION") != "1" {
		t.Skip("needs the headless desktop session (QUIVER_DESKTOP_SESSION=1); it never touches the user's keyring")
	}
}

// waitForName polls the bus at addr until name has an owner.
func waitForName(ctx context.Context, addr, name string) error {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return fmt.Errorf("connecting to the session bus %s: %w", addr, err)
	}
	defer conn.Close()
	for {
		var owned bool
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&owned)
		if err != nil {
			return fmt.Errorf("asking whether %s is owned: %w", name, err)
		}
		if owned {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s has no owner on the session bus: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// requireSecretService fails t unless the session's Secret Service is up.
func requireSecretService(t *testing.T) {
	t.Helper()
	requireDesktopSession(t)
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		t.Fatal("QUIVER_DESKTOP_SESSION=1 but DBUS_SESSION_BUS_ADDRESS is not set")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := waitForName(ctx, addr, secretsBusName); err != nil {
		t.Fatalf("no Secret Service in the desktop session: %v", err)
	}
}

// uniqueService returns a keyring service name no other test run uses.
func uniqueService() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "quiver-test-" + hex.EncodeToString(b)
}

func TestKeyringRealRoundTrip(t *testing.T) {
	t.Parallel()
	requireSecretService(t)
	ctx := t.Context()
	service := uniqueService()
	s := NewKeyring(service, 10*time.Second)
	t.Cleanup(func() {
		for _, key := range []string{"acct-1", "acct-2"} {
			s.Delete(context.Background(), key)
		}
	})
	if got := s.Describe(); got != "OS keyring (Secret Service)" {
		t.Errorf("Describe() = %q", got)
	}
	if _, err := s.Get(ctx, "acct-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: err = %v, want ErrNotFound", err)
	}
	mustSet(t, s, "acct-1", `{"access":"a1","refresh":"r1"}`)
	mustSet(t, s, "acct-2", `{"access":"a2"}`)
	mustSet(t, s, "acct-1", `{"access":"a1b","refresh":"r1b"}`)
	wantValue(t, s, "acct-1", `{"access":"a1b","refresh":"r1b"}`)
	wantValue(t, s, "acct-2", `{"access":"a2"}`)

	// Another service with the same key is another item.
	other := NewKeyring(uniqueService(), 10*time.Second)
	if _, err := other.Get(ctx, "acct-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get under another service: err = %v, want ErrNotFound", err)
	}

	if err := s.Delete(ctx, "acct-1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "acct-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "acct-1"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	wantValue(t, s, "acct-2", `{"access":"a2"}`)
}

func TestOpenChoosesRealKeyring(t *testing.T) {
	t.Parallel()
	requireSecretService(t)
	dir := t.TempDir()
	s, err := Open(t.Context(), Options{Service: uniqueService(), Dir: dir, Passphrase: testPassphrase})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, ok := s.(*keyringStore); !ok {
		t.Fatalf("Open chose %s, want the OS keyring", s.Describe())
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
		t.Error("Open created the encrypted file although the keyring answers")
	}
}

// TestKeyringLocked locks a keyring and checks that calls fail promptly
// with a clear error instead of hanging, and that Open does not fall back
// to the file behind the user's back. A locked collection cannot be
// unlocked again without a password prompt, so this test brings its own
// bus and gnome-keyring and leaves the session's keyring alone; the calls
// run in a child process, whose go-keyring connects to that private bus.
func TestKeyringLocked(t *testing.T) {
	t.Parallel()
	requireDesktopSession(t)
	for _, bin := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("QUIVER_DESKTOP_SESSION=1 but %s is missing: %v", bin, err)
		}
	}
	addr := startPrivateBus(t)
	home := startPrivateKeyring(t, addr)
	runChildProcess(t, "locked-keyring",
		"DBUS_SESSION_BUS_ADDRESS="+addr,
		"HOME="+home,
		"QUIVER_SECRET_TEST_DIR="+t.TempDir())
}

// noActivationBus is a session bus configuration with no service
// directories: nothing is started on demand, in particular no password
// prompter (see TESTING-DESKTOP.md, pitfall 1).
const noActivationBus = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// startPrivateBus starts a dbus-daemon for t and returns its address.
func startPrivateBus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "session.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, noActivationBus, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	daemonOutput(t, cmd, nil)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	t.Cleanup(func() { stopDaemon(t, cmd) })
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case addr := <-lines:
		if addr == "" {
			t.Fatal("dbus-daemon printed no address")
		}
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("dbus-daemon did not print its address")
	}
	return ""
}

// daemonOutput collects cmd's stderr (and stdout, when out is cmd) for
// stopDaemon to show if the test failed: daemons are chatty.
func daemonOutput(t *testing.T, cmd, out *exec.Cmd) {
	t.Helper()
	var buf bytes.Buffer
	cmd.Stderr = &buf
	if out != nil {
		out.Stdout = &buf
	}
	t.Cleanup(func() {
		// Registered before stopDaemon's cleanup, so it runs after it
		// (cleanups run last-in first-out) and buf is complete.
		if t.Failed() && buf.Len() > 0 {
			t.Logf("%s output:\n%s", filepath.Base(cmd.Path), buf.String())
		}
	})
}

// stopDaemon kills a daemon this test started and reaps it.
func stopDaemon(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if cmd.Process != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// startPrivateKeyring starts an unlocked gnome-keyring on the bus at addr,
// in a fresh home directory (returned), and waits until it owns its name.
func startPrivateKeyring(t *testing.T, addr string) string {
	t.Helper()
	home := t.TempDir()
	runtimeDir := filepath.Join(home, "run")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_RUNTIME_DIR=" + runtimeDir,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
		"LANG=C.UTF-8",
	}
	cmd.Stdin = strings.NewReader("private-test-keyring-password")
	daemonOutput(t, cmd, cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting gnome-keyring-daemon: %v", err)
	}
	t.Cleanup(func() { stopDaemon(t, cmd) })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := waitForName(ctx, addr, secretsBusName); err != nil {
		t.Fatalf("private gnome-keyring: %v", err)
	}
	return home
}

// childLockedKeyring runs on the private bus of TestKeyringLocked.
func childLockedKeyring(ctx context.Context) error {
	const timeout = 3 * time.Second
	service := uniqueService()
	kr := NewKeyring(service, timeout)
	if err := kr.Set(ctx, "acct", []byte(`{"access":"before-lock"}`)); err != nil {
		return fmt.Errorf("Set on the unlocked keyring: %w", err)
	}

	if err := lockDefaultCollection(ctx); err != nil {
		return err
	}

	const newValue = `{"access":"after-lock"}`
	// With no prompter on the private bus, gnome-keyring dismisses the
	// unlock prompt at once, so the answer is ErrLocked, not ErrTimeout.
	err := kr.Set(ctx, "acct", []byte(newValue))
	if !errors.Is(err, ErrLocked) {
		return fmt.Errorf("Set on the locked keyring: want ErrLocked, got %s", errString(err))
	}
	if strings.Contains(err.Error(), "after-lock") {
		return fmt.Errorf("the error shows the value: %v", err)
	}
	fmt.Fprintf(os.Stderr, "Set on the locked keyring: %v\n", err)

	if _, err := kr.Get(ctx, "acct"); !errors.Is(err, ErrLocked) {
		return fmt.Errorf("Get on the locked keyring: want ErrLocked, got %s", errString(err))
	}
	if err := kr.Delete(ctx, "acct"); !errors.Is(err, ErrLocked) {
		return fmt.Errorf("Delete on the locked keyring: want ErrLocked, got %s", errString(err))
	}

	dir := os.Getenv("QUIVER_SECRET_TEST_DIR")
	s, err := Open(ctx, Options{Service: service, Dir: dir, Passphrase: testPassphrase, Timeout: timeout})
	if err == nil {
		return fmt.Errorf("Open with a locked keyring chose %s, want an error", s.Describe())
	}
	if !errors.Is(err, ErrLocked) {
		return fmt.Errorf("Open with a locked keyring: want ErrLocked, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
		return errors.New("Open fell back to the encrypted file although the keyring is only locked")
	}
	return nil
}

// lockDefaultCollection locks the default collection (and "login", which
// go-keyring prefers when it exists) and checks that it is locked.
func lockDefaultCollection(ctx context.Context) error {
	conn, err := dbus.Connect(os.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	if err != nil {
		return fmt.Errorf("connecting to the session bus: %w", err)
	}
	defer conn.Close()
	svc := conn.Object(secretsBusName, secretsPath)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = svc.CallWithContext(ctx, "org.freedesktop.Secret.Service.Lock", 0,
		[]dbus.ObjectPath{defaultAlias, loginCollection}).Store(&locked, &prompt)
	if err != nil {
		return fmt.Errorf("locking the default collection: %w", err)
	}
	if prompt != "/" {
		return fmt.Errorf("locking the default collection asked for a prompt (%s)", prompt)
	}
	for _, path := range []dbus.ObjectPath{defaultAlias, loginCollection} {
		v, err := conn.Object(secretsBusName, path).GetProperty("org.freedesktop.Secret.Collection.Locked")
		if err != nil {
			continue // "login" may not exist
		}
		if isLocked, _ := v.Value().(bool); !isLocked {
			return fmt.Errorf("collection %s is still unlocked after Lock", path)
		}
	}
	return nil
}
