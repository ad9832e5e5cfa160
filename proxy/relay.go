package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// holdState is where a stream's holdback stands.
type holdState int

const (
	holding   holdState = iota // events kept back; failover still invisible
	committed                  // the client has the headers; events flow through
	abandoned                  // the attempt failed over; nothing may reach the client
)

// holder keeps the first events of a stream back. Its timer may commit from
// another goroutine, so the sink is used under mu until the stream is
// committed; after that only relay's goroutine touches it.
type holder struct {
	mu     sync.Mutex // guards all below
	state  holdState
	held   []sseEvent
	bytes  int
	sink   sink
	status int
	header http.Header
	err    error // writing to the client failed
}

func (h *holder) add(ev sseEvent) {
	h.held = append(h.held, ev)
	h.bytes += len(ev.raw)
}

func (h *holder) commitLocked() {
	h.state = committed
	if h.err = h.sink.start(h.status, h.header); h.err != nil {
		return
	}
	for i := range h.held {
		if h.err = h.sink.event(&h.held[i]); h.err != nil {
			return
		}
	}
	h.held = nil
}

// release commits when the holdback's time is up.
func (h *holder) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == holding {
		h.commitLocked()
	}
}

// close makes sure a late timer cannot write once relay has returned.
func (h *holder) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == holding {
		h.state = abandoned
	}
}

// relay delivers a 2xx event stream through the holdback: events are kept
// until the first output delta (or the policy's bounds), so that an error
// event before that point fails over invisibly; after it, each event goes
// straight to the client.
func (s *Server) relay(ctx context.Context, resp *http.Response, sk sink, hp holdPolicy, lease Lease, fo *failover, report func(Outcome)) step {
	defer resp.Body.Close()
	h := &holder{sink: sk, status: resp.StatusCode, header: resp.Header}
	if hp.wait > 0 {
		t := time.AfterFunc(hp.wait, h.release)
		defer t.Stop()
	}
	defer h.close()

	var (
		rd        = newSSEReader(resp.Body)
		usage     *TokenUsage
		streamErr *upstreamErr
		respID    string // from response.created, for a stall's error event
		isCommit  bool   // relay has seen the commit
	)
	outcome := func(kind OutcomeKind, err error) Outcome {
		return Outcome{Kind: kind, Status: resp.StatusCode, Header: resp.Header, Usage: usage, Err: err}
	}
	clientGone := func(err error) step {
		report(outcome(Canceled, err))
		return stepDone
	}
	for {
		ev, err := rd.next()
		if err != nil {
			clean := errors.Is(err, io.EOF)
			if !isCommit {
				h.mu.Lock()
				if h.state == holding {
					// Nothing reached the client: a broken or stalled stream,
					// or one that ended before any output, terminal or error
					// event (garbage), fails over like any other error.
					h.state = abandoned
					h.mu.Unlock()
					if ctx.Err() != nil {
						return clientGone(ctx.Err())
					}
					if clean {
						err = errStreamEmpty
					}
					report(outcome(Failed, fmt.Errorf("reading upstream stream: %w", err)))
					fo.lastErr = err
					return fo.serverFailure(lease)
				}
				werr := h.err
				h.mu.Unlock()
				isCommit = true
				if werr != nil {
					return clientGone(werr)
				}
			}
			if !clean {
				if ctx.Err() != nil {
					return clientGone(ctx.Err())
				}
				if errors.Is(err, errUpstreamStalled) {
					// The client has part of the answer: end its stream
					// cleanly with an error event it understands.
					report(outcome(Failed, err))
					ev := stalledEvent(respID, err)
					if sk.event(&ev) != nil || sk.end(nil) != nil {
						return stepAbort
					}
					return stepDone
				}
				report(outcome(Failed, fmt.Errorf("upstream stream broke: %w", err)))
				sk.end(err)
				return stepAbort
			}
			report(finalOutcome(outcome(Success, nil), streamErr))
			if sk.end(nil) != nil {
				return stepAbort
			}
			return stepDone
		}

		if ev.name == evCreated && respID == "" {
			if e, ok := decodeEvent(ev.data); ok && e.Response != nil {
				respID = e.Response.ID
			}
		}
		if isTerminalEvent(ev.name) {
			if e, ok := decodeEvent(ev.data); ok && e.Response != nil {
				usage = e.Response.Usage.tokenUsage()
			}
		}
		var evErr *upstreamErr
		if isErrorEvent(ev.name) {
			evErr = eventError(ev.data)
			streamErr = evErr
		}

		if !isCommit {
			h.mu.Lock()
			if h.state == holding {
				if next, failed := s.failInStream(evErr, resp, lease, fo, report); failed {
					h.state = abandoned
					h.mu.Unlock()
					return next
				}
				h.add(ev)
				if (hp.untilOutput && isOutputEvent(ev.name)) || isTerminalEvent(ev.name) || evErr != nil ||
					len(h.held) >= hp.events || h.bytes >= hp.bytes {
					h.commitLocked()
				}
				isCommit = h.state == committed
				werr := h.err
				h.mu.Unlock()
				if werr != nil {
					return clientGone(werr)
				}
				continue // delivered with the held events, or still held
			}
			werr := h.err // the timer committed
			h.mu.Unlock()
			isCommit = true
			if werr != nil {
				return clientGone(werr)
			}
		}
		if err := sk.event(&ev); err != nil {
			return clientGone(err)
		}
	}
}

