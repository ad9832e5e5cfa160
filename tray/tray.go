// Package tray is Quiver's system tray: an icon and a menu built from the
// app's state. It renders account Snapshots and calls app methods when the
// user clicks; it does no file or network I/O itself.
package tray

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// AppID is Quiver's application id (FyneApp.toml).
const AppID = "io.github.quiver_app.quiver"

// Run shows the tray and runs the app's background work until the user
// quits or ctx ends.
func Run(ctx context.Context, a *app.App, log *slog.Logger) error {
	fa := fyneapp.NewWithID(AppID)
	desk, ok := fa.(desktop.App)
	if !ok {
		return fmt.Errorf("this platform has no system tray; run `quiver --headless`")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Run(ctx); err != nil {
			log.Error("background work stopped", "err", err)
		}
	}()

	t := &menu{app: a, log: log, desk: desk}
	snaps, unsubscribe := a.Store().Subscribe()
	defer unsubscribe()
	first := <-snaps
	t.render(ctx, first) // the tray menu is set before Run
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-snaps:
				fyne.Do(func() { t.render(ctx, s) })
			}
		}
	}()
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	fa.Lifecycle().SetOnStarted(func() { log.Info("tray started") })
	fa.Run()
	cancel()
	wg.Wait()
	return nil
}

// menu builds the tray menu from snapshots. Its methods run on the UI
// goroutine (or before the app runs).
type menu struct {
	app  *app.App
	log  *slog.Logger
	desk desktop.App
}

func (m *menu) render(ctx context.Context, s account.Snapshot) {
	items := make([]*fyne.MenuItem, 0, len(s.Accounts)+2)
	warn := m.app.Settings().WarnPercent
	now := time.Now()
	for _, acc := range s.Accounts {
		acc := acc
		item := fyne.NewMenuItem(accountLabel(acc, now, warn), func() { m.switchTo(ctx, acc.ID) })
		item.Checked = acc.ID == s.ActiveID
		item.Disabled = acc.NeedsLogin
		items = append(items, item)
	}
	if len(s.Accounts) == 0 {
		none := fyne.NewMenuItem("No accounts yet — run `codex login`", nil)
		none.Disabled = true
		items = append(items, none)
	}
	m.desk.SetSystemTrayMenu(fyne.NewMenu("Quiver", items...))
	systray.SetTooltip(Tooltip(s, now))
}

// switchTo runs the switch off the UI goroutine; the store's snapshot then
// moves the check mark.
func (m *menu) switchTo(ctx context.Context, id string) {
	go func() {
		if _, err := m.app.Store().Switch(ctx, id); err != nil {
			m.log.Error("switching account from the tray", "err", err)
		}
	}()
}

// accountLabel is one menu line: alias and state.
func accountLabel(a account.Account, now time.Time, warn float64) string {
	label := a.Alias
	if a.Email != "" && a.Email != a.Alias {
		label += " — " + a.Email
	}
	if st := a.State(now, warn); st != account.StateOK {
		label += " (" + string(st) + ")"
	}
	return label
}

// Tooltip is the tray's tooltip: "Quiver — work".
func Tooltip(s account.Snapshot, now time.Time) string {
	if a, ok := s.Account(s.ActiveID); ok {
		return "Quiver — " + a.Alias
	}
	if len(s.Accounts) == 0 {
		return "Quiver — no accounts"
	}
	return "Quiver — no active account"
}
