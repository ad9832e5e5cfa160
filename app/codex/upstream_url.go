package codex

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrInsecureUpstream is matched by CheckUpstreamURL's error for an http://
// URL whose host is not a loopback address: tokens would cross the network
// in clear text.
var ErrInsecureUpstream = errors.New("http:// is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https://")

// CheckUpstreamURL checks an upstream base URL (the ChatGPT backend, the
// OAuth issuer) that setting names ("chatgpt_base_url",
// "QUIVER_AUTH_ISSUER", …): it must be an absolute https URL, or http to a
// loopback host. The error names the setting and the URL's host, never a
// query or user info.
func CheckUpstreamURL(setting, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%s: %q is not an absolute URL", setting, redactURL(raw))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s: %s: %w", setting, u.Scheme+"://"+u.Host, ErrInsecureUpstream)
	}
	return fmt.Errorf("%s: scheme %q is not https", setting, u.Scheme)
}

// isLoopbackHost reports whether host names this machine: localhost (and
// its subdomains, which resolve to loopback per RFC 6761) or a loopback IP.
func isLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// redactURL keeps a bad URL's text short and free of user info.
func redactURL(raw string) string {
	if i := strings.IndexAny(raw, "?#@"); i >= 0 {
		raw = raw[:i] + "…"
	}
	if len(raw) > 80 {
		raw = raw[:80] + "…"
	}
	return raw
}
