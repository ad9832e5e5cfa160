package secret

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// Keyring states for TestOpenSelects.
const (
	keyringWorks = iota
	keyringUnavailable
	keyringLocked
	keyringStuck
)

func TestOpenSelects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		mode       string
		keyring    int
		passphrase string
		fileExists bool
		want       string // "keyring", "file", or "" for an error
		wantErr    error
		errHas     []string
	}{
		{name: "auto, keyring answers", keyring: keyringWorks, want: "keyring"},
		{name: "auto, keyring answers, passphrase but no file", keyring: keyringWorks, passphrase: testPassphrase, want: "keyring"},
		{name: "auto, keyring answers, file in use", keyring: keyringWorks, passphrase: testPassphrase, fileExists: true, want: "file"},
		{name: "auto, keyring answers, file but no passphrase", keyring: keyringWorks, fileExists: true, want: "keyring"},
		{name: "auto, no keyring, passphrase", keyring: keyringUnavailable, passphrase: testPassphrase, want: "file"},
		{name: "auto, no keyring, no passphrase", keyring: keyringUnavailable, wantErr: ErrUnavailable,
			errHas: []string{"gnome-keyring", "QUIVER_PASSPHRASE", "QUIVER_SECRETS"}},
		{name: "auto, locked keyring is not bypassed", keyring: keyringLocked, passphrase: testPassphrase, wantErr: ErrLocked,
			errHas: []string{"unlock"}},
		{name: "auto, stuck keyring is not bypassed", keyring: keyringStuck, passphrase: testPassphrase, wantErr: ErrTimeout},
		{name: "keyring forced, answers", mode: "keyring", keyring: keyringWorks, passphrase: testPassphrase, fileExists: true, want: "keyring"},
		{name: "keyring forced, unavailable", mode: "keyring", keyring: keyringUnavailable, passphrase: testPassphrase, wantErr: ErrUnavailable,
			errHas: []string{"QUIVER_SECRETS=keyring"}},
		{name: "keyring forced, locked", mode: "keyring", keyring: keyringLocked, wantErr: ErrLocked},
		{name: "keyring forced, spelled loosely", mode: " Keyring ", keyring: keyringWorks, want: "keyring"},
		{name: "file forced", mode: "file", keyring: keyringWorks, passphrase: testPassphrase, want: "file"},
		{name: "file forced, existing file", mode: "file", keyring: keyringWorks, passphrase: testPassphrase, fileExists: true, want: "file"},
		{name: "file forced, wrong passphrase", mode: "file", keyring: keyringWorks, passphrase: "hunter2-not-it", fileExists: true, wantErr: ErrBadPassphrase},
		{name: "file forced, no passphrase", mode: "file", keyring: keyringWorks, wantErr: ErrUnavailable,
			errHas: []string{"QUIVER_SECRETS=file needs QUIVER_PASSPHRASE"}},
		{name: "unknown mode", mode: "vault", keyring: keyringWorks, errHas: []string{`QUIVER_SECRETS="vault"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "quiver")
			if tt.fileExists {
				existing := newTestFile(t, filepath.Join(dir, FileName), testPassphrase)
				mustSet(t, existing, "acct", "from-file")
			}
			fake := newFakeKeyring()
			switch tt.keyring {
			case keyringUnavailable:
				fake.err = dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}
			case keyringLocked:
				fake.err = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
			case keyringStuck:
				fake.block = make(chan struct{})
				defer close(fake.block)
			}
			var logs bytes.Buffer
			o := Options{
				Dir:        dir,
				Mode:       tt.mode,
				Passphrase: tt.passphrase,
				Timeout:    100 * time.Millisecond,
				Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
			}
			s, err := open(context.Background(), o, backends{
				newKeyring: func(service string, timeout time.Duration) *keyringStore {
					return newKeyringStore(service, timeout, fake, busOK)
				},
				fileLogN: testLogN,
			})
			if tt.passphrase != "" && strings.Contains(logs.String(), tt.passphrase) {
				t.Errorf("the log shows the passphrase:\n%s", logs.String())
			}
			if tt.want == "" {
				if err == nil {
					t.Fatalf("Open chose %s, want an error", s.Describe())
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				for _, want := range tt.errHas {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error does not mention %q: %v", want, err)
					}
				}
				if tt.passphrase != "" && strings.Contains(err.Error(), tt.passphrase) {
					t.Errorf("the error shows the passphrase: %v", err)
				}
				if _, statErr := os.Stat(filepath.Join(dir, FileName)); !tt.fileExists && statErr == nil {
					t.Error("a failed Open created the encrypted file")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			var got string
			switch s.(type) {
			case *keyringStore:
				got = "keyring"
			case *fileStore:
				got = "file"
			}
			if got != tt.want {
				t.Fatalf("Open chose %s, want %s", s.Describe(), tt.want)
			}
			if !strings.Contains(logs.String(), "reason=") || !strings.Contains(logs.String(), s.Describe()) {
				t.Errorf("the log does not say what was chosen and why:\n%s", logs.String())
			}
			if tt.fileExists && got == "file" {
				wantValue(t, s, "acct", "from-file")
			}
			// The store works.
			mustSet(t, s, "new", "v")
			wantValue(t, s, "new", "v")
		})
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Setenv("QUIVER_SECRETS", " FILE")
	t.Setenv("QUIVER_PASSPHRASE", " spaces kept ")
	o := OptionsFromEnv("/cfg/quiver")
	want := Options{Service: "quiver", Dir: "/cfg/quiver", Mode: "file", Passphrase: " spaces kept ", Timeout: 5 * time.Second}
	if o != want {
		t.Errorf("OptionsFromEnv = %+v, want %+v", o, want)
	}
	if got := o.FilePath(); got != filepath.Join("/cfg/quiver", "secrets.enc") {
		t.Errorf("FilePath() = %q", got)
	}
}

// TestOpenUnreachableBus runs Open for real, with the session bus address
// pointing nowhere, in a child process (see childEnv).
func TestOpenUnreachableBus(t *testing.T) {
	t.Parallel()
	runChildProcess(t, "unreachable-bus",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/quiver-test-bus",
		"QUIVER_SECRET_TEST_DIR="+t.TempDir())
}

func childUnreachableBus(ctx context.Context) error {
	dir := os.Getenv("QUIVER_SECRET_TEST_DIR")
	base := Options{Dir: dir, Timeout: 10 * time.Second}

	if _, err := Open(ctx, base); !errors.Is(err, ErrUnavailable) {
		return errors.New("auto without a passphrase: want ErrUnavailable, got " + errString(err))
	} else {
		fmt.Fprintf(os.Stderr, "Open with no Secret Service: %v\n", err)
		for _, want := range []string{"gnome-keyring", "QUIVER_PASSPHRASE", "QUIVER_SECRETS"} {
			if !strings.Contains(err.Error(), want) {
				return errors.New("ErrUnavailable does not mention " + want + ": " + err.Error())
			}
		}
	}

	forced := base
	forced.Mode = ModeKeyring
	if _, err := Open(ctx, forced); !errors.Is(err, ErrUnavailable) {
		return errors.New("QUIVER_SECRETS=keyring: want ErrUnavailable, got " + errString(err))
	}

	fallback := base
	fallback.Passphrase = testPassphrase
	s, err := Open(ctx, fallback)
	if err != nil {
		return errors.New("auto with a passphrase: " + err.Error())
	}
	if _, ok := s.(*fileStore); !ok {
		return errors.New("auto with a passphrase chose " + s.Describe() + ", want the encrypted file")
	}
	if err := s.Set(ctx, "acct", []byte("v")); err != nil {
		return err
	}
	if got, err := s.Get(ctx, "acct"); err != nil || string(got) != "v" {
		return errors.New("file fallback round trip failed: " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}
