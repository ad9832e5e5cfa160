package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// loop is the state of one Run. Only Run's goroutine touches it.
type loop struct {
	opts  Options
	dir   string // the directory holding opts.Path
	log   *slog.Logger
	hooks hooks

	fsw *fsnotify.Watcher
	// watched is the directory being watched: dir, or its nearest existing
	// ancestor while dir is missing. "" when nothing is watched.
	watched string
	// next is the child of watched on the way down to dir ("" when watched
	// is dir): the name whose appearance means the watch can move down.
	next string

	// settle fires Debounce after the last relevant event; it is stopped
	// while nothing is pending, so an idle loop never wakes.
	settle *time.Timer
	// attempts counts reads of the current state that were rejected or
	// failed; a new event for the file starts over.
	attempts int
	// last is the state most recently sent.
	last state
}

// state is what the watched file last looked like to the consumer.
type state struct {
	known   bool // false until the first Event is sent
	removed bool
	data    []byte
}

func newLoop(o Options, h hooks) (*loop, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("starting file watcher: %w", err)
	}
	l := &loop{
		opts:   o,
		dir:    filepath.Dir(o.Path),
		log:    o.Logger.With("path", o.Path),
		hooks:  h,
		fsw:    fsw,
		settle: time.NewTimer(time.Hour),
	}
	l.settle.Stop()
	if err := l.arm(); err != nil {
		fsw.Close()
		return nil, err
	}
	return l, nil
}

func (l *loop) close() {
	l.settle.Stop()
	if err := l.fsw.Close(); err != nil {
		l.log.Warn("closing file watcher", "err", err)
	}
}

func (l *loop) run(ctx context.Context, out chan<- Event) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-l.fsw.Events:
			if !ok {
				return errors.New("file watcher closed unexpectedly")
			}
			if err := l.handle(ev); err != nil {
				return err
			}
		case err, ok := <-l.fsw.Errors:
			if !ok {
				return errors.New("file watcher closed unexpectedly")
			}
			if err := l.handleError(err); err != nil {
				return err
			}
		case <-l.settle.C:
			ev, send := l.read()
			if l.hooks.read != nil {
				l.hooks.read(ev, send)
			}
			if !send {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// handle reacts to one raw event: for the file itself it (re)starts the
// debounce; for the watched directory or the next directory down it moves
// the watch, then reads the file after the debounce since anything may have
// happened while no watch was in place. Everything else is ignored and
// delays nothing.
func (l *loop) handle(ev fsnotify.Event) error {
	name := filepath.Clean(ev.Name)
	switch {
	case name == l.opts.Path:
		l.log.Debug("file event", "op", ev.Op.String())
	case name == l.watched && ev.Op.Has(fsnotify.Remove|fsnotify.Rename):
		l.log.Debug("watched directory went away", "dir", name, "op", ev.Op.String())
		if err := l.arm(); err != nil {
			return err
		}
	case l.next != "" && name == l.next:
		l.log.Debug("directory on the way to the file changed", "dir", name, "op", ev.Op.String())
		if err := l.arm(); err != nil {
			return err
		}
	default:
		return nil
	}
	l.restart()
	return nil
}

// handleError deals with an error from fsnotify. After an overflow events
// were lost, so the watch is re-armed and the file read again.
func (l *loop) handleError(err error) error {
	if !errors.Is(err, fsnotify.ErrEventOverflow) {
		l.log.Warn("file watcher error", "err", err)
		return nil
	}
	l.log.Warn("file watcher lost events; reading the file again")
	if err := l.arm(); err != nil {
		return err
	}
	l.restart()
	return nil
}

// restart schedules a read Debounce from now, with a fresh retry budget.
func (l *loop) restart() {
	l.attempts = 0
	l.settle.Reset(l.opts.Debounce)
}
