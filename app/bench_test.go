package app

import (
	"context"
	"fmt"
	"github.com/quiver-app/quiver/app/secret/secrettest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// BenchmarkAuthFileToList measures how long a new `codex login` takes to
// show up: auth.json is replaced (write-temp-then-rename, as the Codex CLI
// does) and the clock stops when the account is in the store's snapshot,
// which is what `quiver list`, the tray and the window read. It reports the
// median and the maximum over 50 changes per run.
func BenchmarkAuthFileToList(b *testing.B) {
	root := b.TempDir()
	a, err := New(context.Background(), Options{
		Paths:   Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
		Secrets: secrettest.NewMemory(), Notifier: &recordingSender{},
	})
	if err != nil {
		b.Fatal(err)
	}
	a.UpdateSettings(func(s *Settings) { s.ProxyEnabled = false })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	snaps, unsubscribe := a.store.Subscribe()
	defer unsubscribe()
	time.Sleep(200 * time.Millisecond) // let the watcher arm

	var lat []time.Duration
	n := 0
	for b.Loop() {
		for i := 0; i < 50; i++ {
			n++
			id := codextest.Identity{Email: fmt.Sprintf("u%d@example.com", n), AccountID: fmt.Sprintf("ws-%d", n), UserID: fmt.Sprintf("u-%d", n)}
			start := time.Now()
			if _, err := codextest.WriteAuthJSON(a.paths.CodexHome, id, time.Now().Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			for seen := false; !seen; {
				select {
				case s := <-snaps:
					seen = slices.ContainsFunc(s.Accounts, func(x account.Account) bool { return x.ChatGPTAccountID == id.AccountID })
				case <-time.After(10 * time.Second):
					b.Fatal("account never appeared")
				}
			}
			lat = append(lat, time.Since(start))
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
