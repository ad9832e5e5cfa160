package account

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkOpen500 measures loading 500 accounts' metadata (accounts.json
// with usage figures; history lives in its own files) — the start-up cost of a big pool.
func BenchmarkOpen500(b *testing.B) {
	dir := b.TempDir()
	accs := make([]Account, 500)
	now := time.Now().UTC()
	for i := range accs {
		a := Account{
			ID: fmt.Sprintf("%012x", i), Alias: fmt.Sprintf("acct-%d", i), Email: fmt.Sprintf("user%d@example.com", i),
			Plan: "plus", ChatGPTAccountID: fmt.Sprintf("ws-%d", i), ChatGPTUserID: fmt.Sprintf("u-%d", i), Order: i,
			TokenExpiry: now.Add(240 * time.Hour), LastRefresh: now,
			Usage: &Usage{FetchedAt: now, Windows: []Window{{Kind: "5h", Seconds: 18000, UsedPercent: 42, ResetAt: now.Add(time.Hour)}, {Kind: "weekly", Seconds: 604800, UsedPercent: 10, ResetAt: now.Add(72 * time.Hour)}}},
		}
		accs[i] = a
	}
	if err := writeAccountsFile(filepath.Join(dir, fileName), accs); err != nil {
		b.Fatal(err)
	}
	opts := Options{Dir: dir, CodexHome: filepath.Join(dir, "codex"), Secrets: newMemSecrets()}
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.Snapshot().Accounts); n != 500 {
			b.Fatalf("%d accounts", n)
		}
	}
}
