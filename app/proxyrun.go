package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/secret"
	"github.com/quiver-app/quiver/proxy"
)

// proxyKeyName is the secret-store key of the proxy key.
const proxyKeyName = "proxy-key"

// ProxyKey returns the key clients must present to the proxy, generating
// and storing it (in the keyring) the first time.
func (a *App) ProxyKey(ctx context.Context) (string, error) {
	key, err := a.secrets.Get(ctx, proxyKeyName)
	if err == nil && len(key) > 0 {
		return string(key), nil
	}
	if !errors.Is(err, secret.ErrNotFound) && err != nil {
		return "", fmt.Errorf("reading the proxy key: %w", err)
	}
	return a.newProxyKey(ctx) // the first start: no proxy has another key
}

// ClientUpdate is one client config that RotateProxyKey rewrote (or
// failed to) with the new key.
type ClientUpdate struct {
	Client string // ClientCodex or ClientOpenCode
	Result codex.ConnectResult
	Err    error
}

// KeyRotation is what RotateProxyKey did.
type KeyRotation struct {
	Key     string
	Clients []ClientUpdate // one per client config Quiver had connected
}

// RotateProxyKey replaces the proxy key, then brings everything that uses
// it along: every running proxy (this process's and other Quiver
// processes', through the key marker in settings.json they follow) and
// every client config Quiver connected, rewritten by Connect itself (same
// care, same backups). A client that could not be updated is in Clients
// with its error; the key has changed all the same.
func (a *App) RotateProxyKey(ctx context.Context) (KeyRotation, error) {
	key, err := a.newProxyKey(ctx)
	if err != nil {
		return KeyRotation{}, err
	}
	rot := KeyRotation{Key: key}
	// A running proxy, here or in another process, still checks the old
	// key: the settings change restarts it.
	if _, err := a.UpdateSettings(func(s *Settings) { s.ProxyKeyChangedAt = a.now().UTC() }); err != nil {
		return rot, fmt.Errorf("telling running proxies about the new key: %w", err)
	}
	for _, client := range []string{ClientCodex, ClientOpenCode} {
		connected, err := a.clientConnected(client)
		if err != nil {
			rot.Clients = append(rot.Clients, ClientUpdate{Client: client, Err: err})
			continue
		}
		if !connected {
			continue
		}
		res, err := a.Connect(ctx, client, false)
		rot.Clients = append(rot.Clients, ClientUpdate{Client: client, Result: res, Err: err})
	}
	return rot, nil
}

// RegenerateProxyKey is RotateProxyKey for callers that show only the
// key; client configs it could not update are logged.
func (a *App) RegenerateProxyKey(ctx context.Context) (string, error) {
	rot, err := a.RotateProxyKey(ctx)
	for _, c := range rot.Clients {
		if c.Err != nil {
			a.log.Warn("the new proxy key did not reach a client config", "client", c.Client, "err", c.Err)
		} else {
			a.log.Info("new proxy key written to a client config", "client", c.Client, "path", c.Result.Path)
		}
	}
	return rot.Key, err
}

// clientConnected tells whether Connect has written client's config.
func (a *App) clientConnected(client string) (bool, error) {
	if client == ClientCodex {
		return codex.CodexConnected(a.paths.CodexHome)
	}
	return codex.OpenCodeConnected(codex.DefaultOpenCodeConfigPath())
}

// newProxyKey generates and stores a proxy key.
func (a *App) newProxyKey(ctx context.Context) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating the proxy key: %w", err)
	}
	key := "qvr_" + base64.RawURLEncoding.EncodeToString(b)
	if err := a.secrets.Set(ctx, proxyKeyName, []byte(key)); err != nil {
		return "", fmt.Errorf("storing the proxy key: %w", err)
	}
	return key, nil
}

// ChatGPTBaseURL is the upstream the proxy and the usage poller call:
// QUIVER_CHATGPT_BASE_URL, else the setting, else chatgpt.com.
func (a *App) ChatGPTBaseURL() string {
	if v := os.Getenv(codex.ChatGPTBaseURLEnv); v != "" {
		return v
	}
	if v := a.Settings().ChatGPTBaseURL; v != "" {
		return v
	}
	return codex.DefaultChatGPTBaseURL
}

// NewProxy builds the rotating proxy on listen ("" = the setting).
func (a *App) NewProxy(ctx context.Context, listen string) (*proxy.Server, *Pool, error) {
	if listen == "" {
		listen = a.Settings().ProxyListen
	}
	key, err := a.ProxyKey(ctx)
	if err != nil {
		return nil, nil, err
	}
	pool := NewPool(a)
	pool.OnRotate = a.rotated
	srv, err := proxy.New(proxy.Config{
		Listen: listen, Key: key, Upstream: a.ChatGPTBaseURL(), Picker: pool, Logger: a.log,
		Blocked: blockedRefusal, ModelMap: a.modelMap,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("setting up the proxy: %w", err)
	}
	return srv, pool, nil
}

// ServeProxyOn makes Run serve the proxy on listen whatever the settings
// say about it (`quiver proxy`): on, at that address. Call it before Run.
func (a *App) ServeProxyOn(listen string) {
	a.mu.Lock()
	a.proxyOverride = listen
	a.mu.Unlock()
}

// proxyTarget says whether the proxy should run and where.
func (a *App) proxyTarget() (enabled bool, listen string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proxyOverride != "" {
		return true, a.proxyOverride
	}
	return a.settings.ProxyEnabled, a.settings.ProxyListen
}

// runProxy serves the proxy while it is enabled, restarting it when the
// settings change, until ctx ends. A proxy that cannot start (the port is
// taken) is reported in the State and leaves the rest of the app running.
func (a *App) runProxy(ctx context.Context) error {
	for {
		enabled, listen := a.proxyTarget()
		var stop func()
		if enabled {
			stop = a.startProxy(ctx, listen)
		} else {
			a.setProxyStatus(ProxyStatus{Listen: listen})
		}
		select {
		case <-ctx.Done():
		case <-a.proxyKick:
		}
		if stop != nil {
			stop()
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// startProxy binds listen and serves the proxy there, and returns a
// function that stops it and waits until it has. The State says Running
// only once the port is bound; a bind error is in the State at once.
func (a *App) startProxy(ctx context.Context, listen string) (stop func()) {
	sctx, cancel := context.WithCancel(ctx)
	fail := func(err error) func() {
		cancel()
		a.log.Error("proxy not started", "listen", listen, "err", err)
		a.setProxyStatus(ProxyStatus{Enabled: true, Listen: listen, Err: err.Error()})
		return nil
	}
	srv, _, err := a.NewProxy(sctx, listen)
	if err != nil {
		return fail(err)
	}
	ln, err := srv.Listen(sctx)
	if err != nil {
		return fail(err)
	}
	bound := ln.Addr().String()
	a.setProxyStatus(ProxyStatus{Enabled: true, Listen: bound, Running: true})
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := srv.Serve(sctx, ln)
		if err != nil && sctx.Err() == nil {
			a.log.Error("proxy stopped", "listen", bound, "err", err)
			a.setProxyStatus(ProxyStatus{Enabled: true, Listen: listen, Err: err.Error()})
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

func (a *App) setProxyStatus(p ProxyStatus) {
	a.mu.Lock()
	a.proxy = p
	a.mu.Unlock()
	a.publish()
}

// blockedRefusal tells the proxy which 401/403 answers are not about the
// account's token (a CDN challenge, a block): those spend no refresh.
func blockedRefusal(status int, header http.Header, body []byte) bool {
	return codex.ClassifyRefusal(status, header, body) == codex.Blocked
}
