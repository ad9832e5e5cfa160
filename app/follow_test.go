package app

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/quiver-app/quiver/app/secret/secrettest"
)

// TestWindowProcessFollowsTheTray runs two Apps on the same files, as the
// tray process (Run) and the window process (Follow) do: settings saved by
// either reach the other, and the follower sees the tray's proxy running.
func TestWindowProcessFollowsTheTray(t *testing.T) {
	root := t.TempDir()
	paths := Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")}
	secrets := secrettest.NewMemory()
	open := func() *App {
		a, err := New(context.Background(), Options{Paths: paths, Secrets: secrets, Notifier: &recordingSender{}})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tray := open()
	if _, err := tray.UpdateSettings(func(s *Settings) { s.ProxyListen = freeAddr(t) }); err != nil {
		t.Fatal(err)
	}
	window := open()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { tray.Run(ctx); done <- struct{}{} }()
	go func() { window.Follow(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()

	waitFor(t, func() bool { return window.State().Proxy.Running })

	if _, err := window.UpdateSettings(func(s *Settings) { s.Strategy = StrategyRoundRobin }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return tray.Settings().Strategy == StrategyRoundRobin })

	// Pausing the proxy from the window stops the tray's proxy.
	if err := window.SetProxyEnabled(false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !tray.State().Proxy.Running })
	waitFor(t, func() bool { st := window.State().Proxy; return !st.Running && !st.Enabled })
}
