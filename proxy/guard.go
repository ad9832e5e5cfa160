package proxy

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// guard enforces the rules every request meets before any route sees it:
// a loopback Host (against DNS rebinding), no CORS preflights, no Origin
// header (no browser has a reason to call the proxy, and a page must not
// use a key it learned), the proxy key (except on /healthz) and the body
// size limit.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, "forbidden_host", "the proxy answers only to localhost, 127.0.0.1 or [::1]")
			return
		}
		if r.Method == http.MethodOptions {
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "cross-origin requests are not allowed")
			return
		}
		if _, ok := r.Header["Origin"]; ok {
			writeError(w, http.StatusForbidden, "forbidden_origin", "the proxy does not answer browsers: requests with an Origin header are refused")
			return
		}
		if r.URL.Path != "/healthz" && !s.authorized(r) {
			h.Set("WWW-Authenticate", `Bearer realm="quiver"`)
			writeError(w, http.StatusUnauthorized, "invalid_api_key", "missing or wrong proxy key (send Authorization: Bearer <key> or x-api-key)")
			return
		}
		if r.ContentLength > s.cfg.MaxBody {
			writeTooLarge(w, s.cfg.MaxBody)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		next.ServeHTTP(w, r)
	})
}

// authorized compares the presented key with the proxy key in constant time
// (over hashes, so not even the key's length leaks).
func (s *Server) authorized(r *http.Request) bool {
	key := r.Header.Get("X-Api-Key")
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return false
		}
		key = strings.TrimSpace(token)
	}
	if key == "" {
		return false
	}
	sum := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(sum[:], s.keyHash[:]) == 1
}

// loopbackHost reports whether a Host header names this machine:
// localhost, 127.0.0.0/8 or [::1], with or without a port.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readBody reads the whole request body within Config.BodyTimeout,
// answering 413, 408 or 400 itself when it cannot. The deadline is on the
// connection's reads and is lifted once the body is in (net/http does so
// too), so a long answer streamed back afterwards is not cut.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	rc := http.NewResponseController(w)
	deadline := rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) == nil
	body, err := io.ReadAll(r.Body)
	if deadline {
		rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeTooLarge(w, s.cfg.MaxBody)
		case errors.Is(err, os.ErrDeadlineExceeded):
			s.log.Warn("a client took too long to send its request body", "route", r.URL.Path, "limit", s.cfg.BodyTimeout)
			w.Header().Set("Connection", "close")
			writeError(w, http.StatusRequestTimeout, "request_timeout",
				fmt.Sprintf("the request body did not arrive within %s", s.cfg.BodyTimeout))
		default:
			writeError(w, http.StatusBadRequest, "invalid_request_error", "reading the request body failed")
		}
		return nil, false
	}
	return body, true
}
