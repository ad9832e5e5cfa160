package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/notify"
	"github.com/quiver-app/quiver/app/secret"
	"github.com/quiver-app/quiver/icons"
	"github.com/quiver-app/quiver/watcher"
)

// Options configure New.
type Options struct {
	Paths   Paths
	Logger  *slog.Logger
	Secrets secret.Store // nil: secret.Open with the environment's options
	// Notifier sends native notifications; nil: beeep with the app icon.
	Notifier notify.Sender
	// Build describes this binary (version, commit, date), for the About.
	Build BuildInfo
	Now   func() time.Time
}

// App is one running Quiver: the account store and the settings, and the
// background work that keeps them current.
type App struct {
	paths   Paths
	log     *slog.Logger
	secrets secret.Store
	store   *account.Store
	now     func() time.Time
	refresh *account.Refresher
	sender  notify.Sender
	build   BuildInfo

	settingsMu sync.Mutex // serializes UpdateSettings

	mu       sync.Mutex // guards the fields below
	settings Settings
	authErr  error         // why the current auth.json could not be imported, if it could not
	rules    *notify.Rules // the notifier, while it runs
	proxy    ProxyStatus
	subs     map[int]chan State
	nextSub  int
	// proxyOverride is where `quiver proxy` serves the proxy whatever the
	// settings say; "" follows the settings.
	proxyOverride string

	proxyKick chan struct{} // restarts the proxy with the current settings
	windowReq chan struct{} // asks the GUI to show its window

	runCtx   context.Context // Run's context, for the window process
	winCmd   *exec.Cmd       // the window process, while it runs
	winReady bool            // it said WindowReady: it handles RaiseSignals
}

// New opens the secret store and the accounts.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := CheckUpstreamEnv(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Paths.ConfigDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating config directory: %w", err)
	}
	settings, err := LoadSettings(o.Paths.SettingsFile(), o.Now())
	if err != nil {
		o.Logger.Error("loading settings", "err", err)
	}
	secrets := o.Secrets
	if secrets == nil {
		so := secret.OptionsFromEnv(o.Paths.ConfigDir)
		so.Logger = o.Logger
		if secrets, err = secret.Open(ctx, so); err != nil {
			return nil, fmt.Errorf("opening secret storage: %w", err)
		}
	}
	store, err := account.Open(ctx, account.Options{
		Dir:       o.Paths.ConfigDir,
		CodexHome: o.Paths.CodexHome,
		Secrets:   secrets,
		Logger:    o.Logger,
		Now:       o.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("opening accounts: %w", err)
	}
	sender := o.Notifier
	if sender == nil {
		sender = notify.Beeep{AppName: "Quiver", Icon: icons.AppIcon()}
	}
	a := &App{
		paths: o.Paths, log: o.Logger, secrets: secrets, store: store, now: o.Now, settings: settings,
		sender: sender, build: o.Build,
		subs: map[int]chan State{}, proxyKick: make(chan struct{}, 1), windowReq: make(chan struct{}, 1),
	}
	a.refresh = account.NewRefresher(store, tokenEndpoint{a}, codex.NeedsLogin)
	return a, nil
}

// Paths returns where the files live.
func (a *App) Paths() Paths { return a.paths }

// Store returns the account store (read access and actions).
func (a *App) Store() *account.Store { return a.store }

// SecretsBackend says where tokens are kept.
func (a *App) SecretsBackend() string { return a.secrets.Describe() }

// Settings returns the current settings.
func (a *App) Settings() Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settings
}

// UpdateSettings changes the settings, saves them and applies them.
func (a *App) UpdateSettings(fn func(*Settings)) (Settings, error) {
	a.settingsMu.Lock() // one writer at a time; a.mu is not held across I/O
	defer a.settingsMu.Unlock()
	s := a.Settings()
	fn(&s)
	if err := SaveSettings(a.paths.SettingsFile(), s); err != nil {
		return a.Settings(), fmt.Errorf("saving settings: %w", err)
	}
	a.applySettings(s)
	return s, nil
}

// BuildInfo describes the binary: set by main from -ldflags or the Go
// build information.
type BuildInfo struct {
	Version, Commit, Date string
}

