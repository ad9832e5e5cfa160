package traytest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"time"

	"github.com/godbus/dbus/v5"
)

// Item is a registered StatusNotifierItem.
type Item struct {
	conn    *dbus.Conn
	Service string          // its bus name (usually the unique name)
	Path    dbus.ObjectPath // its object
}

// Props are the item's properties a tray host shows.
type Props struct {
	ID, Title, Status string
	ToolTip           ToolTip
	IconPixmap        []Pixmap
	Menu              dbus.ObjectPath
}

// ToolTip is the StatusNotifierItem ToolTip property, (sa(iiay)ss).
type ToolTip struct {
	IconName    string
	Icons       []Pixmap
	Title       string
	Description string
}

// Pixmap is one icon image, (iiay): ARGB32 in network byte order.
type Pixmap struct {
	Width, Height int32
	ARGB          []byte
}

// Image decodes the pixmap; it fails when the data does not match the
// size.
func (p Pixmap) Image() (*image.NRGBA, error) {
	w, h := int(p.Width), int(p.Height)
	if w <= 0 || h <= 0 || len(p.ARGB) != 4*w*h {
		return nil, fmt.Errorf("pixmap %dx%d carries %d bytes, want %d", w, h, len(p.ARGB), 4*w*h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		a, r, g, b := p.ARGB[4*i], p.ARGB[4*i+1], p.ARGB[4*i+2], p.ARGB[4*i+3]
		img.SetNRGBA(i%w, i/w, color.NRGBA{r, g, b, a})
	}
	return img, nil
}

// Props reads the item's properties with GetAll.
func (it *Item) Props(ctx context.Context) (Props, error) {
	var all map[string]dbus.Variant
	err := it.conn.Object(it.Service, it.Path).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.GetAll", 0, itemInterface).Store(&all)
	if err != nil {
		return Props{}, fmt.Errorf("reading the item's properties: %w", err)
	}
	var p Props
	str := func(name string, dst *string) {
		if v, ok := all[name]; ok {
			v.Store(dst)
		}
	}
	str("Id", &p.ID)
	str("Title", &p.Title)
	str("Status", &p.Status)
	if v, ok := all["Menu"]; ok {
		if err := v.Store(&p.Menu); err != nil {
			return p, fmt.Errorf("Menu %v: %w", v, err)
		}
	}
	if v, ok := all["ToolTip"]; ok {
		if err := v.Store(&p.ToolTip); err != nil {
			return p, fmt.Errorf("ToolTip %v (signature %s): %w", v, v.Signature(), err)
		}
	}
	if v, ok := all["IconPixmap"]; ok {
		if err := v.Store(&p.IconPixmap); err != nil {
			return p, fmt.Errorf("IconPixmap (signature %s): %w", v.Signature(), err)
		}
	}
	return p, nil
}

// WaitProps polls the item's properties until ok accepts them.
func (it *Item) WaitProps(ctx context.Context, ok func(Props) bool) (Props, error) {
	for {
		p, err := it.Props(ctx)
		if err == nil && ok(p) {
			return p, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
			return p, fmt.Errorf("waiting for the item's properties (last: title %q, tooltip %q): %w", p.Title, p.ToolTip.Title, err)
		case <-time.After(poll):
		}
	}
}

// menuPath is where the item's dbusmenu lives.
func (it *Item) menuPath(ctx context.Context) (dbus.ObjectPath, error) {
	p, err := it.Props(ctx)
	if err != nil {
		return "", err
	}
	if p.Menu == "" {
		return "", fmt.Errorf("the item has no Menu")
	}
	return p.Menu, nil
}
