package codex

import (
	"errors"
	"slices"
	"testing"
)

func TestBrowserCommand(t *testing.T) {
	t.Parallel()
	const u = "https://auth.openai.com/oauth/authorize?client_id=x&state=y"
	tests := []struct {
		goos     string
		wantName string
		wantArgs []string
	}{
		{"linux", "xdg-open", []string{u}},
		{"freebsd", "xdg-open", []string{u}},
		{"darwin", "open", []string{u}},
		{"windows", "rundll32", []string{"url.dll,FileProtocolHandler", u}},
	}
	for _, tt := range tests {
		name, args, err := browserCommand(tt.goos, u)
		if err != nil || name != tt.wantName || !slices.Equal(args, tt.wantArgs) {
			t.Errorf("%s: %s %q %v, want %s %q", tt.goos, name, args, err, tt.wantName, tt.wantArgs)
		}
	}
}

func TestBrowserCommandRefusesNonWebURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "file:///etc/passwd", "--help", "javascript:alert(1)", "/tmp/x.html", "http://"} {
		if _, _, err := browserCommand("linux", u); !errors.Is(err, ErrNotWebURL) {
			t.Errorf("%q: %v, want ErrNotWebURL", u, err)
		}
	}
	if err := OpenBrowser("file:///etc/passwd"); !errors.Is(err, ErrNotWebURL) {
		t.Errorf("OpenBrowser(file URL): %v, want ErrNotWebURL", err)
	}
}
