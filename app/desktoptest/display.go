package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// x11Socket is where a local X server with display number N listens:
// X11Socket+N, as a file and (on Linux) as an abstract socket.
const x11Socket = "/tmp/.X11-unix/X"

// x11TCPBase is the TCP port of display 0; display N listens on base+N.
const x11TCPBase = 6000

var errNoDisplay = errors.New("DISPLAY is not set")

// displayAddr is where the X server for one DISPLAY value listens.
type displayAddr struct {
	network string   // "unix" or "tcp"
	addrs   []string // tried in order; the first that answers wins
}

// parseDisplay turns a DISPLAY value ("[host]:N[.S]", "unix:N", or a socket
// path such as XQuartz's "/private/tmp/…/org.xquartz:0") into addresses.
func parseDisplay(display string) (displayAddr, error) {
	if display == "" {
		return displayAddr{}, errNoDisplay
	}
	colon := strings.LastIndexByte(display, ':')
	if colon < 0 {
		return displayAddr{}, fmt.Errorf("DISPLAY %q has no ':'", display)
	}
	host, rest := display[:colon], display[colon+1:]
	number, _, _ := strings.Cut(rest, ".")
	if _, err := strconv.ParseUint(number, 10, 16); err != nil {
		return displayAddr{}, fmt.Errorf("DISPLAY %q: bad display number %q", display, number)
	}
	if strings.HasPrefix(host, "/") {
		// The socket's own name carries the number: strip only the screen.
		return displayAddr{network: "unix", addrs: []string{host + ":" + number}}, nil
	}
	if host == "" || host == "unix" {
		path := x11Socket + number
		return displayAddr{network: "unix", addrs: []string{path, "@" + path}}, nil
	}
	n, _ := strconv.Atoi(number)
	return displayAddr{network: "tcp", addrs: []string{net.JoinHostPort(host, strconv.Itoa(x11TCPBase+n))}}, nil
}

// probeDisplay checks that an X server accepts connections at display.
func probeDisplay(ctx context.Context, display string) error {
	where, err := parseDisplay(display)
	if err != nil {
		return err
	}
	var d net.Dialer
	for _, addr := range where.addrs {
		conn, dialErr := d.DialContext(ctx, where.network, addr)
		if dialErr == nil {
			return conn.Close()
		}
		err = dialErr
	}
	return fmt.Errorf("no X server at DISPLAY %q: %w", display, err)
}
