package traytest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// MenuItem is one com.canonical.dbusmenu item as GetLayout returns it.
type MenuItem struct {
	ID          int32
	Type        string // "separator", or "" for a standard item
	Label       string
	Enabled     bool
	Visible     bool
	ToggleType  string // "checkmark", "radio" or ""
	ToggleState int32  // 1 checked, 0 unchecked, -1 indeterminate
	Children    []MenuItem
}

// Checked reports whether the item shows a check mark.
func (m MenuItem) Checked() bool { return m.ToggleType != "" && m.ToggleState == 1 }

// Separator reports whether the item is a separator.
func (m MenuItem) Separator() bool { return m.Type == "separator" }

// String is the item as one line, for test failure messages:
// "[x] label (disabled)".
func (m MenuItem) String() string {
	if m.Separator() {
		return "----"
	}
	s := m.Label
	switch {
	case m.Checked():
		s = "[x] " + s
	case m.ToggleType != "":
		s = "[ ] " + s
	}
	if !m.Enabled {
		s += " (disabled)"
	}
	return s
}

// Menu is the top level of an item's menu.
type Menu []MenuItem

// Find returns the first item whose label contains part.
func (m Menu) Find(part string) (MenuItem, bool) {
	for _, it := range m {
		if !it.Separator() && strings.Contains(it.Label, part) {
			return it, true
		}
	}
	return MenuItem{}, false
}

// String lists the items, one a line.
func (m Menu) String() string {
	lines := make([]string, len(m))
	for i, it := range m {
		lines[i] = it.String()
	}
	return strings.Join(lines, "\n")
}

// Layout reads the menu with GetLayout(0, -1, []): the root's children.
// (The first call after a rebuild may return only the top level; Quiver's
// menu has no submenus.)
func (it *Item) Layout(ctx context.Context) (Menu, error) {
	path, err := it.menuPath(ctx)
	if err != nil {
		return nil, err
	}
	var revision uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	err = it.conn.Object(it.Service, path).CallWithContext(ctx, menuInterface+".GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&revision, &root)
	if err != nil {
		return nil, fmt.Errorf("reading the menu layout: %w", err)
	}
	menu := make(Menu, 0, len(root.Children))
	for _, c := range root.Children {
		mi, err := parseItem(c)
		if err != nil {
			return nil, err
		}
		if mi.Visible {
			menu = append(menu, mi)
		}
	}
	return menu, nil
}

// parseItem decodes one (ia{sv}av) child.
func parseItem(v dbus.Variant) (MenuItem, error) {
	fields, ok := v.Value().([]any)
	if !ok || len(fields) != 3 {
		return MenuItem{}, fmt.Errorf("menu item %v is not (ia{sv}av)", v)
	}
	id, ok1 := fields[0].(int32)
	props, ok2 := fields[1].(map[string]dbus.Variant)
	children, ok3 := fields[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return MenuItem{}, fmt.Errorf("menu item %v is not (ia{sv}av)", v)
	}
	mi := MenuItem{ID: id, Enabled: true, Visible: true}
	for name, p := range props {
		switch name {
		case "type":
			mi.Type, _ = p.Value().(string)
		case "label":
			mi.Label, _ = p.Value().(string)
		case "enabled":
			mi.Enabled, _ = p.Value().(bool)
		case "visible":
			mi.Visible, _ = p.Value().(bool)
		case "toggle-type":
			mi.ToggleType, _ = p.Value().(string)
		case "toggle-state":
			mi.ToggleState = toInt32(p.Value())
		}
	}
	for _, c := range children {
		child, err := parseItem(c)
		if err != nil {
			return MenuItem{}, err
		}
		mi.Children = append(mi.Children, child)
	}
	return mi, nil
}

func toInt32(v any) int32 {
	switch n := v.(type) {
	case int32:
		return n
	case int64:
		return int32(n)
	case int16:
		return int32(n)
	case uint32:
		return int32(n)
	case byte:
		return int32(n)
	}
	return 0
}

// WaitLayout polls the menu until ok accepts it, and returns it.
func (it *Item) WaitLayout(ctx context.Context, ok func(Menu) bool) (Menu, error) {
	for {
		m, err := it.Layout(ctx)
		if err == nil && ok(m) {
			return m, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
			return m, fmt.Errorf("waiting for the menu (last seen:\n%s\n): %w", m, err)
		case <-time.After(poll):
		}
	}
}

// Click opens the menu and clicks the first enabled item whose label
// contains part, as a panel does: AboutToShow and "opened" on the root,
// then "clicked" on the item, found in a layout read just before (ids
// change when the menu is rebuilt).
func (it *Item) Click(ctx context.Context, part string) error {
	path, err := it.menuPath(ctx)
	if err != nil {
		return err
	}
	obj := it.conn.Object(it.Service, path)
	var needUpdate bool
	if err := obj.CallWithContext(ctx, menuInterface+".AboutToShow", 0, int32(0)).Store(&needUpdate); err != nil {
		return fmt.Errorf("AboutToShow: %w", err)
	}
	now := uint32(time.Now().Unix())
	if err := obj.CallWithContext(ctx, menuInterface+".Event", 0, int32(0), "opened", dbus.MakeVariant(""), now).Err; err != nil {
		return fmt.Errorf("opening the menu: %w", err)
	}
	m, err := it.Layout(ctx)
	if err != nil {
		return err
	}
	target, ok := m.Find(part)
	if !ok {
		return fmt.Errorf("%w: %q in\n%s", ErrNotFound, part, m)
	}
	if !target.Enabled {
		return fmt.Errorf("menu item %q is disabled", target.Label)
	}
	err = obj.CallWithContext(ctx, menuInterface+".Event", 0, target.ID, "clicked", dbus.MakeVariant(int32(0)), now).Err
	if err != nil {
		return fmt.Errorf("clicking %q: %w", target.Label, err)
	}
	err = obj.CallWithContext(ctx, menuInterface+".Event", 0, int32(0), "closed", dbus.MakeVariant(""), now).Err
	if isGone(err) {
		return nil // the click quit the app: there is no menu left to close
	}
	return err
}

// isGone reports whether err says the item's owner has left the bus.
func isGone(err error) bool {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || de.Name == "org.freedesktop.DBus.Error.NoReply"
	}
	return false
}
