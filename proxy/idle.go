package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// errUpstreamStalled marks an attempt whose upstream sent nothing for
// Config.UpstreamIdle.
var errUpstreamStalled = errors.New("the ChatGPT backend stopped sending")

// watchdog cancels an upstream attempt whose upstream stays silent too
// long. It runs only while the proxy waits on upstream (for the response
// headers, or inside a body Read), so a slow client never counts against
// the upstream.
type watchdog struct {
	idle   time.Duration
	cancel context.CancelFunc
	timer  *time.Timer
	fired  atomic.Bool
}

// newWatchdog returns a stopped watchdog that cancels through cancel.
func newWatchdog(idle time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{idle: idle, cancel: cancel}
	w.timer = time.AfterFunc(time.Hour, func() {
		w.fired.Store(true)
		w.cancel()
	})
	w.timer.Stop()
	return w
}

// arm starts (or restarts) the idle clock.
func (w *watchdog) arm() { w.timer.Reset(w.idle) }

// disarm stops the idle clock.
func (w *watchdog) disarm() { w.timer.Stop() }

// stalled reports whether the upstream was cut for its silence.
func (w *watchdog) stalled() bool { return w.fired.Load() }

// err is what an attempt cut by the watchdog failed with.
func (w *watchdog) err() error {
	return fmt.Errorf("%w: nothing for %s", errUpstreamStalled, w.idle)
}

// body wraps an upstream body so that each Read is bounded by the idle
// time and a cut shows as errUpstreamStalled.
func (w *watchdog) body(rc io.ReadCloser) io.ReadCloser { return &idleBody{rc: rc, w: w} }

type idleBody struct {
	rc io.ReadCloser
	w  *watchdog
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.w.arm()
	n, err := b.rc.Read(p)
	b.w.disarm()
	if err != nil && b.w.stalled() {
		return n, b.w.err()
	}
	return n, err
}

func (b *idleBody) Close() error { return b.rc.Close() }
