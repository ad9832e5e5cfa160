package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/autostart"
)

// ProxyStatus is the proxy as the tray and window show it.
type ProxyStatus struct {
	Enabled bool   // the user wants it on (a setting)
	Listen  string // host:port
	Running bool   // it is listening now
	Err     string // why it is not running, when it should be
}

// State is everything the UI shows, at one moment.
type State struct {
	Accounts account.Snapshot
	Proxy    ProxyStatus
	Settings Settings
	// Recommended is the usable account with the most quota left ("" when
	// none is usable).
	Recommended string
}

// State returns the current state.
func (a *App) State() State {
	snap := a.store.Snapshot()
	a.mu.Lock()
	st := State{Accounts: snap, Proxy: a.proxy, Settings: a.settings}
	a.mu.Unlock()
	if r, ok := account.Recommended(snap.Accounts, a.now()); ok {
		st.Recommended = r.ID
	}
	return st
}

// Subscribe returns a channel that receives the State after every change,
// starting with the current one (capacity 1, the newest wins), and a
// function that ends the subscription. Changes are delivered while Run runs.
func (a *App) Subscribe() (<-chan State, func()) {
	ch := make(chan State, 1)
	ch <- a.State()
	a.mu.Lock()
	id := a.nextSub
	a.nextSub++
	a.subs[id] = ch
	a.mu.Unlock()
	return ch, func() {
		a.mu.Lock()
		delete(a.subs, id)
		a.mu.Unlock()
	}
}

// publish hands the current State to every subscriber.
func (a *App) publish() {
	st := a.State()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ch := range a.subs {
		select {
		case <-ch:
		default:
		}
		ch <- st
	}
}

// forwardAccounts publishes a State after every account change.
func (a *App) forwardAccounts(ctx context.Context) error {
	snaps, unsubscribe := a.store.Subscribe()
	defer unsubscribe()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-snaps:
			a.publish()
		}
	}
}

// Switch makes account id the one auth.json holds. A handed-over account
// is refused (ErrHandedOver): its refresh token is OpenCode's now, and the
// Codex CLI spending it would log one of them out.
func (a *App) Switch(ctx context.Context, id string) (account.Account, error) {
	if err := a.refuseHandedOver(id); err != nil {
		return account.Account{}, err
	}
	return a.store.Switch(ctx, id)
}

// SetProxyEnabled pauses or resumes the proxy.
func (a *App) SetProxyEnabled(on bool) error {
	if _, err := a.UpdateSettings(func(s *Settings) { s.ProxyEnabled = on }); err != nil {
		return err
	}
	a.kickProxy()
	return nil
}

// RestartProxy restarts the proxy with the current settings and key.
func (a *App) RestartProxy() { a.kickProxy() }

func (a *App) kickProxy() {
	select {
	case a.proxyKick <- struct{}{}:
	default:
	}
}

// autostartEntry describes this binary as a login item.
func autostartEntry() (autostart.Entry, error) {
	exe, err := os.Executable()
	if err != nil {
		return autostart.Entry{}, fmt.Errorf("finding this program's path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return autostart.Entry{
		Name: "Quiver", ID: "quiver", Label: "io.github.quiver-app.quiver", Exec: exe,
		Comment: "Several ChatGPT accounts for the Codex CLI, from the tray", Icon: "quiver",
	}, nil
}

// Autostart says whether Quiver starts at login.
func (a *App) Autostart() (autostart.State, error) {
	e, err := autostartEntry()
	if err != nil {
		return autostart.State{}, err
	}
	return autostart.Status(e)
}

// SetAutostart turns starting at login on or off. Turning it on from a
// temporary build (`go run`) fails with autostart.ErrTemporaryBinary, which
// points to `make install`.
func (a *App) SetAutostart(on bool) error {
	e, err := autostartEntry()
	if err != nil {
		return err
	}
	if on {
		err = autostart.Enable(e)
	} else {
		err = autostart.Disable(e)
	}
	if err != nil {
		return err
	}
	if _, err := a.UpdateSettings(func(s *Settings) { s.Autostart, s.AutostartAsked = on, true }); err != nil {
		return err
	}
	a.publish()
	return nil
}

// RequestWindow asks the GUI to show (or raise) its window: `quiver open`,
// a second launch, or a first run with no account.
func (a *App) RequestWindow() {
	select {
	case a.windowReq <- struct{}{}:
	default: // one request pending is enough
	}
}

// WindowRequests delivers RequestWindow calls to the GUI.
func (a *App) WindowRequests() <-chan struct{} { return a.windowReq }
