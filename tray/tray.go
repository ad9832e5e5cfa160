package tray

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/icons"
)

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
	// Version is Quiver's version, for the log.
	Version string
}

// Run shows the tray, without a window, and runs the app's background work
// until the user quits or ctx ends. Call it on the main goroutine.
func Run(ctx context.Context, a *app.App, log *slog.Logger) error {
	return RunWith(ctx, a, log, Options{})
}

// RunWith shows the tray and runs the app's background work (a.Run) until
// the user quits or ctx ends; then it stops that work and waits for it, so
// the proxy's port is free and no file is left half-written when it
// returns. Call it on the main goroutine (macOS runs the tray's event loop
// there), once per process.
//
// The tray needs no display: on Linux it is a StatusNotifierItem on the
// session bus, and nothing in this process draws a window. Without a tray
// host it logs what to install, opens the window (Options.OpenWindow) and
// keeps running.
func RunWith(ctx context.Context, a *app.App, log *slog.Logger, o Options) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.IconSize <= 0 {
		o.IconSize = DefaultIconSize
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

	t := &tray{ctx: ctx, app: a, log: log, o: o, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	t.menu = newMenu(ctx, t.click)
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
	background.Go(func() {
		select {
		case <-parent.Done(): // SIGTERM, SIGINT
			t.quit()
		case <-t.stop: // the user quit
		}
	})
	setUp := func() {
		systray.SetTitle("Quiver")
		t.apply(t.prepare(first))
	}
	started := func() {
		log.Info("tray started", "tray_host", !noHost, "version", o.Version)
		background.Go(func() { t.follow(ctx, states, first) })
		background.Go(func() { t.serveWindowRequests(ctx) })
		if noHost {
			t.goAction(t.openWindow) // something to click without a tray icon
		}
	}
	if o.OpenWindow != nil {
		// A left click on the icon opens the window (where the host tells
		// left from right; the menu stays on the right button). Set before
		// the item is exported: it decides the item's ItemIsMenu.
		systray.SetOnTapped(func() { t.goAction(t.openWindow) })
	}
	// shutdown stops the background work and waits for it, while the
	// tray is still up: on Linux the tray's D-Bus connection is the
	// process's shared one, which the keyring may still need meanwhile.
	shutdown := func() {
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
	}
	if sessionBusAddress() {
		runSystray(setUp, started, t.stop, shutdown)
	} else {
		// No session bus, so no tray (CheckTrayHost said so); systray
		// would only fail to connect. The proxy and the window still work.
		started()
		<-t.stop
		shutdown()
	}
	return nil
}

// tray is the systray adapter: it shows what prepare computes and runs the
// clicks.
type tray struct {
	ctx  context.Context // ends when the app quits; clicks' actions run under it
	app  *app.App
	log  *slog.Logger
	o    Options
	menu *menu // the menu as the tray host sees it

	icons    icons.Cache    // the last badge drawn
	kick     chan struct{}  // the view changed: prepare again (capacity 1)
	actions  sync.WaitGroup // clicks' goroutines
	stop     chan struct{}  // closed by quit
	stopOnce sync.Once

	mu   sync.Mutex // guards view
	view View       // what the menu shows besides the State (Now is set by prepare)

	tooltip string // the tooltip shown; apply's goroutine only
}

// rendering is what the tray should show for one State.
type rendering struct {
	items       []Item
	tooltip     string
	icon        []byte
	iconChanged bool
	next        time.Time // when the clock alone changes what is shown
}

// prepare computes the menu, tooltip and icon for st. Calls run in order
// (RunWith, then follow): the icon cache says whether the picture changed
// since the previous call.
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
		t.apply(r)
	}
}

// apply shows r, touching only what changed: menu items are updated in
// place (see menu.show), the icon is sent only when its pixels differ, the
// tooltip only when its text does. RunWith calls it once before the tray
// starts, then follow's goroutine alone.
func (t *tray) apply(r rendering) {
	t.menu.show(r.items)
	if r.iconChanged {
		systray.SetIcon(r.icon)
	}
	if r.tooltip != t.tooltip {
		systray.SetTooltip(r.tooltip)
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

// openWindow opens Quiver's window or raises it.
func (t *tray) openWindow() {
	if t.o.OpenWindow == nil {
		t.log.Info("no window in this build: use the tray menu or the CLI")
		return
	}
	t.o.OpenWindow()
}

// serveWindowRequests opens the window when the app asks (`quiver open`,
// a second launch, a first run).
func (t *tray) serveWindowRequests(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.app.WindowRequests():
			t.openWindow()
		}
	}
}

// goAction runs fn on its own goroutine (a click never holds up the next
// one), and RunWith waits for it before returning. Once the app is
// quitting, fn does not run.
func (t *tray) goAction(fn func()) {
	if t.ctx.Err() != nil {
		return
	}
	t.actions.Go(fn)
}

// quit ends the tray's loop; RunWith then stops the background work.
func (t *tray) quit() {
	t.stopOnce.Do(func() { close(t.stop) })
}
