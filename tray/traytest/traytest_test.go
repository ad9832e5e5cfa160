package traytest

import (
	"image/color"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestPixmapImage(t *testing.T) {
	t.Parallel()
	p := Pixmap{Width: 2, Height: 1, ARGB: []byte{0xff, 0x10, 0x20, 0x30, 0x00, 0, 0, 0}}
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	if got := img.NRGBAAt(0, 0); got != (color.NRGBA{0x10, 0x20, 0x30, 0xff}) {
		t.Errorf("pixel 0 = %v", got)
	}
	if got := img.NRGBAAt(1, 0); got.A != 0 {
		t.Errorf("pixel 1 = %v, want transparent", got)
	}
	for _, bad := range []Pixmap{{Width: 2, Height: 2, ARGB: make([]byte, 8)}, {}, {Width: -1, Height: 1}} {
		if _, err := bad.Image(); err == nil {
			t.Errorf("Image accepted %dx%d with %d bytes", bad.Width, bad.Height, len(bad.ARGB))
		}
	}
}

func TestParseItem(t *testing.T) {
	t.Parallel()
	child := []any{int32(7), map[string]dbus.Variant{
		"label": dbus.MakeVariant("bob — 5h 20%"), "toggle-type": dbus.MakeVariant("checkmark"),
		"toggle-state": dbus.MakeVariant(int32(1)), "enabled": dbus.MakeVariant(false),
	}, []dbus.Variant{}}
	mi, err := parseItem(dbus.MakeVariant(child))
	if err != nil {
		t.Fatal(err)
	}
	if mi.ID != 7 || !mi.Checked() || mi.Enabled || !mi.Visible || mi.String() != "[x] bob — 5h 20% (disabled)" {
		t.Errorf("parsed %+v (%s)", mi, mi)
	}
	m := Menu{{Type: "separator", Visible: true}, mi}
	if got, ok := m.Find("bob"); !ok || got.ID != 7 {
		t.Errorf("Find(bob) = %+v, %v", got, ok)
	}
	if _, ok := m.Find("alice"); ok {
		t.Error("Find(alice) found something")
	}
	if _, err := parseItem(dbus.MakeVariant("not an item")); err == nil {
		t.Error("parseItem accepted a string")
	}
}
