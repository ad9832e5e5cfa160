package window

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestQueueRunsAll(t *testing.T) {
	t.Parallel()
	var q queue
	reports := make(chan Progress, 16)
	fail := errors.New("boom")
	q.Start(context.Background(), []string{"a", "b", "c"}, func(_ context.Context, id string) error {
		if id == "b" {
			return fail
		}
		return nil
	}, func(p Progress) { reports <- p })
	var last Progress
	for p := range reports {
		if last = p; p.Finished {
			break
		}
	}
	if last.Done != 3 || last.Failed != 1 || last.Stopped || !errors.Is(last.LastErr, fail) {
		t.Errorf("last = %+v", last)
	}
	if q.Running() {
		t.Error("still running after Finished")
	}
}

func TestQueueStop(t *testing.T) {
	t.Parallel()
	var q queue
	started := make(chan string, 4)
	reports := make(chan Progress, 16)
	work := func(ctx context.Context, id string) error {
		started <- id
		<-ctx.Done() // a request that would not end by itself
		return ctx.Err()
	}
	if !q.Start(context.Background(), []string{"a", "b", "c"}, work, func(p Progress) { reports <- p }) {
		t.Fatal("not started")
	}
	if q.Start(context.Background(), []string{"x"}, work, func(Progress) {}) {
		t.Error("a second run started while one runs")
	}
	<-started
	q.Stop()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case p := <-reports:
			if !p.Finished {
				continue
			}
			if !p.Stopped || p.Done != 0 {
				t.Errorf("last = %+v", p)
			}
			if len(started) != 0 {
				t.Errorf("%d more items started after Stop", len(started))
			}
			return
		case <-deadline:
			t.Fatal("Stop did not end the run")
		}
	}
}
