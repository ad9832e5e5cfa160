package codextest

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// The hostile side of the fakes: what the real upstreams do on a bad day.
// Each switch applies to the next n answers (n < 0: until changed), and
// says in its name whether it consumes anything.

// TokenFault is a way the token endpoint misbehaves.
type TokenFault int

const (
	// TokenOK: no fault.
	TokenOK TokenFault = iota
	// TokenHTMLError answers an HTML error page with the given status (a
	// 5xx from a load balancer, or a CDN's 403 challenge) before looking
	// at the request: nothing is consumed.
	TokenHTMLError
	// TokenStall holds the request without answering until the client
	// gives up (or the fake closes): nothing is consumed.
	TokenStall
	// TokenGarbage answers 200 with a body that is not JSON, before
	// looking at the request: nothing is consumed.
	TokenGarbage
	// TokenOpaqueAccess grants the refresh as usual (the refresh token IS
	// consumed and a new one issued) but the access token it returns is
	// an opaque string, not a JWT. The fake's backend accepts it.
	TokenOpaqueAccess
)

type tokenFaultState struct {
	fault  TokenFault
	status int
	left   int // answers still to fault; < 0: forever
}

// SetTokenFault makes the next n /oauth/token requests misbehave as f (n <
// 0: every request until SetTokenFault(TokenOK, 0, 0)). status is the
// HTTP status of TokenHTMLError.
func (s *AuthServer) SetTokenFault(f TokenFault, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenFault = tokenFaultState{fault: f, status: status, left: n}
	if f == TokenOK || n == 0 {
		s.tokenFault = tokenFaultState{}
	}
}

// takeTokenFaultLocked returns the fault for this request, counting it.
func (s *AuthServer) takeTokenFaultLocked() tokenFaultState {
	f := s.tokenFault
	if f.fault == TokenOK {
		return f
	}
	if f.left > 0 {
		s.tokenFault.left--
		if s.tokenFault.left == 0 {
			s.tokenFault = tokenFaultState{}
		}
	}
	s.stats.InjectedFailures++
	return f
}

// cloudflareChallenge is the shape of the CDN's bot challenge page.
const cloudflareChallenge = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>` +
	`<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>` +
	`<body><div class="main-wrapper" role="main"><div class="main-content">` +
	`<noscript>Enable JavaScript and cookies to continue</noscript></div></div></body></html>`

// writeHTMLError answers an HTML page with status, the way a CDN or a load
// balancer does: a 403 is a challenge (cf-mitigated: challenge), anything
// else a bare error page.
func writeHTMLError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	body := fmt.Sprintf("<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>cloudflare</center></body></html>",
		status, http.StatusText(status), status, http.StatusText(status))
	if status == http.StatusForbidden {
		w.Header().Set("Cf-Mitigated", "challenge")
		body = cloudflareChallenge
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// stall holds r until its client goes away or limit passes (a bound so
// that a test never hangs on the fake itself).
func stall(r *http.Request, limit time.Duration) {
	// The server notices a client that went away only once the request
	// body has been read.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

// stallLimit bounds how long a stalled request is held.
const stallLimit = 2 * time.Minute
