// Package notifytest runs a stand-in desktop notification server
// (org.freedesktop.Notifications) on a D-Bus session bus and records every
// notification clients send it, so tests can assert on what really went over
// the bus.
//
// Only one connection at a time can own the notification name on a bus.
// Start queues for it (another test process on the same bus may hold it) and
// refuses to take it from a real notification daemon. Tests that start a
// Receiver must not run in parallel with each other.
package notifytest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
)

// ServerName is what the Receiver answers to GetServerInformation.
const ServerName = "quiver-notifytest"

const (
	busName    = "org.freedesktop.Notifications"
	objectPath = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface      = "org.freedesktop.Notifications"

	// acquireTimeout bounds the wait for another test process to release
	// the notification name.
	acquireTimeout = 2 * time.Minute
	// closedByCall is the NotificationClosed reason for CloseNotification.
	closedByCall = uint32(3)
)

// Call is one Notify call as the Receiver got it.
type Call struct {
	ID         uint32 // the id the Receiver returned
	Sender     string // the caller's unique bus name
	AppName    string
	ReplacesID uint32
	AppIcon    string
	Summary    string
	Body       string
	Actions    []string
	Hints      map[string]dbus.Variant
	HintKeys   []string // sorted
	Timeout    int32    // milliseconds; -1 is the server's default
}

// Receiver owns org.freedesktop.Notifications on a bus and records calls.
type Receiver struct {
	mu      sync.Mutex // guards the fields below
	calls   []Call
	closed  []uint32
	nextID  uint32
	changed chan struct{} // closed and replaced when a call is recorded
}

// SessionBus connects privately to the session bus that
// DBUS_SESSION_BUS_ADDRESS names and closes the connection when the test
// ends. Without a session bus it skips the test, or fails it when
// QUIVER_DESKTOP_SESSION=1 says the bus must be there.
func SessionBus(t testing.TB) *dbus.Conn {
	t.Helper()
	// Without an address godbus would start a stray bus with dbus-launch.
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		unavailable(t, "DBUS_SESSION_BUS_ADDRESS is not set")
	}
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		unavailable(t, fmt.Sprintf("connecting to the session bus: %v", err))
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Auth(nil); err != nil {
		unavailable(t, fmt.Sprintf("authenticating on the session bus: %v", err))
	}
	if err := conn.Hello(); err != nil {
		unavailable(t, fmt.Sprintf("saying hello to the session bus: %v", err))
	}
	return conn
}

// unavailable skips the test, or fails it inside the desktop test session.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("QUIVER_DESKTOP_SESSION") == "1" {
		t.Fatalf("desktop session component missing: %s", why)
	}
	t.Skipf("no desktop session: %s (QUIVER_DESKTOP_SESSION=1 makes this a failure)", why)
}

// Start exports a notification server on conn, takes the notification name
// (waiting while another Receiver holds it) and records calls until the test
// ends. A real notification daemon owning the name skips the test (fails it
// with QUIVER_DESKTOP_SESSION=1): test notifications must not reach a user.
func Start(t testing.TB, conn *dbus.Conn) *Receiver {
	t.Helper()
	r := &Receiver{changed: make(chan struct{})}
	if err := conn.Export(server{r: r, conn: conn}, objectPath, iface); err != nil {
		t.Fatalf("exporting the notification server: %v", err)
	}
	node := introspect.NewIntrospectable(&introspect.Node{
		Name: string(objectPath),
		Interfaces: []introspect.Interface{
			introspect.IntrospectData,
			{Name: iface, Methods: introspect.Methods(server{})},
		},
	})
	if err := conn.Export(node, objectPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		t.Fatalf("exporting introspection: %v", err)
	}
	t.Cleanup(func() {
		conn.ReleaseName(busName)
		conn.Export(nil, objectPath, iface)
		conn.Export(nil, objectPath, "org.freedesktop.DBus.Introspectable")
	})

	if owner, ok := nameOwner(conn); ok && !isReceiver(conn, owner) {
		unavailable(t, "a real notification daemon owns "+busName)
	}
	// Queue without replacing: another test process may hold the name.
	if _, err := conn.RequestName(busName, 0); err != nil {
		t.Fatalf("requesting %s: %v", busName, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), acquireTimeout)
	defer cancel()
	if err := waitForOwnership(ctx, conn); err != nil {
		t.Fatalf("taking %s: %v", busName, err)
	}
	return r
}

func nameOwner(conn *dbus.Conn) (string, bool) {
	var owner string
	err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, busName).Store(&owner)
	return owner, err == nil
}

// isReceiver tells whether the name's owner is another Receiver. The call
// goes to the owner's unique name, so it cannot start a daemon.
func isReceiver(conn *dbus.Conn, owner string) bool {
	var name, vendor, version, spec string
	err := conn.Object(owner, objectPath).Call(iface+".GetServerInformation", dbus.FlagNoAutoStart).
		Store(&name, &vendor, &version, &spec)
	return err == nil && name == ServerName
}

func waitForOwnership(ctx context.Context, conn *dbus.Conn) error {
	me := conn.Names()[0]
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if owner, ok := nameOwner(conn); ok && owner == me {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still held by another connection: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Calls returns the calls recorded so far, oldest first.
func (r *Receiver) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// Closed returns the ids CloseNotification was called with.
func (r *Receiver) Closed() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.closed)
}

// WaitFor waits until at least n calls are recorded and returns them all.
// When ctx ends first it returns what it has and ctx's error.
func (r *Receiver) WaitFor(ctx context.Context, n int) ([]Call, error) {
	for {
		r.mu.Lock()
		calls, changed := slices.Clone(r.calls), r.changed
		r.mu.Unlock()
		if len(calls) >= n {
			return calls, nil
		}
		select {
		case <-ctx.Done():
			return calls, fmt.Errorf("waiting for %d notifications, got %d: %w", n, len(calls), ctx.Err())
		case <-changed:
		}
	}
}

func (r *Receiver) record(c Call) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	c.ID = r.nextID
	r.calls = append(r.calls, c)
	close(r.changed)
	r.changed = make(chan struct{})
	return c.ID
}

// server holds the exported D-Bus methods, apart from Receiver's own API.
type server struct {
	r    *Receiver
	conn *dbus.Conn
}

// Notify implements org.freedesktop.Notifications.Notify.
func (s server) Notify(sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	keys := make([]string, 0, len(hints))
	for k := range hints {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	id := s.r.record(Call{
		Sender:     string(sender),
		AppName:    appName,
		ReplacesID: replacesID,
		AppIcon:    appIcon,
		Summary:    summary,
		Body:       body,
		Actions:    actions,
		Hints:      hints,
		HintKeys:   keys,
		Timeout:    timeout,
	})
	return id, nil
}

// GetCapabilities implements org.freedesktop.Notifications.GetCapabilities.
func (s server) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"body", "icon-static"}, nil
}

// GetServerInformation implements
// org.freedesktop.Notifications.GetServerInformation.
func (s server) GetServerInformation() (name, vendor, version, specVersion string, err *dbus.Error) {
	return ServerName, "Quiver", "1", "1.2", nil
}

// CloseNotification implements org.freedesktop.Notifications.CloseNotification
// and emits NotificationClosed as the specification asks.
func (s server) CloseNotification(id uint32) *dbus.Error {
	s.r.mu.Lock()
	s.r.closed = append(s.r.closed, id)
	s.r.mu.Unlock()
	if err := s.conn.Emit(objectPath, iface+".NotificationClosed", id, closedByCall); err != nil {
		return dbus.MakeFailedError(err)
	}
	return nil
}
