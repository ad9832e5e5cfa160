package autostart

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// fakeBinary writes an executable file at dir/name and returns its path.
func fakeBinary(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLaunchAgentDir(t *testing.T) {
	t.Parallel()
	dir := launchAgentDir(filepath.Join(t.TempDir(), "Library", "LaunchAgents"))
	e := quiver
	e.Exec = fakeBinary(t, t.TempDir(), "Quiver & Co/quiver")

	if st, err := dir.status(e); err != nil || st != (State{}) {
		t.Fatalf("status before enable = %+v, %v; want the zero State", st, err)
	}
	if err := dir.enable(e); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(string(dir), "io.github.quiver.plist")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("plist mode %v, want 0644", fi.Mode().Perm())
	}
	st, err := dir.status(e)
	if err != nil || st != (State{Enabled: true, Path: path, Exec: e.Exec}) {
		t.Fatalf("status = %+v, %v", st, err)
	}
	if err := os.Remove(e.Exec); err != nil {
		t.Fatal(err)
	}
	if st, _ := dir.status(e); !st.Stale || !st.Enabled {
		t.Fatalf("status with the binary gone = %+v, want enabled and stale", st)
	}
	for range 2 {
		if err := dir.disable(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("plist still there after disable: %v", err)
	}
	if err := os.WriteFile(path, []byte("<plist><dict><key>Label"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.status(e); err == nil {
		t.Fatal("status of a broken plist gave no error")
	}
}

// mapRegistry stands in for HKCU.
type mapRegistry struct {
	run      map[string]string
	approved map[string][]byte
	err      error
}

func (m *mapRegistry) runValue(name string) (string, bool, error) {
	v, ok := m.run[name]
	return v, ok, m.err
}
func (m *mapRegistry) setRunValue(name, value string) error { m.run[name] = value; return m.err }
func (m *mapRegistry) deleteRunValue(name string) error     { delete(m.run, name); return m.err }
func (m *mapRegistry) approvedValue(name string) ([]byte, bool, error) {
	v, ok := m.approved[name]
	return v, ok, m.err
}
func (m *mapRegistry) deleteApprovedValue(name string) error { delete(m.approved, name); return m.err }

func TestRunRegistry(t *testing.T) {
	t.Parallel()
	reg := &mapRegistry{run: map[string]string{"Other": `"C:\other.exe"`}, approved: map[string][]byte{}}
	e := quiver
	e.Exec = fakeBinary(t, t.TempDir(), "quiver.exe")
	path := `HKCU\Software\Microsoft\Windows\CurrentVersion\Run\Quiver`

	if st, err := statusRun(reg, e); err != nil || st != (State{}) {
		t.Fatalf("status before enable = %+v, %v", st, err)
	}
	// Turned off in Task Manager earlier: enabling clears that.
	reg.approved["Quiver"] = []byte{3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	if err := enableRun(reg, e); err != nil {
		t.Fatal(err)
	}
	if reg.run["Quiver"] != `"`+e.Exec+`"` {
		t.Fatalf("Run value %q", reg.run["Quiver"])
	}
	if st, err := statusRun(reg, e); err != nil || st != (State{Enabled: true, Path: path, Exec: e.Exec}) {
		t.Fatalf("status = %+v, %v", st, err)
	}
	// Turned off in Task Manager now.
	reg.approved["Quiver"] = []byte{3, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	if st, _ := statusRun(reg, e); st.Enabled || st.Path != path {
		t.Fatalf("status with a StartupApproved override = %+v, want disabled", st)
	}
	reg.approved["Quiver"] = []byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if st, _ := statusRun(reg, e); !st.Enabled {
		t.Fatalf("status with StartupApproved enabled = %+v", st)
	}
	if err := disableRun(reg, e); err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.run["Quiver"]; ok || len(reg.approved) != 0 || reg.run["Other"] == "" {
		t.Fatalf("after disable: run %q approved %v", reg.run, reg.approved)
	}

	bad := e
	bad.Exec = `C:\a"b.exe`
	if err := enableRun(reg, bad); !errors.Is(err, ErrInvalidEntry) {
		t.Fatalf("enableRun with a quote in the path = %v, want ErrInvalidEntry", err)
	}
	reg.err = errors.New("access denied")
	if _, err := statusRun(reg, e); err == nil {
		t.Fatal("statusRun hid a registry error")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*Entry)
	}{
		{"empty ID", func(e *Entry) { e.ID = "" }},
		{"ID with a slash", func(e *Entry) { e.ID = "../quiver" }},
		{"ID with a space", func(e *Entry) { e.ID = "qui ver" }},
		{"label with a slash", func(e *Entry) { e.Label = "io/quiver" }},
		{"empty name", func(e *Entry) { e.Name = " " }},
		{"name with a newline", func(e *Entry) { e.Name = "Quiver\nExec=/bin/evil" }},
		{"NUL in an argument", func(e *Entry) { e.Args = []string{"a\x00b"} }},
	}
	for _, tt := range tests {
		e := quiver
		tt.edit(&e)
		if err := Enable(e); !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("%s: Enable = %v, want ErrInvalidEntry", tt.name, err)
		}
		if tt.name != "NUL in an argument" {
			if _, err := Status(e); !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("%s: Status = %v, want ErrInvalidEntry", tt.name, err)
			}
			if err := Disable(e); !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("%s: Disable = %v, want ErrInvalidEntry", tt.name, err)
			}
		}
	}
}
