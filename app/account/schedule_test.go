package account

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestScheduleRunsOnChangesAndAtTheAskedTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	seen := make(chan int, 16)
	done := make(chan struct{})
	go func() {
		e.store.Schedule(ctx, func(now time.Time, snap Snapshot) time.Time {
			n := runs.Add(1)
			seen <- len(snap.Accounts)
			if n == 2 {
				return now.Add(time.Second) // then once more by the timer
			}
			return time.Time{} // otherwise only on changes
		})
		close(done)
	}()
	wait := func(what string) int {
		select {
		case n := <-seen:
			return n
		case <-time.After(5 * time.Second):
			t.Fatalf("no step %s", what)
			return 0
		}
	}
	if n := wait("at start"); n != 0 {
		t.Fatalf("first step saw %d accounts", n)
	}
	if _, err := e.store.ImportLogin(ctx, login(t, alice, time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if n := wait("after a change"); n != 1 {
		t.Fatalf("the step after the import saw %d accounts", n)
	}
	wait("at the time the step asked for")
	select {
	case n := <-seen:
		t.Fatalf("an extra step (%d accounts): Schedule polls", n)
	case <-time.After(1500 * time.Millisecond):
	}
	cancel()
	<-done
}
