package notifytest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// TestReceiverSpeaksTheProtocol plays a client by hand against a Receiver.
// It does not run in parallel: one Receiver owns the name at a time.
func TestReceiverSpeaksTheProtocol(t *testing.T) {
	server := SessionBus(t)
	rec := Start(t, server)
	client := SessionBus(t)
	obj := client.Object(busName, objectPath)

	var name, vendor, version, spec string
	if err := obj.Call(iface+".GetServerInformation", dbus.FlagNoAutoStart).Store(&name, &vendor, &version, &spec); err != nil {
		t.Fatalf("GetServerInformation: %v", err)
	}
	if name != ServerName || spec != "1.2" {
		t.Fatalf("GetServerInformation = %q, %q, %q, %q", name, vendor, version, spec)
	}
	var caps []string
	if err := obj.Call(iface+".GetCapabilities", dbus.FlagNoAutoStart).Store(&caps); err != nil {
		t.Fatalf("GetCapabilities: %v", err)
	}
	if !slices.Contains(caps, "body") {
		t.Fatalf("GetCapabilities = %q, want body among them", caps)
	}

	if err := client.AddMatchSignal(dbus.WithMatchInterface(iface), dbus.WithMatchMember("NotificationClosed")); err != nil {
		t.Fatalf("adding a signal match: %v", err)
	}
	signals := make(chan *dbus.Signal, 10)
	client.Signal(signals)

	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1)), "category": dbus.MakeVariant("im")}
	var ids []uint32
	for _, summary := range []string{"first", "second"} {
		var id uint32
		err := obj.Call(iface+".Notify", dbus.FlagNoAutoStart, "Test app", uint32(7), "dialog-information",
			summary, "body text", []string{"default", "Open"}, hints, int32(5000)).Store(&id)
		if err != nil {
			t.Fatalf("Notify: %v", err)
		}
		ids = append(ids, id)
	}
	if ids[0] == 0 || ids[1] <= ids[0] {
		t.Fatalf("Notify returned ids %v, want increasing non-zero ids", ids)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	calls, err := rec.WaitFor(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := calls[0]
	if c.ID != ids[0] || c.Sender != client.Names()[0] || c.AppName != "Test app" || c.ReplacesID != 7 ||
		c.AppIcon != "dialog-information" || c.Summary != "first" || c.Body != "body text" ||
		!slices.Equal(c.Actions, []string{"default", "Open"}) || c.Timeout != 5000 ||
		!slices.Equal(c.HintKeys, []string{"category", "urgency"}) {
		t.Fatalf("recorded %+v", c)
	}
	if calls[1].Summary != "second" {
		t.Fatalf("second call recorded as %+v", calls[1])
	}

	if err := obj.Call(iface+".CloseNotification", dbus.FlagNoAutoStart, ids[0]).Err; err != nil {
		t.Fatalf("CloseNotification: %v", err)
	}
	if got := rec.Closed(); !slices.Equal(got, []uint32{ids[0]}) {
		t.Fatalf("Closed() = %v, want [%d]", got, ids[0])
	}
	for {
		select {
		case s := <-signals:
			if s.Name != iface+".NotificationClosed" {
				continue
			}
			if len(s.Body) != 2 || s.Body[0] != ids[0] || s.Body[1] != closedByCall {
				t.Fatalf("NotificationClosed body %v", s.Body)
			}
			return
		case <-ctx.Done():
			t.Fatal("no NotificationClosed signal")
		}
	}
}

func TestWaitForGivesUpWithContext(t *testing.T) {
	t.Parallel()
	r := &Receiver{changed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls, err := r.WaitFor(ctx, 1)
	if err == nil || len(calls) != 0 {
		t.Fatalf("WaitFor on a cancelled context = %v, %v; want no calls and an error", calls, err)
	}
}
