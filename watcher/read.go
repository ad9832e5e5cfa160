package watcher

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// read looks at the settled file and decides what, if anything, to send.
// Rejected or unreadable content is read again after another Debounce
// while retries last; content equal to the last Event is not sent again.
func (l *loop) read() (Event, bool) {
	data, err := readFile(l.opts.Path)
	switch {
	case vanished(err):
		l.attempts = 0
		if l.last.known && l.last.removed {
			return Event{}, false
		}
		l.last = state{known: true, removed: true}
		return Event{Path: l.opts.Path, Removed: true}, true
	case err != nil:
		if l.retry("file unreadable", err) {
			return Event{}, false
		}
		// Forget the last state so that the file's next good state is
		// sent even if it equals the one before the failure.
		l.last = state{}
		return Event{Path: l.opts.Path, Err: err}, true
	case l.last.known && !l.last.removed && bytes.Equal(data, l.last.data):
		l.attempts = 0
		return Event{}, false
	}
	ev := Event{Path: l.opts.Path, Data: data}
	if l.opts.Accept != nil {
		if err := l.opts.Accept(data); err != nil {
			if l.retry("content rejected", err) {
				return Event{}, false
			}
			ev.Err = fmt.Errorf("%w after %d reads: %w", ErrRejected, l.opts.Retries+1, err)
		}
	}
	l.attempts = 0
	l.last = state{known: true, data: bytes.Clone(data)}
	return ev, true
}

// retry schedules another read if the retry budget allows and reports
// whether it did.
func (l *loop) retry(why string, err error) bool {
	if l.attempts >= l.opts.Retries {
		l.log.Warn(why+"; giving up until the file changes", "reads", l.attempts+1, "err", err)
		l.attempts = 0
		return false
	}
	l.attempts++
	l.log.Debug(why+"; reading again after the debounce", "reads", l.attempts, "err", err)
	l.settle.Reset(l.opts.Debounce)
	return true
}

// readFile reads path whole, refusing files larger than MaxFileSize and
// anything but a regular file (a directory, a FIFO that would block the
// open).
func readFile(path string) ([]byte, error) {
	data, err := atomicfile.ReadFile(path, MaxFileSize)
	switch {
	case errors.Is(err, atomicfile.ErrNotRegular):
		return nil, fmt.Errorf("reading %s: %w", path, ErrNotRegular)
	case errors.Is(err, atomicfile.ErrTooLarge):
		return nil, fmt.Errorf("reading %s: %w (over %d bytes)", path, ErrTooLarge, MaxFileSize)
	}
	return data, err
}
