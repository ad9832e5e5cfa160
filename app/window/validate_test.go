package window

import (
	"errors"
	"testing"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/backup"
)

func TestValidListen(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:8799": true, "localhost:9000": true, "[::1]:8799": true,
		"0.0.0.0:8799": false, "192.168.1.2:8799": false, "example.com:80": false,
		"127.0.0.1": false, "127.0.0.1:0": false, "127.0.0.1:70000": false, "127.0.0.1:http": false, "": false,
	} {
		if err := ValidListen(addr); (err == nil) != ok {
			t.Errorf("ValidListen(%q) = %v", addr, err)
		}
	}
}

func TestValidUpstream(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"": true, "https://chatgpt.com/backend-api": true, "http://127.0.0.1:9000": true,
		"chatgpt.com": false, "ftp://x": false, "https://": false, "::": false,
	} {
		if err := ValidUpstream(raw); (err == nil) != ok {
			t.Errorf("ValidUpstream(%q) = %v", raw, err)
		}
	}
}

func TestRestoreError(t *testing.T) {
	t.Parallel()
	if RestoreError(nil) != nil {
		t.Error("nil")
	}
	if err := RestoreError(backup.ErrBadPassphrase); err == nil || err.Error() != "wrong passphrase: nothing was restored" {
		t.Errorf("bad passphrase: %v", err)
	}
	if err := RestoreError(backup.ErrCorrupt); !errors.Is(err, backup.ErrCorrupt) {
		t.Errorf("damaged: %v", err)
	}
}

func TestProxyText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p      app.ProxyStatus
		wanted bool
		want   string
	}{
		{app.ProxyStatus{Enabled: true, Running: true, Listen: "127.0.0.1:8799"}, true, "Listening on http://127.0.0.1:8799"},
		{app.ProxyStatus{Enabled: true, Err: "address in use"}, true, "Not running: address in use"},
		{app.ProxyStatus{}, true, "Not running yet"},
		{app.ProxyStatus{}, false, "Paused"},
	}
	for _, tt := range tests {
		if got := ProxyText(tt.p, tt.wanted); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
