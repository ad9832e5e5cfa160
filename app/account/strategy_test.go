package account

import (
	"testing"
	"time"
)

func TestChoose(t *testing.T) {
	t.Parallel()
	now := time.Now()
	used := func(id string, pct float64) Account {
		return Account{ID: id, Usage: &Usage{Windows: []Window{{Kind: "5h", UsedPercent: pct, ResetAt: now.Add(time.Hour)}}}}
	}
	pool := []Account{used("a", 50), used("b", 10), used("c", 10)}
	tests := []struct {
		strategy Strategy
		active   string
		turn     uint64
		want     string
	}{
		{FillFirst, "c", 7, "a"},
		{Sticky, "c", 0, "c"},
		{Sticky, "gone", 0, "a"}, // the active one is not usable: pool order
		{LeastUsed, "", 0, "b"},  // ties keep pool order
		{RoundRobin, "", 0, "a"},
		{RoundRobin, "", 1, "b"},
		{RoundRobin, "", 5, "c"},
	}
	for _, tt := range tests {
		got, ok := Choose(tt.strategy, pool, tt.active, tt.turn, now)
		if !ok || got.ID != tt.want {
			t.Errorf("Choose(%s, active %q, turn %d) = %q, want %q", tt.strategy, tt.active, tt.turn, got.ID, tt.want)
		}
	}
	if _, ok := Choose(LeastUsed, nil, "", 0, now); ok {
		t.Error("Choose on an empty pool succeeded")
	}
}

func TestRecordUsageCooldowns(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	r, _ := e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour)))
	id := r.Account.ID
	reset := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)

	full := Usage{FetchedAt: time.Now(), Windows: []Window{{Kind: "5h", UsedPercent: 100, ResetAt: reset}, {Kind: "weekly", UsedPercent: 40}}}
	if err := e.store.RecordUsage(ctx, id, full); err != nil {
		t.Fatal(err)
	}
	a, _ := e.store.Resolve(id)
	if !a.CooldownUntil.Equal(reset) || a.Usable(time.Now()) {
		t.Fatalf("a full window did not cool the account down until its reset: %v", a.CooldownUntil)
	}
	// The cooldown survives a restart.
	if a2, _ := e.open().Resolve(id); !a2.CooldownUntil.Equal(reset) {
		t.Fatal("cooldown lost on restart")
	}
	// Fresh figures with room end it early.
	room := Usage{FetchedAt: time.Now(), Windows: []Window{{Kind: "5h", UsedPercent: 3, ResetAt: reset}}}
	if err := e.store.RecordUsage(ctx, id, room); err != nil {
		t.Fatal(err)
	}
	hist, err := e.store.History(id)
	if a, _ = e.store.Resolve(id); !a.Usable(time.Now()) || err != nil || len(hist) != 1 {
		t.Fatalf("cooldown not ended by fresh usage (until %v, %d samples, %v)", a.CooldownUntil, len(hist), err)
	}
	if err := e.store.SetCooldown(ctx, id, reset); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ClearCooldown(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if a, _ = e.store.Resolve(id); !a.Usable(time.Now()) {
		t.Fatal("ClearCooldown left the account cooling down")
	}
}