// failInStream decides whether an error event that arrived during the
// holdback fails over: a limit moves to the next account, an overload
// retries elsewhere while the retry budget lasts.
func (s *Server) failInStream(e *upstreamErr, resp *http.Response, lease Lease, fo *failover, report func(Outcome)) (step, bool) {
	if e == nil {
		return 0, false
	}
	switch classify(e) {
	case failLimited:
		reset := limitReset(time.Now(), resp.Header, e)
		report(Outcome{Kind: Limited, Status: resp.StatusCode, ResetAt: reset, Header: resp.Header,
			Err: fmt.Errorf("in-stream error %s", e.Code)})
		return fo.limitedUntil(lease, reset, nil), true
	case failOverloaded:
		if !fo.canRetryServer() {
			return 0, false
		}
		report(Outcome{Kind: Failed, Status: resp.StatusCode, Header: resp.Header,
			Err: fmt.Errorf("in-stream error %s: %s", e.Code, e.Message)})
		fo.last = overloadedAnswer(e)
		return fo.serverFailure(lease), true
	}
	return 0, false
}

// finalOutcome turns an error event seen after the commit into the right
// outcome for the account.
func finalOutcome(o Outcome, streamErr *upstreamErr) Outcome {
	if streamErr == nil {
		return o
	}
	o.Err = fmt.Errorf("in-stream error %s: %s", streamErr.Code, streamErr.Message)
	switch classify(streamErr) {
	case failLimited:
		o.Kind, o.ResetAt = Limited, limitReset(time.Now(), o.Header, streamErr)
	case failOverloaded:
		o.Kind = Failed
	default:
		o.Kind = Rejected
	}
	return o
}

// errStreamEmpty is a 2xx event stream that ended before any output,
// terminal or error event: nothing a client could use.
var errStreamEmpty = errors.New("the ChatGPT backend's stream ended before the response started")

// stalledEvent is the response.failed event that ends a client's stream
// when the upstream stalled after part of the answer was delivered. Its
// code is not one the Codex CLI treats as final, so the CLI may retry.
func stalledEvent(respID string, err error) sseEvent {
	data := mustJSON(map[string]any{
		"type": evFailed,
		"response": map[string]any{
			"id": respID, "object": "response", "status": "failed",
			"error": apiErrorBody{Type: "server_error", Code: "upstream_stalled", Message: err.Error() + "; the answer is incomplete"},
		},
	})
	raw := append(append([]byte("event: "+evFailed+"\ndata: "), data...), "\n\n"...)
	return sseEvent{raw: raw, name: evFailed, data: data}
}
