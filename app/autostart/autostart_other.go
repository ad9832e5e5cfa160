//go:build !((linux && !android) || freebsd || netbsd || openbsd || dragonfly || solaris || (darwin && !ios) || windows)

package autostart

func enable(Entry) error          { return ErrUnsupported }
func disable(Entry) error         { return ErrUnsupported }
func status(Entry) (State, error) { return State{}, ErrUnsupported }
