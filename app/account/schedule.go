package account

import (
	"context"
	"time"
)

// Schedule runs step at once, after every change to the accounts, and at
// the time step returned last (zero: only on a change), until ctx ends.
// It never polls: between those moments it sleeps. step gets the current
// time and accounts; a step that returns a time already past runs again a
// second later, not in a busy loop.
func (s *Store) Schedule(ctx context.Context, step func(now time.Time, snap Snapshot) (next time.Time)) {
	snaps, unsubscribe := s.Subscribe()
	defer unsubscribe()
	<-snaps // the current one: the timer below makes the first step
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-snaps:
		case <-timer.C:
		}
		next := step(s.opts.Now(), s.Snapshot())
		if ctx.Err() != nil {
			return
		}
		// Since Go 1.23 Reset and Stop need no draining of timer.C.
		if next.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(max(next.Sub(s.opts.Now()), time.Second))
		}
	}
}

// earliest returns the earlier of two times, a zero one counting as none.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
