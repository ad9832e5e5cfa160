package account

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestClearLimit(t *testing.T) {
	t.Parallel()
	now := time.Now()
	full := &Usage{Windows: []Window{{Kind: "5h", UsedPercent: 100, ResetAt: now.Add(2 * time.Hour)}}, FetchedAt: now}
	warn := &Usage{Windows: []Window{{Kind: "5h", UsedPercent: 85, ResetAt: now.Add(2 * time.Hour)}}, FetchedAt: now}
	reached := &Usage{LimitReached: true, FetchedAt: now}
	tests := []struct {
		name        string
		cooldown    time.Time
		usage       *Usage
		wantErr     error
		wantUsage   bool // the figures are kept
		wantStateOK bool
	}{
		{name: "cooldown from a 429, figures below the limit", cooldown: now.Add(time.Hour), usage: warn, wantUsage: true},
		{name: "figures show a full window", cooldown: now.Add(time.Hour), usage: full, wantStateOK: true},
		{name: "full window without a cooldown", usage: full, wantStateOK: true},
		{name: "limit_reached without a cooldown", usage: reached, wantStateOK: true},
		{name: "never limited", usage: warn, wantErr: ErrNotLimited, wantUsage: true},
		{name: "nothing known", wantErr: ErrNotLimited},
		{name: "cooldown already over", cooldown: now.Add(-time.Minute), wantErr: ErrNotLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t)
			r, err := e.store.ImportLogin(ctx, login(t, alice, now.Add(time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			if err := e.store.Update(ctx, r.Account.ID, func(a *Account) error {
				a.CooldownUntil, a.Usage = tt.cooldown, tt.usage
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			acc, err := e.store.ClearLimit(ctx, "alice")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ClearLimit: err = %v, want %v", err, tt.wantErr)
			}
			got, _ := e.store.Resolve("alice")
			if acc.ID != got.ID {
				t.Errorf("ClearLimit returned %+v", acc)
			}
			if st := got.State(now, 80); got.Limited(now) || st == StateLimited {
				t.Errorf("after ClearLimit the account is %s (limited=%v)", st, got.Limited(now))
			}
			if (got.Usage != nil) != tt.wantUsage {
				t.Errorf("usage kept = %v, want %v", got.Usage != nil, tt.wantUsage)
			}
			if tt.wantStateOK && got.State(now, 80) != StateOK {
				t.Errorf("state = %s, want ok", got.State(now, 80))
			}
			// Reopened from disk: the same.
			if again, _ := e.open().Resolve("alice"); again.Limited(now) {
				t.Error("accounts.json still has the account limited")
			}
		})
	}
}
