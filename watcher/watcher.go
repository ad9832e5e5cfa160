// Package watcher reports changes to one file, such as the Codex CLI's
// auth.json, as debounced, de-duplicated events carrying the file's complete
// contents.
//
// It watches the file's directory (never the file itself, whose inode a
// write-temp-then-rename replaces), filters events by name, and reads the
// file once things have been quiet for a debounce period. When the
// directory does not exist it watches the nearest existing ancestor and
// moves down as the missing directories appear; when the directory is
// removed or renamed it moves back up. It never polls: an idle watcher
// sleeps until the kernel reports something.
package watcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"
)

// Defaults for the zero values of Options.
const (
	DefaultDebounce = 100 * time.Millisecond
	DefaultRetries  = 3
)

// MaxFileSize is the largest file the watcher reads; a larger file is
// reported with ErrTooLarge instead of being loaded into memory.
const MaxFileSize = 1 << 20

var (
	// ErrRejected marks an Event whose content Options.Accept kept
	// rejecting; the Event's Err also wraps Accept's own error.
	ErrRejected = errors.New("content rejected")
	// ErrTooLarge marks an Event for a file larger than MaxFileSize.
	ErrTooLarge = errors.New("file too large")
	// ErrNotRegular marks an Event for a path that is not a regular file
	// (a directory, a FIFO, a device).
	ErrNotRegular = errors.New("not a regular file")
)

// Event is one settled state of the watched file.
type Event struct {
	// Path is the watched file (absolute).
	Path string
	// Data is the file's complete contents; nil when Removed or when the
	// file could not be read.
	Data []byte
	// Removed reports that the file is gone.
	Removed bool
	// Err is set when the file kept failing Accept (errors.Is ErrRejected;
	// Data holds the last read) or kept failing to be read (Data is nil).
	Err error
}

// Options configures Run.
type Options struct {
	// Path is the file to watch. Required.
	Path string
	// Debounce is the quiet time after the last event for Path before the
	// file is read. Zero or negative means DefaultDebounce.
	Debounce time.Duration
	// Accept, when set, says whether content is complete and valid.
	// Rejected content is read again after another Debounce, up to Retries
	// times, and then delivered with Err set. Accept must not keep data,
	// and its error must not quote it: the error is logged and wrapped in
	// Event.Err.
	Accept func(data []byte) error
	// Retries is how many times rejected or unreadable content is read
	// again. Zero means DefaultRetries; negative means never.
	Retries int
	// Logger receives debug and warning records (never file contents).
	// Nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with its zero values filled in and Path made
// absolute.
func (o Options) withDefaults() (Options, error) {
	if o.Path == "" {
		return o, errors.New("watcher: Options.Path is empty")
	}
	abs, err := filepath.Abs(o.Path)
	if err != nil {
		return o, fmt.Errorf("making %s absolute: %w", o.Path, err)
	}
	if filepath.Dir(abs) == abs {
		return o, fmt.Errorf("watcher: %s is a root, not a file", o.Path)
	}
	o.Path = abs
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Run watches o.Path and sends an Event on out each time the file settles
// into a state different from the last one sent: new contents, removal, or
// a failure (see Event.Err). Several changes within the debounce period
// yield one Event; rewriting identical bytes yields none.
//
// Run does not report the file's state at start: the first Event follows
// the first change after Run has armed its watch, and it is sent even if the
// caller already holds the same content.
//
// Run returns nil when ctx ends, or an error when it cannot set up or keep
// a watch. It never closes out, and a send on out gives up when ctx ends.
func Run(ctx context.Context, o Options, out chan<- Event) error {
	return run(ctx, o, out, hooks{})
}

// hooks let tests see what the loop does, so that they can wait for it
// instead of sleeping. Nil fields are skipped.
type hooks struct {
	armed func(dir string)          // a directory watch was placed
	read  func(ev Event, send bool) // the file was read; send says if ev goes out
}

// run is Run with hooks.
func run(ctx context.Context, o Options, out chan<- Event, h hooks) error {
	if out == nil {
		return errors.New("watcher: out channel is nil")
	}
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	l, err := newLoop(o, h)
	if err != nil {
		return err
	}
	defer l.close()
	return l.run(ctx, out)
}
