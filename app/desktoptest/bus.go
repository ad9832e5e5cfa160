package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	busAddressEnv = "DBUS_SESSION_BUS_ADDRESS"
	secretsName   = "org.freedesktop.secrets"
)

// connectTimeout bounds setting up a connection (dial, auth, Hello).
const connectTimeout = 10 * time.Second

// errNoBusAddress: without an address godbus would try dbus-launch.
var errNoBusAddress = errors.New(busAddressEnv + " is not set")

// Collections go-keyring writes to: "login" when it exists, else the
// default alias.
var secretCollections = []dbus.ObjectPath{
	"/org/freedesktop/secrets/collection/login",
	"/org/freedesktop/secrets/aliases/default",
}

// ConnectSessionBus requires the session bus (see Require) and returns a
// private connection to it, closed when the test and its subtests end.
func ConnectSessionBus(t testing.TB) *dbus.Conn {
	t.Helper()
	Require(t, SessionBus)

	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	// Cancelling the connection's context closes it: a bus that accepts
	// the socket but never answers cannot hang the test.
	timer := time.AfterFunc(connectTimeout, cancel)
	conn, err := connect(ctx)
	if !timer.Stop() {
		t.Fatalf("connecting to the session bus: no answer within %v", connectTimeout)
	}
	if err != nil {
		t.Fatalf("connecting to the session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// connect opens a private connection to the bus DBUS_SESSION_BUS_ADDRESS
// names, living until ctx is done or it is closed. It never starts a bus.
func connect(ctx context.Context) (*dbus.Conn, error) {
	address := os.Getenv(busAddressEnv)
	if address == "" || address == "autolaunch:" {
		return nil, errNoBusAddress
	}
	return dbus.Connect(address, dbus.WithContext(ctx))
}

func probeSessionBus(ctx context.Context) error {
	conn, err := connect(ctx)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	conn.Close()
	return nil
}

func probeSecretService(ctx context.Context) error {
	conn, err := connect(ctx)
	if err != nil {
		return fmt.Errorf("connecting to the session bus: %w", err)
	}
	defer conn.Close()

	var owned bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, secretsName).Store(&owned)
	if err != nil {
		return fmt.Errorf("asking the bus for %s: %w", secretsName, err)
	}
	if !owned {
		return fmt.Errorf("nobody owns %s on the session bus", secretsName)
	}

	var lastErr error
	for _, path := range secretCollections {
		var locked dbus.Variant
		err := conn.Object(secretsName, path).CallWithContext(ctx,
			"org.freedesktop.DBus.Properties.Get", 0,
			"org.freedesktop.Secret.Collection", "Locked").Store(&locked)
		if err != nil {
			lastErr = err
			continue
		}
		if isLocked, ok := locked.Value().(bool); !ok || isLocked {
			return fmt.Errorf("collection %s is locked: a keyring call would wait for a password prompt", path)
		}
		return nil
	}
	return fmt.Errorf("no login or default collection: %w", lastErr)
}
