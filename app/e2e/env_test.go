//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Environment variables run.sh sets.
const (
	enableEnv   = "QUIVER_E2E"
	quiverEnv   = "QUIVER_E2E_QUIVER"
	codexEnv    = "QUIVER_E2E_CODEX"
	opencodeEnv = "QUIVER_E2E_OPENCODE"
)

// requireE2E skips the test unless QUIVER_E2E=1, then fails it unless it
// runs inside a loopback-only network namespace: a real client must never
// reach the network from a test.
func requireE2E(t *testing.T) {
	t.Helper()
	if os.Getenv(enableEnv) != "1" {
		t.Skipf("end-to-end test with the real clients: run scripts/e2e/run.sh (or set %s=1 inside a loopback-only network namespace)", enableEnv)
	}
	if err := checkLoopbackOnly(); err != nil {
		t.Fatalf("refusing to run real clients: %v (run the tests through scripts/e2e/run.sh)", err)
	}
}

// requireBinary returns the executable named by the environment variable
// env, failing the test when it is unset or not an executable file.
func requireBinary(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Fatalf("%s is not set: it names the binary the test runs", env)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatalf("%s=%q: %v", env, path, err)
	}
	if _, err := exec.LookPath(abs); err != nil {
		t.Fatalf("%s=%q is not an executable: %v", env, path, err)
	}
	return abs
}

// Addresses from the documentation ranges (RFC 5737, RFC 3849): a UDP
// "connect" to them sends no packet, it only asks the kernel for a route.
var publicProbes = []string{"192.0.2.1:9", "[2001:db8::1]:9"}

// checkLoopbackOnly reports an error unless every network interface is a
// loopback one and the kernel has no route to a public address.
func checkLoopbackOnly() error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing network interfaces: %w", err)
	}
	var other []string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			other = append(other, ifc.Name)
		}
	}
	if len(other) > 0 {
		return fmt.Errorf("not in a loopback-only network namespace: interfaces %s", strings.Join(other, ", "))
	}
	for _, addr := range publicProbes {
		c, err := net.Dial("udp", addr)
		if err == nil {
			c.Close()
			return fmt.Errorf("not in a loopback-only network namespace: %s is routable", addr)
		}
		if !unreachable(err) {
			return fmt.Errorf("probing for a route to %s: %w", addr, err)
		}
	}
	return nil
}

// unreachable reports whether a dial failed because no route leads out
// (IPv6 switched off counts as no route).
func unreachable(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EAFNOSUPPORT) ||
		errors.Is(err, syscall.EADDRNOTAVAIL)
}

func TestCheckLoopbackOnlyAgreesWithInterfaces(t *testing.T) {
	// Runs everywhere: outside a namespace it must refuse, inside one accept.
	t.Parallel()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	onlyLoopback := true
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagLoopback == 0 {
			onlyLoopback = false
		}
	}
	err = checkLoopbackOnly()
	switch {
	case !onlyLoopback && err == nil:
		t.Fatal("checkLoopbackOnly accepted a namespace with other interfaces")
	case onlyLoopback && os.Getenv(enableEnv) == "1" && err != nil:
		t.Fatalf("checkLoopbackOnly refused the e2e namespace: %v", err)
	}
}
