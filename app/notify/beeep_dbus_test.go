package notify_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/quiver-app/quiver/app/notify"
	"github.com/quiver-app/quiver/app/notify/notifytest"
)

// These tests send real notifications over the session bus to a
// notifytest.Receiver. They do not run in parallel: one Receiver owns the
// notification name at a time.

func testIcon(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, 0, color.NRGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// beeepSender is the unique bus name of the process's shared session
// connection, which beeep sends from; it tells our calls from any other
// test process's on the same bus.
func beeepSender(t *testing.T) string {
	t.Helper()
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatalf("connecting the shared session bus connection: %v", err)
	}
	return conn.Names()[0]
}

func ours(calls []notifytest.Call, sender string) []notifytest.Call {
	return slices.DeleteFunc(slices.Clone(calls), func(c notifytest.Call) bool { return c.Sender != sender })
}

func TestBeeepSendsOverDBus(t *testing.T) {
	rec := notifytest.Start(t, notifytest.SessionBus(t))
	sender := beeepSender(t)

	tests := []struct {
		name      string
		icon      []byte
		wantImage bool
	}{
		{"with the app icon", testIcon(t, 24, 16), true},
		{"without an icon", nil, false},
		{"with an icon that is not a PNG", []byte("GIF89a"), false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := "work: 81% of the 5-hour limit used", "Resets at 14:05 (in 2h 14m). Ünïcode & <b>"
			if err := (notify.Beeep{AppName: "Quiver", Icon: tt.icon}).Send(title, body); err != nil {
				t.Fatalf("Send: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			calls, err := rec.WaitFor(ctx, i+1)
			if err != nil {
				t.Fatal(err)
			}
			c := calls[i]
			if c.Sender != sender {
				t.Fatalf("call from %s, not from this process (%s)", c.Sender, sender)
			}
			if c.AppName != "Quiver" || c.Summary != title || c.Body != body {
				t.Fatalf("got app %q summary %q body %q", c.AppName, c.Summary, c.Body)
			}
			img, ok := c.Hints["image-data"]
			if ok != tt.wantImage {
				t.Fatalf("image-data hint present = %v, want %v (hints %q, app_icon %q)", ok, tt.wantImage, c.HintKeys, c.AppIcon)
			}
			if ok {
				// (iiibiiay): width, height, rowstride, has alpha, bits, channels, data.
				fields, _ := img.Value().([]any)
				if len(fields) != 7 || fields[0] != int32(24) || fields[1] != int32(16) {
					t.Fatalf("image-data hint is not a 24×16 image: %v", img.Signature())
				}
				if data, _ := fields[6].([]byte); len(data) != 24*16*4 {
					t.Fatalf("image-data holds %d bytes, want %d", len(data), 24*16*4)
				}
			}
			if !slices.Contains(c.HintKeys, "urgency") {
				t.Fatalf("hints %q lack urgency", c.HintKeys)
			}
		})
	}
}

func TestRulesOverDBusNotifyOncePerWindow(t *testing.T) {
	rec := notifytest.Start(t, notifytest.SessionBus(t))
	sender := beeepSender(t)
	beeep := notify.Beeep{AppName: "Quiver", Icon: testIcon(t, 8, 8)}

	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.Local)
	reset := now.Add(5*time.Hour + 5*time.Minute)
	rules := notify.NewRules(beeep, notify.Settings{}, nil, func() time.Time { return now })
	defer rules.Close()
	view := func(used float64) []notify.AccountView {
		return []notify.AccountView{{ID: "id-1", Label: "work", Windows: []notify.Window{{Name: "5h", UsedPercent: used, ResetAt: reset}}}}
	}
	rules.Observe(view(10)) // baseline
	rules.Observe(view(81))
	rules.Observe(view(81))

	// Sends are synchronous and in order: once the marker arrives, any
	// second warning would have arrived before it.
	if err := beeep.Send("marker", "end of test"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := rec.WaitFor(ctx, 2); err != nil {
		t.Fatal(err)
	}
	calls := ours(rec.Calls(), sender)
	if len(calls) != 2 || calls[1].Summary != "marker" {
		t.Fatalf("got %d notifications %v, want the warning and the marker", len(calls), summaries(calls))
	}
	if got, want := calls[0].Summary, "work: 81% of the 5-hour limit used"; got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	if got, want := calls[0].Body, "Resets at 14:05 (in 5h 5m)."; got != want {
		t.Fatalf("body %q, want %q", got, want)
	}
	if calls[0].AppName != "Quiver" || !slices.Contains(calls[0].HintKeys, "image-data") {
		t.Fatalf("warning from %q with hints %q, want Quiver with its icon", calls[0].AppName, calls[0].HintKeys)
	}
}

func summaries(calls []notifytest.Call) []string {
	var s []string
	for _, c := range calls {
		s = append(s, c.Summary)
	}
	return s
}
