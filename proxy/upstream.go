package proxy

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// hopHeaders are connection-level headers that never cross a proxy.
var hopHeaders = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// requestDrop are client headers the proxy never sends upstream: the
// client's own credentials (the proxy key), what the proxy sets itself, and
// what would reveal or confuse the local client.
var requestDrop = map[string]bool{
	"Authorization": true, "X-Api-Key": true, "Chatgpt-Account-Id": true, "Host": true,
	"Content-Length": true, "Accept-Encoding": true, "Cookie": true, "Expect": true,
	"Forwarded": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true,
	"X-Real-Ip": true, "Origin": true, "Referer": true,
}

// responseDrop are upstream headers that mean nothing to a local client.
var responseDrop = map[string]bool{
	"Set-Cookie": true, "Alt-Svc": true, "Strict-Transport-Security": true,
}

// forwardHeaders copies the client's headers that may go upstream
// (originator, session_id, version, User-Agent, x-codex-*, OpenAI-Beta, …).
func forwardHeaders(in http.Header) http.Header {
	out := make(http.Header, len(in))
	for k, v := range in {
		if requestDrop[k] || hopHeaders[k] {
			continue
		}
		out[k] = slices.Clone(v)
	}
	dropConnectionListed(out, in)
	return out
}

// copyResponseHeaders copies upstream's headers that may reach the client.
// CORS headers never do: the proxy serves no browser.
func copyResponseHeaders(dst, src http.Header, keepLength bool) {
	for k, v := range src {
		if hopHeaders[k] || responseDrop[k] || strings.HasPrefix(k, "Access-Control-") ||
			(!keepLength && k == "Content-Length") {
			continue
		}
		dst[k] = slices.Clone(v)
	}
	dropConnectionListed(dst, src)
}

// copyCodexHeaders copies only upstream's x-codex-* (rate limits, credits)
// and request id, for answers the proxy writes itself.
func copyCodexHeaders(dst, src http.Header) {
	for k, v := range src {
		if strings.HasPrefix(k, "X-Codex-") || k == "X-Request-Id" {
			dst[k] = slices.Clone(v)
		}
	}
}

func dropConnectionListed(dst, src http.Header) {
	for _, f := range src["Connection"] {
		for name := range strings.SplitSeq(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				dst.Del(name)
			}
		}
	}
}

// newUpstreamRequest builds one attempt of c on lease's account.
func (s *Server) newUpstreamRequest(ctx context.Context, c *call, l Lease) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, c.method, s.base+c.target, bytes.NewReader(c.body))
	if err != nil {
		return nil, fmt.Errorf("building upstream request: %w", err)
	}
	req.Header = c.header.Clone()
	req.Header.Set("Authorization", "Bearer "+l.AccessToken)
	if l.ChatGPTAccountID != "" {
		req.Header.Set("Chatgpt-Account-Id", l.ChatGPTAccountID)
	}
	if c.turnAccount != "" && c.turnAccount != l.AccountID {
		// The turn state belongs to another account's session.
		req.Header.Del("X-Codex-Turn-State")
	}
	return req, nil
}

func isEventStream(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "text/event-stream"
}

// passSink passes upstream events through unchanged, flushing each.
type passSink struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newPassSink(w http.ResponseWriter) *passSink {
	return &passSink{w: w, rc: http.NewResponseController(w)}
}

func (p *passSink) start(status int, upstream http.Header) error {
	copyResponseHeaders(p.w.Header(), upstream, false)
	p.w.WriteHeader(status)
	return p.rc.Flush()
}

func (p *passSink) event(ev *sseEvent) error {
	if _, err := p.w.Write(ev.raw); err != nil {
		return err
	}
	return p.rc.Flush()
}

func (p *passSink) end(err error) error { return err }
