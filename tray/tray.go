package tray

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/systray"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/icons"
)

// AppID is Quiver's application id (FyneApp.toml).
const AppID = "io.github.quiver_app.quiver"

// DefaultIconSize is the size the badge is drawn at. fyne.io/systray hands
// the tray host a single pixmap, which the host scales to its panel: 32 px
// is exact at 32 and halves cleanly to 16.
const DefaultIconSize = 32

// stopTimeout bounds the wait, after Quit, for the background work (proxy,
// watchers) and clicks under way to finish.
const stopTimeout = 10 * time.Second

// Options configure RunWith.
type Options struct {
	// OpenWindow opens Quiver's window, or raises it when it is already
	// open (the window is a process of its own). The tray calls it, off
	// the menu loop, when the window is wanted: "Open Quiver…", a left
	// click on the icon, `quiver open` (app.WindowRequests), or no tray
	// host at start. Nil: there is no window and "Open Quiver…" is left
	// out.
	OpenWindow func()
	// IconSize is the badge's size in pixels; 0 means DefaultIconSize.
	IconSize int
	// Version is shown in Fyne's metadata ("About"); "" means "0.1.0".
	Version string
}

// Run shows the tray, without a window, and runs the app's background work
// until the user quits or ctx ends. It must be called on the main goroutine.
func Run(ctx context.Context, a *app.App, log *slog.Logger) error {
	return RunWith(ctx, a, log, Options{})
}

// RunWith shows the tray and runs the app's background work (a.Run) until
// the user quits or ctx ends; then it stops that work and waits for it, so
// the proxy's port is free and no file is left half-written when it
// returns. It must be called on the main goroutine (Fyne's rule), once per
// process.
func RunWith(ctx context.Context, a *app.App, log *slog.Logger, o Options) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.IconSize <= 0 {
		o.IconSize = DefaultIconSize
	}
	version := o.Version
	if version == "" {
		version = "0.1.0"
	}
	// The same metadata FyneApp.toml gives a `fyne package` build, so a
	// plain `go build` behaves alike (title, id, fyne.Do rules).
	fyneapp.SetMetadata(fyne.AppMetadata{
		ID: AppID, Name: "Quiver", Version: version, Build: 1,
		Icon:       fyne.NewStaticResource("quiver.png", icons.AppIcon()),
		Migrations: map[string]bool{"fyneDo": true},
	})
	fa := fyneapp.NewWithID(AppID)
	desk, ok := fa.(desktop.App)
	if !ok {
		return errors.New("this platform has no system tray; run `quiver --headless`")
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	noHost := false
	if err := CheckTrayHost(ctx); errors.Is(err, ErrNoTrayHost) {
		noHost = true
		log.Warn(ErrNoTrayHost.Error()+": "+NoTrayHostAdvice, "reason", err.Error())
	} else if err != nil {
		log.Warn("could not tell whether a system tray is there", "err", err)
	}

	t := &tray{ctx: ctx, app: a, fa: fa, desk: desk, log: log, o: o, kick: make(chan struct{}, 1)}
	var background sync.WaitGroup
	background.Go(func() {
		if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("background work stopped", "err", err)
		}
	})
	t.goAction(t.readAutostart)

	states, unsubscribe := a.Subscribe()
	defer unsubscribe()
	first := <-states
	t.apply(t.prepare(first)) // the tray menu is set before Run
	background.Go(func() { t.follow(ctx, states, first) })

	fa.Lifecycle().SetOnStarted(func() {
		log.Info("tray started", "tray_host", !noHost)
		if o.OpenWindow != nil {
			// A left click on the icon opens the window (where the host
			// tells left from right; the menu stays on the right button).
			systray.SetOnTapped(func() { fyne.Do(t.showWindow) })
		}
		if noHost {
			t.showWindow() // something to click without a tray icon
		}
		background.Go(func() { t.serveWindowRequests(ctx) })
	})
	stopped := make(chan struct{})
	background.Go(func() {
		select {
		case <-parent.Done(): // SIGTERM, SIGINT
			quitGently(fa)
		case <-stopped: // the user quit
		}
	})
	fa.Run()
	close(stopped)
	log.Info("quitting: stopping the proxy and the watchers")
	cancel()
	done := make(chan struct{})
	go func() {
		background.Wait()
		t.actions.Wait()
		close(done)
	}()
	select {
	case <-done:
		log.Info("quiver stopped")
	case <-time.After(stopTimeout):
		log.Warn("quitting without waiting longer for background work", "waited", stopTimeout.String())
	}
	return nil
}

// quitGently ends the app's run loop without closing its windows first.
// fyne v2.7's App.Quit closes every window, and a mouse event that reaches a
// closing window in the same poll makes the GLFW driver dereference a nil
// viewport (seen under Xvfb when SIGTERM arrives while the pointer is over
// the window). The driver's own Quit only stops the loop; the windows go
// with the process.
func quitGently(fa fyne.App) {
	fyne.Do(fa.Driver().Quit)
}

