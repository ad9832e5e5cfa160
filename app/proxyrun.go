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

// RegenerateProxyKey replaces the proxy key; clients need the new one.
func (a *App) RegenerateProxyKey(ctx context.Context) (string, error) {
	key, err := a.newProxyKey(ctx)
	if err != nil {
		return "", err
	}
	// A running proxy, here or in another process, still checks the old
	// key: the settings change restarts it.
	if _, err := a.UpdateSettings(func(s *Settings) { s.ProxyKeyChangedAt = a.now().UTC() }); err != nil {
		return key, err
	}
	return key, nil
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

// runProxy serves the proxy while it is enabled, restarting it when the
// settings change, until ctx ends. A proxy that cannot start (the port is
// taken) is reported in the State and leaves the rest of the app running.
func (a *App) runProxy(ctx context.Context) error {
	for {
		st := a.Settings()
		var stop func()
		if st.ProxyEnabled {
			stop = a.startProxy(ctx, st.ProxyListen)
		} else {
			a.setProxyStatus(ProxyStatus{Listen: st.ProxyListen})
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

// startProxy starts the proxy on listen and returns a function that stops
// it and waits until it has.
func (a *App) startProxy(ctx context.Context, listen string) (stop func()) {
	sctx, cancel := context.WithCancel(ctx)
	srv, _, err := a.NewProxy(sctx, listen)
	if err != nil {
		cancel()
		a.log.Error("proxy not started", "err", err)
		a.setProxyStatus(ProxyStatus{Enabled: true, Listen: listen, Err: err.Error()})
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.setProxyStatus(ProxyStatus{Enabled: true, Listen: listen, Running: true})
		err := srv.ListenAndServe(sctx)
		if err != nil && sctx.Err() == nil {
			a.log.Error("proxy stopped", "listen", listen, "err", err)
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
