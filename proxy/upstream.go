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

// The upstream request is built from an allowlist of the client's headers,
// never from a denylist: a client could otherwise smuggle an account or a
// credential upstream in a spelling the proxy did not think of
// (chatgpt_account_id next to the proxy's own Chatgpt-Account-Id). Names are
// compared lower-cased with '_' read as '-', so every spelling of a header
// is judged alike; a header that passes keeps the client's spelling.
//
// Kept, because the Codex CLI (codex-rs) or the OpenAI SDKs send them and
// the backend reads them:
//
//   - accept, content-type, content-encoding (the CLI may zstd its body),
//     user-agent, originator, version
//   - session_id / session-id, conversation_id, thread-id (conversation
//     identity the backend uses for caching and routing)
//   - openai-beta, x-openai-subagent (review/compact turns),
//     x-client-request-id, idempotency-key
//   - x-openai-internal-codex-residency, x-openai-fedramp (workspace
//     routing hints the CLI sends from its config), x-openai-memgen-request,
//     x-responsesapi-include-timing-metrics, x-oai-attestation
//   - x-codex-* (turn state, turn metadata, beta features, window id, …)
//   - x-stainless-* (the OpenAI SDKs' own description of themselves)
//   - traceparent, tracestate (W3C trace context, no identity)
//
// Everything else is dropped, in particular: any spelling of authorization,
// chatgpt-account-id, x-api-key (the proxy sets its own credentials),
// openai-organization and openai-project (they name an API account, not a
// ChatGPT login), cookie, host, content-length, accept-encoding, expect,
// origin, referer, via, forwarded and x-forwarded-*, x-real-ip, proxy-*,
// and hop-by-hop headers.
var forwardedHeaders = map[string]bool{
	"accept": true, "content-type": true, "content-encoding": true, "user-agent": true,
	"originator": true, "version": true,
	"session-id": true, "conversation-id": true, "thread-id": true,
	"openai-beta": true, "x-openai-subagent": true, "x-client-request-id": true, "idempotency-key": true,
	"x-openai-internal-codex-residency": true, "x-openai-fedramp": true, "x-openai-memgen-request": true,
	"x-responsesapi-include-timing-metrics": true, "x-oai-attestation": true,
	"traceparent": true, "tracestate": true,
}

// forwardedPrefixes are header families kept whole (see forwardedHeaders).
var forwardedPrefixes = []string{"x-codex-", "x-stainless-"}

// headerName is how the allowlist spells a header name.
func headerName(k string) string { return strings.ReplaceAll(strings.ToLower(k), "_", "-") }

// forwardable reports whether a client header may go upstream.
func forwardable(k string) bool {
	n := headerName(k)
	if forwardedHeaders[n] {
		return true
	}
	for _, p := range forwardedPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// responseDrop are upstream headers that mean nothing to a local client.
var responseDrop = map[string]bool{
	"Set-Cookie": true, "Alt-Svc": true, "Strict-Transport-Security": true,
}

// forwardHeaders copies the client's headers that may go upstream: the
// allowlist above, minus what the client's Connection header names.
func forwardHeaders(in http.Header) http.Header {
	out := make(http.Header, len(in))
	for k, v := range in {
		if forwardable(k) {
			out[k] = slices.Clone(v)
		}
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