// tray is the Fyne adapter: it shows what prepare computes and runs the
// clicks.
type tray struct {
	ctx  context.Context // ends when the app quits; clicks' actions run under it
	app  *app.App
	fa   fyne.App
	desk desktop.App
	log  *slog.Logger
	o    Options

	icons   icons.Cache    // the last badge drawn
	kick    chan struct{}  // the view changed: prepare again (capacity 1)
	actions sync.WaitGroup // clicks' goroutines

	mu   sync.Mutex // guards view
	view View       // what the menu shows besides the State (Now is set by prepare)

	// Used on the UI goroutine only.
	menu    *fyne.Menu // the tray's menu, the same one throughout
	shown   []Item     // the items it shows
	tooltip string
}

// rendering is what the tray should show for one State.
type rendering struct {
	items       []Item
	tooltip     string
	icon        []byte
	iconChanged bool
	next        time.Time // when the clock alone changes what is shown
}

// prepare computes the menu, tooltip and icon for st. It runs off the UI
// goroutine (the badge may be drawn here) and in order: the icon cache
// says whether the picture changed since the previous call.
func (t *tray) prepare(st app.State) rendering {
	now := time.Now()
	t.mu.Lock()
	v := t.view
	t.mu.Unlock()
	v.Now = now
	v.Window = t.o.OpenWindow != nil
	icon, changed := t.icons.PNG(BadgeFor(st, now), t.o.IconSize)
	if changed {
		var err error
		if icon, err = hardEdges(icon); err != nil {
			t.log.Error("drawing the tray icon", "err", err)
			changed = false
		}
	}
	return rendering{
		items:       BuildMenu(st, v),
		tooltip:     Tooltip(st, now),
		icon:        icon,
		iconChanged: changed,
		next:        nextChange(st.Accounts.Accounts, now),
	}
}

// follow renders every new State, view change and clock change until ctx
// ends.
func (t *tray) follow(ctx context.Context, states <-chan app.State, st app.State) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	r := t.prepare(st) // the icon cache already holds it: iconChanged is false
	for {
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		if !r.next.IsZero() {
			timer.Reset(time.Until(r.next) + time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case st = <-states:
		case <-t.kick:
		case <-timer.C:
		}
		r = t.prepare(st)
		show := r // r changes on the next turn; the queued apply keeps this one
		fyne.Do(func() { t.apply(show) })
	}
}

// apply shows r, touching only what changed: the menu is rebuilt only when
// an item differs (no flicker, nothing left behind: Fyne's systray removes
// the old items), the icon only when its pixels differ. UI goroutine.
func (t *tray) apply(r rendering) {
	if !slices.Equal(r.items, t.shown) {
		// Always the same *fyne.Menu: Fyne shows the menu it was first
		// given once the tray host connects, so that one must be current.
		if t.menu == nil {
			t.menu = fyne.NewMenu("Quiver")
		}
		t.menu.Items = t.fyneItems(r.items)
		t.desk.SetSystemTrayMenu(t.menu)
		t.shown = r.items
	}
	if r.iconChanged {
		t.desk.SetSystemTrayIcon(fyne.NewStaticResource("quiver-tray.png", r.icon))
	}
	if r.tooltip != t.tooltip {
		systray.SetTooltip(r.tooltip) // Fyne has no tooltip API
		t.tooltip = r.tooltip
	}
}

// refresh asks follow to prepare the menu again (the view changed).
func (t *tray) refresh() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// updateView changes the view under the lock and re-renders.
func (t *tray) updateView(fn func(*View)) {
	t.mu.Lock()
	fn(&t.view)
	t.mu.Unlock()
	t.refresh()
}

// fyneItems turns the model into Fyne menu items. UI goroutine.
func (t *tray) fyneItems(items []Item) []*fyne.MenuItem {
	out := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			out = append(out, fyne.NewMenuItemSeparator())
			continue
		}
		var action func()
		if it.Action != ActionNone && !it.Disabled {
			action = func() { t.click(it) }
		}
		mi := fyne.NewMenuItem(it.Label, action)
		mi.Checked = it.Checked
		mi.Disabled = it.Disabled
		mi.IsQuit = it.Action == ActionQuit
		out = append(out, mi)
	}
	return out
}

// showWindow creates the window on first use and raises it. UI goroutine.
func (t *tray) showWindow() {
	if t.o.OpenWindow == nil {
		t.log.Info("no window in this build: use the tray menu or the CLI")
		return
	}
	t.o.OpenWindow()
}

// serveWindowRequests shows the window when the app asks (`quiver open`,
// a second launch, a first run).
func (t *tray) serveWindowRequests(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.app.WindowRequests():
			fyne.Do(t.showWindow)
		}
	}
}

// goAction runs fn on its own goroutine (clicks never block the UI), and
// RunWith waits for it before returning.
func (t *tray) goAction(fn func()) {
	t.actions.Go(fn)
}