// Build returns the binary's version, commit and build date.
func (a *App) Build() BuildInfo { return a.build }

// OAuth is the sign-in configuration: QUIVER_AUTH_ISSUER, else the
// auth_issuer setting, else auth.openai.com. It is read at each use, so a
// changed setting applies without a restart.
func (a *App) OAuth() codex.OAuthConfig {
	c := codex.DefaultOAuthConfig()
	if issuer := a.Settings().AuthIssuer; issuer != "" && os.Getenv(codex.AuthIssuerEnv) == "" {
		c.Issuer = issuer
	}
	return c
}

// tokenEndpoint refreshes through the current OAuth configuration.
type tokenEndpoint struct{ a *App }

func (t tokenEndpoint) Refresh(ctx context.Context, refreshToken string) (codex.Tokens, error) {
	return t.a.OAuth().Refresh(ctx, refreshToken)
}

// AuthFileProblem says why auth.json could not be imported the last time
// this process looked, or nil.
func (a *App) AuthFileProblem() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.authErr
}

func (a *App) setAuthProblem(err error) {
	a.mu.Lock()
	a.authErr = err
	a.mu.Unlock()
}

// ImportCodexLogin imports the login in auth.json, if there is one. A
// missing file is not an error; a file that is not a usable ChatGPT login is
// reported (log, AuthFileProblem) and changes nothing.
func (a *App) ImportCodexLogin(ctx context.Context) (account.ImportResult, error) {
	if data, err := os.ReadFile(a.paths.AuthFile()); err == nil && a.removedLogin(data) {
		a.setAuthProblem(nil)
		return account.ImportResult{}, nil
	}
	res, err := a.store.ImportAuthFile(ctx, a.paths.AuthFile())
	if errors.Is(err, os.ErrNotExist) {
		a.setAuthProblem(nil)
		return res, nil
	}
	if err != nil {
		a.setAuthProblem(err)
		a.log.Warn("auth.json not imported", "path", a.paths.AuthFile(), "err", err)
		return res, err
	}
	a.setAuthProblem(nil)
	return res, nil
}

// CheckAuthFile reads auth.json and says whether it holds a usable login,
// for `quiver status` (nil when it does or when there is none).
func (a *App) CheckAuthFile() error {
	af, err := codex.ReadAuthFile(a.paths.AuthFile())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = af.Login()
	return err
}

// revokedReason explains a login the Codex CLI revoked.
const revokedReason = "signed out by `codex login`/`codex logout` — sign in again from Quiver"

// Run does the background work until ctx ends: it imports the current
// Codex login and follows auth.json (new logins imported, refreshed tokens
// adopted) and accounts.json (changes by other Quiver processes).
func (a *App) Run(ctx context.Context) error {
	a.ImportCodexLogin(ctx)
	a.mu.Lock()
	a.runCtx = ctx
	a.mu.Unlock()
	defer a.stopWindowProcess()
	return runAll(ctx, a.watchAuthFile, a.watchAccountsFile, a.watchSettingsFile, a.refresh.Run,
		a.runProxy, a.pollUsage, a.runNotifications, a.forwardAccounts, a.autoSwitch)
}

// Follow keeps this App's view current while another process (the tray
// app or `quiver --headless`) does the background work: it follows
// accounts.json and settings.json and checks whether the proxy answers. The
// window process runs it.
func (a *App) Follow(ctx context.Context) error {
	return runAll(ctx, a.watchAccountsFile, a.watchSettingsFile, a.forwardAccounts, a.probeProxy)
}

