package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/instance"
)

// One process per user does the background work — follows auth.json,
// accounts.json and settings.json, refreshes tokens, polls limits and
// serves the proxy: the tray app (`quiver`), `quiver --headless` or
// `quiver proxy`. A second one asks the first what it is and says so.

// claim makes this process the one doing the background work. When
// another one does, it returns the error to show, built by running.
func (r *runner) claim(running func(instance.Info, error) error) (*instance.Primary, error) {
	paths, err := r.paths()
	if err != nil {
		return nil, err
	}
	primary, err := instance.Claim(paths.ConfigDir)
	if errors.Is(err, instance.ErrRunning) {
		return nil, running(instance.Ask(paths.ConfigDir))
	}
	return primary, err
}

// proxyPhrase says where a running Quiver's proxy listens.
func proxyPhrase(info instance.Info) string {
	if info.Proxy == "" {
		return "its proxy is off"
	}
	return "its proxy listens on http://" + info.Proxy
}

// infoOf describes this process to a second one.
func infoOf(a *app.App, mode string) func() instance.Info {
	return func() instance.Info {
		info := instance.Info{Mode: mode, PID: os.Getpid()}
		if p := a.State().Proxy; p.Running {
			info.Proxy = p.Listen
		}
		return info
	}
}

// errShown is returned when the running tray app was asked to show its
// window: nothing more to do here.
var errShown = errors.New("shown")

// runGUI starts the tray app, or, when one already runs for this user,
// asks it to show its window and returns. Next to a headless Quiver, or
// with neither a display nor a tray here, it says so and what to run.
func (r *runner) runGUI(ctx context.Context, verbose, showWindow bool) error {
	if r.env.GUI == nil {
		return usagef("this build has no tray; use --headless or a command")
	}
	paths, err := r.paths()
	if err != nil {
		return err
	}
	primary, err := r.claim(func(info instance.Info, err error) error {
		if err == nil && info.Mode != instance.ModeTray {
			return fmt.Errorf("Quiver is already running headless, as %s, and %s; it has no window: stop it, then run `quiver` for the tray", info.Describe(), proxyPhrase(info))
		}
		if err := instance.Send(paths.ConfigDir, instance.CmdShow); err != nil {
			return err
		}
		return errShown
	})
	if errors.Is(err, errShown) {
		fmt.Fprintln(r.env.Stdout, "Quiver is already running: its window is open.")
		return nil
	}
	if err != nil {
		return err
	}
	if app.CheckDisplay() != nil && r.env.NoTrayHost != nil {
		if err := r.env.NoTrayHost(ctx); err != nil {
			primary.Release()
			return errors.New("no display and no system tray here, so no window and no tray icon: " +
				"run `quiver --headless` to keep accounts fresh and serve the proxy, or `quiver help` for the commands")
		}
	}
	a, err := r.open(ctx, verbose)
	if err != nil {
		primary.Release()
		return err
	}
	if showWindow || len(a.Store().Snapshot().Accounts) == 0 || !a.Settings().AutostartAsked {
		// Asked for, or a first run: the window explains how to add an
		// account and asks once about starting at login.
		a.RequestWindow()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go primary.Serve(ctx, instance.Handlers{Show: a.RequestWindow, Info: infoOf(a, instance.ModeTray)})
	return r.env.GUI(ctx, a, r.log)
}

// runHeadless does the background work with no tray until ctx ends.
func (r *runner) runHeadless(ctx context.Context, toStderr bool) error {
	primary, err := r.claim(func(info instance.Info, err error) error {
		if err != nil {
			return errors.New("Quiver is already running for this user (tray or --headless); stop it first")
		}
		return fmt.Errorf("Quiver is already running as %s and %s; stop it first", info.Describe(), proxyPhrase(info))
	})
	if err != nil {
		return err
	}
	a, err := r.open(ctx, toStderr)
	if err != nil {
		primary.Release()
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go primary.Serve(sctx, instance.Handlers{Info: infoOf(a, instance.ModeHeadless)}) // no window to show
	r.log.Info("quiver running headless", "version", r.env.Build.Version, "auth_json", a.Paths().AuthFile())
	err = a.Run(ctx)
	r.log.Info("quiver stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// runProxy serves the proxy in the foreground on listen ("" = the
// setting) and does all the background work --headless does, so that
// the proxy follows accounts.json (a `quiver cooldown clear` elsewhere),
// settings.json (strategy, a new proxy key) and keeps tokens fresh. Next
// to a running Quiver it refuses and says which one serves. It announces
// the proxy once the port is bound.
func runProxy(ctx context.Context, r *runner, listen string) error {
	primary, err := r.claim(func(info instance.Info, err error) error {
		if err != nil {
			return errors.New("Quiver is already running for this user (tray or --headless) and serves the proxy: use that one, or stop it first")
		}
		if info.Proxy == "" {
			return fmt.Errorf("Quiver is already running as %s with its proxy off: turn the proxy on there, or stop it to run `quiver proxy`", info.Describe())
		}
		return fmt.Errorf("Quiver is already running as %s and serves the proxy on http://%s: use that one, or stop it first", info.Describe(), info.Proxy)
	})
	if err != nil {
		return err
	}
	a, err := r.open(ctx, true)
	if err != nil {
		primary.Release()
		return err
	}
	if listen == "" {
		listen = a.Settings().ProxyListen
	}
	a.ServeProxyOn(listen)
	states, unsubscribe := a.Subscribe()
	defer unsubscribe()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go primary.Serve(ctx, instance.Handlers{Info: infoOf(a, instance.ModeProxy)})
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	finish := func(err error) error {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	for {
		select {
		case err := <-done:
			return finish(err)
		case st := <-states:
			switch {
			case st.Proxy.Running:
				fmt.Fprintf(r.env.Stderr, "Quiver proxy on http://%s (Codex CLI: /backend-api/codex, OpenAI-compatible: /v1). Ctrl-C stops it.\n", st.Proxy.Listen)
				return finish(<-done)
			case st.Proxy.Err != "":
				cancel()
				<-done
				return fmt.Errorf("the proxy did not start: %s", st.Proxy.Err)
			}
		}
	}
}
