package desktoptest

import (
	"errors"
	"slices"
	"testing"
)

func TestParseDisplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		display     string
		wantNetwork string
		wantAddrs   []string
		wantErr     bool
	}{
		{":0", "unix", []string{"/tmp/.X11-unix/X0", "@/tmp/.X11-unix/X0"}, false},
		{":12.1", "unix", []string{"/tmp/.X11-unix/X12", "@/tmp/.X11-unix/X12"}, false},
		{"unix:3", "unix", []string{"/tmp/.X11-unix/X3", "@/tmp/.X11-unix/X3"}, false},
		{"localhost:10.0", "tcp", []string{"localhost:6010"}, false},
		{"127.0.0.1:2", "tcp", []string{"127.0.0.1:6002"}, false},
		{"/private/tmp/com.apple.launchd.x/org.xquartz:0", "unix", []string{"/private/tmp/com.apple.launchd.x/org.xquartz:0"}, false},
		{"/tmp/x11:4.0", "unix", []string{"/tmp/x11:4"}, false},
		{"", "", nil, true},
		{"0", "", nil, true},
		{":", "", nil, true},
		{":x", "", nil, true},
		{":-1", "", nil, true},
		{":99999", "", nil, true},
		{"host:1:2x", "", nil, true},
	}
	for _, tt := range tests {
		got, err := parseDisplay(tt.display)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseDisplay(%q) error = %v, want error %v", tt.display, err, tt.wantErr)
			continue
		}
		if got.network != tt.wantNetwork || !slices.Equal(got.addrs, tt.wantAddrs) {
			t.Errorf("parseDisplay(%q) = %+v, want %s %v", tt.display, got, tt.wantNetwork, tt.wantAddrs)
		}
	}
}

func TestParseDisplayUnset(t *testing.T) {
	t.Parallel()
	if _, err := parseDisplay(""); !errors.Is(err, errNoDisplay) {
		t.Errorf("parseDisplay(\"\") = %v, want errNoDisplay", err)
	}
}
