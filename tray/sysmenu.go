package tray

import (
	"context"
	"sync"

	"fyne.io/systray"
)

// menu shows a []Item as the tray's menu with fyne.io/systray. An item
// that changes is updated in place (label, check mark, greyed out), so
// the tray host sees no flicker and keeps its ids; only when the menu's
// shape changes (an account added or removed, the compact form) is it
// built again. show is called from one goroutine at a time.
type menu struct {
	ctx     context.Context // the clicks' readers stop when it ends
	onClick func(Item)

	entries []*entry // what systray shows, in order

	mu sync.Mutex // guards every entry's item, which the readers read
}

// entry is one line of the menu as systray has it.
type entry struct {
	kind  entryKind
	mi    *systray.MenuItem // nil for a separator
	item  Item              // what it shows; written under menu.mu
	alive bool              // false once the menu was built again; under menu.mu
}

// entryKind is what systray cannot change on an existing item: whether it
// is a separator, and whether it has a check box.
type entryKind int

const (
	kindSeparator entryKind = iota
	kindPlain
	kindCheck
)

func newMenu(ctx context.Context, onClick func(Item)) *menu {
	return &menu{ctx: ctx, onClick: onClick}
}

// kindOf is the systray item it needs. Account lines and "Start at
// login" always have a check box, so a check mark that moves is an update,
// not a new menu.
func kindOf(it Item) entryKind {
	switch {
	case it.Separator:
		return kindSeparator
	case it.Account != "" || it.Action == ActionStartAtLogin || it.Checked:
		return kindCheck
	default:
		return kindPlain
	}
}

// show makes the menu show items.
func (m *menu) show(items []Item) {
	if !m.sameShape(items) {
		m.rebuild(items)
		return
	}
	for i, it := range items {
		e := m.entries[i]
		if e.mi == nil || e.item == it {
			continue
		}
		m.mu.Lock()
		old := e.item
		e.item = it
		m.mu.Unlock()
		if it.Label != old.Label {
			e.mi.SetTitle(it.Label)
		}
		if it.Checked != old.Checked {
			if it.Checked {
				e.mi.Check()
			} else {
				e.mi.Uncheck()
			}
		}
		if it.Disabled != old.Disabled {
			if it.Disabled {
				e.mi.Disable()
			} else {
				e.mi.Enable()
			}
		}
	}
}

// sameShape reports whether items can be shown by updating the entries in
// place.
func (m *menu) sameShape(items []Item) bool {
	if len(items) != len(m.entries) {
		return false
	}
	for i, it := range items {
		if kindOf(it) != m.entries[i].kind {
			return false
		}
	}
	return true
}

// rebuild replaces systray's menu with items. systray closes the old
// items' click channels, which ends their readers.
func (m *menu) rebuild(items []Item) {
	m.mu.Lock()
	for _, e := range m.entries {
		e.alive = false
	}
	m.mu.Unlock()
	if m.entries != nil {
		systray.ResetMenu()
	}
	m.entries = make([]*entry, 0, len(items))
	for _, it := range items {
		e := &entry{kind: kindOf(it), item: it, alive: true}
		switch e.kind {
		case kindSeparator:
			systray.AddSeparator()
		case kindCheck:
			e.mi = systray.AddMenuItemCheckbox(it.Label, "", it.Checked)
		default:
			e.mi = systray.AddMenuItem(it.Label, "")
		}
		if e.mi != nil {
			if it.Disabled {
				e.mi.Disable()
			}
			go m.readClicks(e, e.mi.ClickedCh)
		}
		m.entries = append(m.entries, e)
	}
}

// readClicks runs the entry's item's action on each click until the
// item is removed or the app quits. It must always be ready: systray
// drops a click nobody is waiting for.
func (m *menu) readClicks(e *entry, clicks <-chan struct{}) {
	for {
		select {
		case <-m.ctx.Done():
			return
		case _, ok := <-clicks:
			if !ok {
				return
			}
		}
		m.mu.Lock()
		it, alive := e.item, e.alive
		m.mu.Unlock()
		if alive && it.Action != ActionNone && !it.Disabled {
			m.onClick(it)
		}
	}
}
