package secrettest

import (
	"context"
	"errors"
	"sync"

	"github.com/quiver-app/quiver/app/secret"
)

// ErrInjected is the error a Faulty store's failing Set returns.
var ErrInjected = errors.New("secrettest: injected keyring failure")

// Faulty wraps a secret.Store whose Set fails or hangs on demand, as a
// locked or overloaded keyring does: FailSets makes the next n Sets fail,
// HangSets makes them block until their context ends (a keyring waiting on
// a password prompt). Get and Delete pass through.
type Faulty struct {
	secret.Store

	mu    sync.Mutex
	fails int // Sets still to fail; < 0: all
	hangs int // Sets still to hang; < 0: all
	sets  int // Sets attempted
}

// NewFaulty wraps inner.
func NewFaulty(inner secret.Store) *Faulty { return &Faulty{Store: inner} }

// FailSets makes the next n Sets fail (n < 0: every one until FailSets(0)).
func (f *Faulty) FailSets(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = n
}

// HangSets makes the next n Sets block until their context ends (n < 0:
// every one until HangSets(0)).
func (f *Faulty) HangSets(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangs = n
}

// SetAttempts counts the Sets tried so far, failed ones included.
func (f *Faulty) SetAttempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sets
}

// Set implements secret.Store.
func (f *Faulty) Set(ctx context.Context, key string, value []byte) error {
	f.mu.Lock()
	f.sets++
	hang, fail := f.hangs != 0, f.fails != 0
	if hang && f.hangs > 0 {
		f.hangs--
	}
	if !hang && fail && f.fails > 0 {
		f.fails--
	}
	f.mu.Unlock()
	switch {
	case hang:
		<-ctx.Done()
		return ctx.Err()
	case fail:
		return ErrInjected
	}
	return f.Store.Set(ctx, key, value)
}
