package autostart

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xdgHome points XDG_CONFIG_HOME and XDG_CONFIG_DIRS at fresh directories
// and returns them. Tests using it cannot run in parallel (t.Setenv).
func xdgHome(t *testing.T) (config, system string) {
	t.Helper()
	config, system = filepath.Join(t.TempDir(), "config"), t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_CONFIG_DIRS", system)
	t.Setenv("HOME", t.TempDir())
	return config, system
}

func TestEnableStatusDisableXDG(t *testing.T) {
	config, _ := xdgHome(t)
	e := quiver
	e.Exec = fakeBinary(t, outsideTemp(t), "My Apps/100% quiver")
	e.Args = []string{"--tray"}
	path := filepath.Join(config, "autostart", "quiver.desktop")

	if st, err := Status(e); err != nil || st != (State{}) {
		t.Fatalf("Status before Enable = %+v, %v; want the zero State", st, err)
	}
	if err := Enable(e); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{config: 0o700, filepath.Dir(path): 0o700, path: 0o644} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, DesktopEntry(e)) {
		t.Fatalf("wrote\n%s\nwant\n%s", data, DesktopEntry(e))
	}
	validateDesktopFile(t, path)

	st, err := Status(e)
	if err != nil || st != (State{Enabled: true, Path: path, Exec: e.Exec}) {
		t.Fatalf("Status = %+v, %v", st, err)
	}

	// Enabling again replaces the entry: a new binary location.
	moved := e
	moved.Exec = fakeBinary(t, filepath.Dir(filepath.Dir(e.Exec)), "bin/quiver")
	if err := Enable(moved); err != nil {
		t.Fatal(err)
	}
	if st, _ := Status(e); st.Exec != moved.Exec {
		t.Fatalf("Status after re-enabling = %+v, want Exec %s", st, moved.Exec)
	}
	if err := os.Remove(moved.Exec); err != nil {
		t.Fatal(err)
	}
	if st, _ := Status(e); !st.Enabled || !st.Stale {
		t.Fatalf("Status with the binary gone = %+v, want enabled and stale", st)
	}

	for range 2 {
		if err := Disable(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("entry still there after Disable: %v", err)
	}
	if st, err := Status(e); err != nil || st.Enabled {
		t.Fatalf("Status after Disable = %+v, %v", st, err)
	}
}

func TestDisableHidesASystemEntry(t *testing.T) {
	config, system := xdgHome(t)
	e := quiver
	e.Exec = fakeBinary(t, outsideTemp(t), "quiver")
	systemFile := filepath.Join(system, "autostart", "quiver.desktop")
	if err := os.MkdirAll(filepath.Dir(systemFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(systemFile, DesktopEntry(e), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := Status(e); err != nil || st != (State{Enabled: true, Path: systemFile, Exec: e.Exec}) {
		t.Fatalf("Status with only a system entry = %+v, %v", st, err)
	}

	if err := Disable(e); err != nil {
		t.Fatal(err)
	}
	userFile := filepath.Join(config, "autostart", "quiver.desktop")
	validateDesktopFile(t, userFile)
	st, err := Status(e)
	if err != nil || st.Enabled || st.Path != userFile {
		t.Fatalf("Status after Disable = %+v, %v; want disabled by %s", st, err, userFile)
	}

	if err := Enable(e); err != nil {
		t.Fatal(err)
	}
	if st, _ := Status(e); !st.Enabled || st.Path != userFile {
		t.Fatalf("Status after Enable = %+v", st)
	}
}

func TestEnableRefusesATemporaryBinary(t *testing.T) {
	config, _ := xdgHome(t)
	e := quiver
	e.Exec = fakeBinary(t, t.TempDir(), "quiver") // inside os.TempDir()
	err := Enable(e)
	if !errors.Is(err, ErrTemporaryBinary) || !strings.Contains(err.Error(), "make install") {
		t.Fatalf("Enable = %v, want ErrTemporaryBinary pointing to make install", err)
	}
	if _, err := os.Stat(filepath.Join(config, "autostart")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Enable wrote something for a temporary binary: %v", err)
	}
}

func TestStatusErrors(t *testing.T) {
	config, _ := xdgHome(t)
	path := filepath.Join(config, "autostart", "quiver.desktop")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"not a desktop file\n", "[Desktop Entry]\nExec=\"/unterminated\n"} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Status(quiver); err == nil {
			t.Errorf("Status of %q gave no error", content)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", "relative/config")
	if _, err := Status(quiver); err == nil {
		t.Error("Status with a relative XDG_CONFIG_HOME gave no error")
	}
}

// validateDesktopFile runs desktop-file-validate when it is installed; it
// must be inside the desktop test session.
func validateDesktopFile(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		if os.Getenv("QUIVER_DESKTOP_SESSION") == "1" {
			t.Fatal("desktop-file-validate is not installed (package desktop-file-utils)")
		}
		t.Log("desktop-file-validate is not installed; skipping validation")
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		data, _ := os.ReadFile(path)
		t.Fatalf("desktop-file-validate %s: %v\n%s\nfile:\n%s", path, err, out, data)
	}
}
