package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/secret/secrettest"
)

func TestSettingsUpstreamURLs(t *testing.T) {
	tests := []struct {
		chatgpt, issuer string
		bad             string // the setting the error names; "" when valid
	}{
		{"", "", ""},
		{"https://chatgpt.example.com/backend-api", "https://auth.example.com", ""},
		{"http://127.0.0.1:8080/backend-api", "http://localhost:9000", ""},
		{"http://chatgpt.example.com/backend-api", "", "chatgpt_base_url"},
		{"", "http://auth.example.com", "auth_issuer"},
		{"ftp://127.0.0.1/", "", "chatgpt_base_url"},
	}
	for _, tt := range tests {
		s := DefaultSettings()
		s.ChatGPTBaseURL, s.AuthIssuer = tt.chatgpt, tt.issuer
		err := s.Validate()
		if (err != nil) != (tt.bad != "") || (err != nil && !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("Validate(%q, %q) = %v, want an error naming %q", tt.chatgpt, tt.issuer, err, tt.bad)
		}
		if tt.bad != "" {
			if err := SaveSettings(filepath.Join(t.TempDir(), "settings.json"), s); err == nil {
				t.Errorf("SaveSettings accepted %q, %q", tt.chatgpt, tt.issuer)
			}
		}
	}
}

// A settings.json naming an http upstream on another host keeps the user's
// other settings and the file; the URL is not used.
func TestLoadSettingsDropsACleartextUpstream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"strategy":"round-robin","warn_percent":70,"chatgpt_base_url":"http://chatgpt.example.com/backend-api"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(path, time.Now())
	if err == nil || !strings.Contains(err.Error(), "chatgpt_base_url") || !errors.Is(err, codex.ErrInsecureUpstream) {
		t.Fatalf("LoadSettings: %v, want an error naming chatgpt_base_url", err)
	}
	if s.ChatGPTBaseURL != "" || s.Strategy != StrategyRoundRobin || s.WarnPercent != 70 {
		t.Errorf("settings %+v: want the URL dropped and the rest kept", s)
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("the file was moved aside: %v", m)
	}
}

func TestNewRefusesACleartextUpstreamInTheEnvironment(t *testing.T) {
	for _, name := range []string{codex.ChatGPTBaseURLEnv, codex.AuthIssuerEnv} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "http://upstream.example.com")
			root := t.TempDir()
			_, err := New(context.Background(), Options{
				Paths:   Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
				Secrets: secrettest.NewMemory(),
			})
			if !errors.Is(err, codex.ErrInsecureUpstream) || !strings.Contains(err.Error(), name) {
				t.Fatalf("New with %s=http://upstream.example.com: %v, want an error naming it", name, err)
			}
		})
	}
}

// An editor caught mid-write: the settings watcher reads again until the
// file parses, never moves it aside, and applies the finished file.
func TestSettingsWatcherWaitsForAFinishedWrite(t *testing.T) {
	root := t.TempDir()
	logs := &lockedBuffer{}
	a, err := New(context.Background(), Options{
		Paths:   Paths{ConfigDir: filepath.Join(root, "quiver"), CodexHome: filepath.Join(root, "codex")},
		Secrets: secrettest.NewMemory(),
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	path := a.paths.SettingsFile()
	if err := SaveSettings(path, DefaultSettings()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.watchSettingsFile(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(200 * time.Millisecond) // the watcher arms

	// The editor truncated the file and wrote half of it (in place, as
	// many editors do).
	full := []byte(`{"version":1,"strategy":"least-used","warn_percent":65,"notifications":true,"proxy_enabled":true,"proxy_listen":"127.0.0.1:8799"}`)
	if err := os.WriteFile(path, full[:40], 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "content rejected; reading again") })
	if err := os.WriteFile(path, full, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return a.Settings().WarnPercent == 65 })
	if s := a.Settings(); s.Strategy != StrategyLeastUsed {
		t.Errorf("strategy %q after the finished write", s.Strategy)
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("the half-written file was moved aside: %v", m)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, full) {
		t.Errorf("settings.json changed under the editor: %s", got)
	}
}
