package desktoptest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// privateBus starts a dbus-daemon of the test's own (no activation, socket
// in a temp directory), points DBUS_SESSION_BUS_ADDRESS at it and returns
// its address. The daemon is stopped when the test ends.
func privateBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if InSession() {
			t.Fatalf("dbus-daemon is not installed: %v", err)
		}
		t.Skipf("needs dbus-daemon: %v", err)
	}
	// Not t.TempDir: a socket path must stay short, and a D-Bus address
	// may not hold the commas a subtest's name can bring.
	dir, err := os.MkdirTemp("", "bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	config := filepath.Join(dir, "bus.conf")
	conf := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=` + dir + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+config, "--nofork", "--print-address=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dieWithTest(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	address, err := bufio.NewReader(stdout).ReadString('\n')
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the bus address: %v (dbus-daemon: %s)", err, stderr.String())
	}
	address = strings.TrimSpace(address)
	t.Setenv(busAddressEnv, address)
	return address
}

// collection serves org.freedesktop.DBus.Properties.Get for a fake Secret
// Service collection.
type collection struct{ locked bool }

func (c collection) Get(iface, property string) (dbus.Variant, *dbus.Error) {
	if iface != "org.freedesktop.Secret.Collection" || property != "Locked" {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.DBus.Error.UnknownProperty", []any{property})
	}
	return dbus.MakeVariant(c.locked), nil
}

// fakeSecretService owns org.freedesktop.secrets on the session bus (a
// privateBus) and exports the given collections.
func fakeSecretService(t *testing.T, collections map[dbus.ObjectPath]collection) {
	t.Helper()
	conn := ConnectSessionBus(t)
	reply, err := conn.RequestName(secretsName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: reply %v, %v", secretsName, reply, err)
	}
	for path, c := range collections {
		if err := conn.Export(c, path, "org.freedesktop.DBus.Properties"); err != nil {
			t.Fatalf("exporting %s: %v", path, err)
		}
	}
}

func TestRequireSecretServiceOnPrivateBus(t *testing.T) {
	const (
		login        = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
		defaultAlias = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	)
	tests := []struct {
		name        string
		owned       bool
		collections map[dbus.ObjectPath]collection
		wantReason  string // "" when the Secret Service counts as present
	}{
		{"nobody owns the name", false, nil, "nobody owns org.freedesktop.secrets"},
		{"no collection", true, nil, "no login or default collection"},
		{"login collection locked", true, map[dbus.ObjectPath]collection{login: {locked: true}}, "is locked"},
		{"default collection locked", true, map[dbus.ObjectPath]collection{defaultAlias: {locked: true}}, "is locked"},
		{"login collection unlocked", true, map[dbus.ObjectPath]collection{login: {}}, ""},
		{"only the default alias, unlocked", true, map[dbus.ObjectPath]collection{defaultAlias: {}}, ""},
		{"login locked wins over default", true, map[dbus.ObjectPath]collection{login: {locked: true}, defaultAlias: {}}, "is locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(SessionEnv, "")
			privateBus(t)
			if tt.owned {
				fakeSecretService(t, tt.collections)
			}

			bus := record(t, func(tb testing.TB) { Require(tb, SessionBus) })
			if bus != (outcome{}) {
				t.Fatalf("Require(SessionBus) on a running bus: got %+v", bus)
			}
			got := record(t, func(tb testing.TB) { Require(tb, SecretService) })
			if tt.wantReason == "" {
				if got != (outcome{}) {
					t.Errorf("got %+v, want Require to return", got)
				}
				return
			}
			if !got.skipped || !strings.Contains(got.msg, tt.wantReason) {
				t.Errorf("got %+v, want a skip mentioning %q", got, tt.wantReason)
			}
		})
	}
}

func TestConnectSessionBusOnPrivateBus(t *testing.T) {
	t.Setenv(SessionEnv, "")
	privateBus(t)

	var conn *dbus.Conn
	t.Run("connected", func(t *testing.T) {
		conn = ConnectSessionBus(t)
		var id string
		if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil || id == "" {
			t.Errorf("GetId = %q, %v", id, err)
		}
	})
	if conn == nil || conn.Connected() {
		t.Error("the connection is still open after its test ended")
	}
}
