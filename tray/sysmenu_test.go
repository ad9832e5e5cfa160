package tray

import (
	"context"
	"testing"
	"time"
)

// The menu adapter runs here against systray's in-memory menu (no bus
// connection: nothing is exported). A click is what systray does on one:
// a send on the item's ClickedCh. Not parallel: systray's menu is global.

func TestMenuUpdatesInPlace(t *testing.T) {
	clicks := make(chan Item, 1)
	m := newMenu(t.Context(), func(it Item) { clicks <- it })
	alice := Item{Label: "alice · 5h 42%", Action: ActionSwitch, Account: "a", Checked: true}
	bob := Item{Label: "bob · 5h 20%", Action: ActionSwitch, Account: "b"}
	quit := Item{Label: QuitLabel, Action: ActionQuit}
	m.show([]Item{alice, bob, {Separator: true}, quit})
	first := append([]*entry(nil), m.entries...)

	// bob becomes the active account and alice's usage changes: the same
	// systray items, updated.
	alice.Checked, alice.Label, bob.Checked = false, "alice · 5h 50%", true
	m.show([]Item{alice, bob, {Separator: true}, quit})
	for i, e := range m.entries {
		if e != first[i] {
			t.Fatalf("entry %d was replaced, want it updated in place", i)
		}
	}
	if a, b := m.entries[0].mi.Checked(), m.entries[1].mi.Checked(); a || !b {
		t.Errorf("check marks: alice %v, bob %v; want false, true", a, b)
	}
	if got := click(t, m.entries[0], clicks); got != alice {
		t.Errorf("clicking alice ran %+v, want %+v", got, alice)
	}

	// A greyed-out item does nothing when clicked.
	bob.Disabled = true
	m.show([]Item{alice, bob, {Separator: true}, quit})
	if !m.entries[1].mi.Disabled() {
		t.Error("bob is not greyed out")
	}
	if got, ok := tryClick(m.entries[1], clicks); ok {
		t.Errorf("clicking a greyed-out item ran %+v", got)
	}

	// A third account changes the menu's shape: it is built again and
	// the old items no longer act.
	carol := Item{Label: "carol", Action: ActionSwitch, Account: "c"}
	m.show([]Item{alice, bob, carol, {Separator: true}, quit})
	if len(m.entries) != 5 || m.entries[0] == first[0] {
		t.Fatalf("the menu was not rebuilt for a new account: %d entries", len(m.entries))
	}
	if first[0].alive {
		t.Error("an entry of the old menu is still alive")
	}
	if got := click(t, m.entries[4], clicks); got != quit {
		t.Errorf("clicking Quit ran %+v", got)
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		it   Item
		want entryKind
	}{
		{Item{Separator: true}, kindSeparator},
		{Item{Label: "alice", Action: ActionSwitch, Account: "a"}, kindCheck}, // unchecked: still a check box
		{Item{Label: "alice · exported", Account: "a", Disabled: true}, kindCheck},
		{Item{Label: "Start at login", Action: ActionStartAtLogin}, kindCheck},
		{Item{Label: "Pause proxy", Action: ActionPauseProxy}, kindPlain},
		{Item{Label: "Proxy on", Disabled: true}, kindPlain},
	}
	for _, tt := range tests {
		if got := kindOf(tt.it); got != tt.want {
			t.Errorf("kindOf(%q) = %d, want %d", tt.it.Label, got, tt.want)
		}
	}
}

// click clicks e's item and returns the Item the menu acted on.
func click(t *testing.T, e *entry, clicks <-chan Item) Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case e.mi.ClickedCh <- struct{}{}:
	case <-ctx.Done():
		t.Fatal("nobody reads the item's clicks")
	}
	select {
	case it := <-clicks:
		return it
	case <-ctx.Done():
		t.Fatal("the click ran no action")
		return Item{}
	}
}

// tryClick clicks e's item and reports the action it ran, if any, within
// a short wait.
func tryClick(e *entry, clicks <-chan Item) (Item, bool) {
	select {
	case e.mi.ClickedCh <- struct{}{}:
	case <-time.After(10 * time.Second):
		return Item{}, false // nobody reads the clicks: nothing ran
	}
	select {
	case it := <-clicks:
		return it, true
	case <-time.After(200 * time.Millisecond):
		return Item{}, false
	}
}