// runAll runs workers until ctx ends or one fails; the first error wins.
func runAll(ctx context.Context, workers ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(workers))
	for _, w := range workers {
		go func() { errs <- w(ctx) }()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// acceptAuthFile tells the watcher whether auth.json's content is complete:
// a file caught mid-write is re-read after the debounce, never imported half.
func acceptAuthFile(data []byte) error {
	af, err := codex.ParseAuthFile(data)
	if err != nil {
		return err
	}
	_, err = af.Login()
	return err
}

func (a *App) watchAuthFile(ctx context.Context) error {
	return a.watchFile(ctx, watcher.Options{Path: a.paths.AuthFile(), Accept: acceptAuthFile},
		func(ev watcher.Event) { a.handleAuthEvent(ctx, ev) })
}

// watchFile hands every settled change of one file to handle until ctx
// ends; the watcher's own failure ends it with an error naming the file.
func (a *App) watchFile(ctx context.Context, o watcher.Options, handle func(watcher.Event)) error {
	o.Logger = a.log
	events := make(chan watcher.Event)
	errc := make(chan error, 1)
	go func() { errc <- watcher.Run(ctx, o, events) }()
	for {
		select {
		case err := <-errc:
			if err != nil {
				return fmt.Errorf("watching %s: %w", filepath.Base(o.Path), err)
			}
			return nil
		case ev := <-events:
			handle(ev)
		}
	}
}

func (a *App) handleAuthEvent(ctx context.Context, ev watcher.Event) {
	if ev.Err != nil {
		a.setAuthProblem(ev.Err)
		a.log.Warn("auth.json changed but is not a usable ChatGPT login; nothing imported", "err", ev.Err)
		return
	}
	var data []byte
	if !ev.Removed {
		data = ev.Data
	}
	if data != nil && a.removedLogin(data) {
		a.setAuthProblem(nil)
		return
	}
	res, err := a.store.ApplyAuthFile(ctx, data)
	if err != nil {
		a.setAuthProblem(err)
		a.log.Warn("auth.json changed but could not be imported", "err", err)
		return
	}
	a.setAuthProblem(nil)
	if res.PreviousActive != "" {
		// Newer Codex CLIs revoke the tokens they held when the user runs
		// `codex login` again or `codex logout`: check that account now.
		a.log.Info("auth.json no longer holds account; checking its login", "id", res.PreviousActive, "removed", res.Removed)
		go func() {
			if err := a.refresh.CheckLogin(ctx, res.PreviousActive, revokedReason); err != nil {
				a.log.Warn("checking the login replaced in auth.json", "id", res.PreviousActive, "err", err)
			}
		}()
	}
}

// acceptSettings tells the watcher whether settings.json's content is
// complete: an editor's half-written file is read again after the
// debounce, never applied, never moved aside.
func acceptSettings(data []byte) error {
	_, err := ParseSettings(data)
	return err
}

// watchSettingsFile applies settings another Quiver process (the window
// process, a second CLI call) or the user's editor saved: the proxy
// restarts when its settings or key changed, subscribers get the new State.
// Content that stays invalid is reported and the current settings are kept;
// the file is left as it is for the user to fix.
func (a *App) watchSettingsFile(ctx context.Context) error {
	return a.watchFile(ctx, watcher.Options{Path: a.paths.SettingsFile(), Accept: acceptSettings}, func(ev watcher.Event) {
		if ev.Removed {
			return
		}
		if ev.Err != nil {
			a.log.Warn("settings.json changed but is not valid; kept the current settings (the file is left as it is)", "err", ev.Err)
			return
		}
		s, err := ParseSettings(ev.Data)
		if err != nil {
			a.log.Warn("settings.json changed but is not valid; kept the current settings", "err", err)
			return
		}
		a.applySettings(s)
	})
}

// applySettings takes settings as the current ones (already saved).
func (a *App) applySettings(s Settings) {
	a.mu.Lock()
	old := a.settings
	a.settings = s
	a.mu.Unlock()
	if settingsEqual(old, s) {
		return
	}
	go a.publish()
	if old.ProxyListen != s.ProxyListen || old.ChatGPTBaseURL != s.ChatGPTBaseURL ||
		old.ProxyEnabled != s.ProxyEnabled || !old.ProxyKeyChangedAt.Equal(s.ProxyKeyChangedAt) {
		a.kickProxy() // the proxy was started with the old ones
	}
}

func (a *App) watchAccountsFile(ctx context.Context) error {
	return a.watchFile(ctx, watcher.Options{Path: a.paths.AccountsFile()}, func(watcher.Event) {
		if err := a.store.Reload(ctx); err != nil {
			a.log.Warn("reloading accounts changed by another Quiver process", "err", err)
		}
	})
}
