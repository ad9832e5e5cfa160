// Package traytest is a tray host for tests: it owns
// org.kde.StatusNotifierWatcher on the session bus, as a desktop's panel
// does, records the StatusNotifierItems that register, reads their
// properties (Title, ToolTip, IconPixmap) and walks and clicks their menus
// over com.canonical.dbusmenu, the way a panel does when the user opens
// the menu.
//
// What it copes with (measured with fyne.io/systray, see
// TESTING-DESKTOP.md): the item registers with only its object path, so
// the service is the message's sender; ids change whenever the menu is
// rebuilt, so items are found by label and the layout is re-read before
// each click; a click that arrives while the previous one is still being
// handled is dropped, so callers space clicks out (WaitLayout on the
// effect).
//
// Only tests import this package.
package traytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// D-Bus names of the StatusNotifier and dbusmenu protocols.
const (
	WatcherName      = "org.kde.StatusNotifierWatcher"
	watcherPath      = dbus.ObjectPath("/StatusNotifierWatcher")
	watcherInterface = "org.kde.StatusNotifierWatcher"
	itemInterface    = "org.kde.StatusNotifierItem"
	menuInterface    = "com.canonical.dbusmenu"
	defaultItemPath  = dbus.ObjectPath("/StatusNotifierItem")
)

// ErrNotFound means no menu item has the label asked for.
var ErrNotFound = errors.New("no such menu item")

// Host is a StatusNotifierWatcher with a host registered: what a panel
// with a tray offers. Its methods are safe for concurrent use.
type Host struct {
	conn *dbus.Conn

	mu      sync.Mutex // guards items
	items   []*Item
	arrived chan struct{} // closed and replaced on each registration
}

// NewHost takes org.kde.StatusNotifierWatcher on conn's bus (a private
// connection the caller closes). It fails when another watcher owns the
// name.
func NewHost(conn *dbus.Conn) (*Host, error) {
	h := &Host{conn: conn, arrived: make(chan struct{})}
	if err := conn.Export(watcher{h}, watcherPath, watcherInterface); err != nil {
		return nil, fmt.Errorf("exporting the watcher: %w", err)
	}
	_, err := prop.Export(conn, watcherPath, map[string]map[string]*prop.Prop{
		watcherInterface: {
			"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
			"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
			"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("exporting the watcher's properties: %w", err)
	}
	node := &introspect.Node{
		Name: string(watcherPath),
		Interfaces: []introspect.Interface{
			introspect.IntrospectData,
			prop.IntrospectData,
			{
				Name: watcherInterface,
				Methods: []introspect.Method{
					{Name: "RegisterStatusNotifierItem", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
					{Name: "RegisterStatusNotifierHost", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
				},
			},
		},
	}
	if err := conn.Export(introspect.NewIntrospectable(node), watcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return nil, fmt.Errorf("exporting the watcher's introspection: %w", err)
	}
	reply, err := conn.RequestName(WatcherName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return nil, fmt.Errorf("requesting %s: %w", WatcherName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return nil, fmt.Errorf("%s is owned by another tray host", WatcherName)
	}
	return h, nil
}

// Close gives up the watcher's name.
func (h *Host) Close() error {
	_, err := h.conn.ReleaseName(WatcherName)
	return err
}

// watcher is the object exported at /StatusNotifierWatcher.
type watcher struct{ h *Host }

// RegisterStatusNotifierItem is called by an item: service is a bus name,
// or (fyne.io/systray, libappindicator) only an object path on the sender.
func (w watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := &Item{conn: w.h.conn, Service: string(sender), Path: defaultItemPath}
	if strings.HasPrefix(service, "/") {
		it.Path = dbus.ObjectPath(service)
	} else if service != "" {
		it.Service = service
	}
	w.h.mu.Lock()
	w.h.items = append(w.h.items, it)
	close(w.h.arrived)
	w.h.arrived = make(chan struct{})
	w.h.mu.Unlock()
	w.h.conn.Emit(watcherPath, watcherInterface+".StatusNotifierItemRegistered", it.Service+string(it.Path))
	return nil
}

// RegisterStatusNotifierHost is accepted and ignored: this host is the one.
func (w watcher) RegisterStatusNotifierHost(sender dbus.Sender, service string) *dbus.Error {
	return nil
}

// Items returns the registrations so far, oldest first (an item registers
// again when the watcher reappears).
func (h *Host) Items() []*Item {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Item(nil), h.items...)
}

// WaitItem waits until an item has registered and returns the latest.
func (h *Host) WaitItem(ctx context.Context) (*Item, error) {
	for {
		h.mu.Lock()
		n, arrived := len(h.items), h.arrived
		var last *Item
		if n > 0 {
			last = h.items[n-1]
		}
		h.mu.Unlock()
		if last != nil {
			return last, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a tray item to register: %w", ctx.Err())
		case <-arrived:
		}
	}
}

// poll is how often the Wait methods look again.
const poll = 100 * time.Millisecond
