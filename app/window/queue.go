package window

import (
	"context"
	"sync"
)

// Progress is where a refresh queue stands.
type Progress struct {
	Done, Total int
	Failed      int
	Current     string // the item being worked on; "" between items
	Stopped     bool   // Stop was called before the end
	Finished    bool   // no more work will run
	LastErr     error  // the most recent failure
}

// queue runs work on items one after another in its own goroutine,
// reporting each step, until the items run out or Stop is called (which
// also cancels the item in flight).
type queue struct {
	mu     sync.Mutex // guards cancel
	cancel context.CancelFunc
}

// Start runs work over items; report gets every step (from the queue's
// goroutine) and a last Progress with Finished set. Start returns false
// when a run is already going.
func (q *queue) Start(ctx context.Context, items []string, work func(context.Context, string) error, report func(Progress)) bool {
	q.mu.Lock()
	if q.cancel != nil {
		q.mu.Unlock()
		return false
	}
	ctx, cancel := context.WithCancel(ctx)
	q.cancel = cancel
	q.mu.Unlock()
	go func() {
		p := Progress{Total: len(items)}
		defer func() {
			q.mu.Lock()
			q.cancel = nil
			q.mu.Unlock()
			cancel()
			p.Current, p.Finished = "", true
			report(p)
		}()
		for _, it := range items {
			if ctx.Err() != nil {
				p.Stopped = true
				return
			}
			p.Current = it
			report(p)
			err := work(ctx, it)
			if ctx.Err() != nil {
				p.Stopped = true // the item in flight was cut short: not counted as done
				return
			}
			p.Done++
			if err != nil {
				p.Failed++
				p.LastErr = err
			}
		}
	}()
	return true
}

// Stop ends the current run: no further item starts and the one in
// flight is cancelled.
func (q *queue) Stop() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.cancel != nil {
		q.cancel()
	}
}

// Running reports whether a run is going.
func (q *queue) Running() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.cancel != nil
}
