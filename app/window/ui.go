package window

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app"
)

// uiDeps is what the window is built from; tests pass their own do and now.
type uiDeps struct {
	fa  fyne.App
	app *app.App
	log *slog.Logger
	win fyne.Window
	// do runs a function on the UI goroutine (fyne.Do).
	do  func(func())
	now func() time.Time
}

// ui is the window's content and state. Its fields are touched only on
// the UI goroutine; background work reports back through do.
type ui struct {
	uiDeps
	ctx    context.Context // ends with the window's background work
	cancel context.CancelFunc

	state   app.State
	query   string
	sortKey SortKey
	rows    []Row
	// selected is the account whose details show ("" for none).
	selected string

	search        *widget.Entry
	sortSel       *widget.Select
	list          *widget.List
	refreshAllBtn *widget.Button
	stopBtn       *widget.Button
	progress      *widget.ProgressBar
	progressText  *widget.Label
	progressRow   *fyne.Container
	status        *widget.Label
	details       *details
	welcome       fyne.CanvasObject
	accountsPane  fyne.CanvasObject
	tabs          *container.AppTabs
	settings      *settingsView
	logs          *logView

	queue queue
	// bg counts the goroutines doing work for the window.
	bg sync.WaitGroup
	// refreshOne is what "Refresh all" does per account.
	refreshOne func(ctx context.Context, id string) error
}

func newUI(d uiDeps) *ui {
	u := &ui{uiDeps: d}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.refreshOne = func(ctx context.Context, id string) error {
		_, err := u.app.FetchLimits(ctx, id)
		return err
	}
	u.state = u.app.State()
	return u
}

// content builds the widgets.
func (u *ui) content() fyne.CanvasObject {
	u.status = widget.NewLabel("")
	u.status.Truncation = fyne.TextTruncateEllipsis
	u.details = newDetails(u)
	u.settings = newSettingsView(u)
	u.logs = newLogView(u)
	u.tabs = container.NewAppTabs(
		container.NewTabItem("Accounts", u.accountsTab()),
		container.NewTabItem("Settings", u.settings.root),
		container.NewTabItem("Log", u.logs.root),
	)
	u.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "Log" {
			u.logs.reload()
		}
	}
	u.render()
	return container.NewBorder(nil, u.status, nil, nil, u.tabs)
}

// start follows the app's state until stop.
func (u *ui) start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	prev := u.cancel
	u.ctx, u.cancel = ctx, func() { cancel(); prev() }
	u.settings.loadKey()
	states, unsubscribe := u.app.Subscribe()
	go func() {
		defer unsubscribe()
		tick := time.NewTicker(30 * time.Second) // countdowns move on
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case st := <-states:
				u.do(func() { u.setState(st) })
			case <-tick.C:
				u.do(u.render)
			}
		}
	}()
}

func (u *ui) stop() {
	u.queue.Stop()
	u.cancel()
}

// background runs fn in its own goroutine (I/O never runs on the UI
// goroutine); fn reports back through u.do.
func (u *ui) background(fn func()) {
	u.bg.Add(1)
	go func() {
		defer u.bg.Done()
		fn()
	}()
}

// setState takes a new State and redraws.
func (u *ui) setState(st app.State) {
	u.state = st
	u.render()
	u.settings.show(st)
}

// render redraws the list and details from u.state at now.
func (u *ui) render() {
	u.rows = Rows(u.state, u.query, u.sortKey, u.now())
	if len(u.state.Accounts.Accounts) == 0 {
		u.welcome.Show()
		u.accountsPane.Hide()
	} else {
		u.welcome.Hide()
		u.accountsPane.Show()
	}
	u.list.Refresh()
	if _, ok := u.state.Accounts.Account(u.selected); !ok && len(u.rows) > 0 {
		// Nothing chosen yet: show the active account (or the first).
		u.selected = u.rows[0].ID
		if _, ok := u.state.Accounts.Account(u.state.Accounts.ActiveID); ok {
			u.selected = u.state.Accounts.ActiveID
		}
	}
	u.reselect()
	acc, ok := u.state.Accounts.Account(u.selected)
	if !ok {
		u.selected = ""
	}
	u.details.show(acc, ok)
}

// reselect keeps the list's highlight on the selected account after the
// rows moved.
func (u *ui) reselect() {
	for i, r := range u.rows {
		if r.ID == u.selected {
			u.list.Select(i)
			return
		}
	}
	u.list.UnselectAll()
}

// setStatus shows a one-line message at the bottom of the window.
func (u *ui) setStatus(format string, args ...any) {
	u.status.SetText(fmt.Sprintf(format, args...))
}

// run does fn off the UI goroutine, with "what…" in the status line while
// it runs, then reports: the status says done, or an error dialog says
// why not. then, when not nil, runs on the UI goroutine after success.
func (u *ui) run(what string, fn func(ctx context.Context) error, then func()) {
	u.setStatus("%s…", what)
	u.background(func() {
		err := fn(u.ctx)
		u.do(func() {
			if err != nil {
				u.log.Warn("window action failed", "action", what, "err", err)
				u.setStatus("%s: failed", what)
				u.showError(what, err)
				return
			}
			u.setStatus("%s: done", what)
			if then != nil {
				then()
			}
		})
	})
}

// showError shows err in a dialog titled by what failed.
func (u *ui) showError(what string, err error) {
	msg := widget.NewLabel(err.Error())
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(strings.TrimSuffix(what, "…")+" failed", "Close", container.NewGridWrap(fyne.NewSize(420, 120), msg), u.win)
	d.Show()
}
