package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"time"
)

// Failover bounds.
const (
	maxAttempts      = 16      // upstream attempts for one client request
	maxServerRetries = 1       // extra attempts after 5xx, overload or a broken connection
	maxErrorBody     = 1 << 20 // bytes of an upstream error body kept for passing through
)

// call is one client request on its way upstream, with everything needed to
// replay it on another account.
type call struct {
	route       string      // for logs: codex, responses, chat
	method      string      //
	target      string      // upstream path and query below the base URL, e.g. /codex/responses
	header      http.Header // client headers to forward: auth and hop-by-hop ones removed
	body        []byte      //
	sessionKey  string      // conversation affinity
	turnState   string      // the request's x-codex-turn-state
	turnAccount string      // the account that issued turnState, when known
	wantsStream bool        // a Responses request: a 2xx answer must be an event stream
}

// errNotAStream is a 2xx answer to a Responses request that is not an
// event stream.
var errNotAStream = errors.New("the ChatGPT backend answered without an event stream")

// sink delivers an upstream Responses stream to the client in the shape it
// asked for: passed through, translated to chat completion chunks, or
// collected into one JSON answer.
type sink interface {
	// start commits to the upstream answer (status 2xx, SSE).
	start(status int, upstream http.Header) error
	// event delivers one upstream event.
	event(ev *sseEvent) error
	// end is called when the upstream stream ended; err is nil for a clean
	// end. An error return makes the proxy abort the client's connection.
	end(err error) error
}

// holdPolicy bounds the holdback of one route.
type holdPolicy struct {
	events      int
	bytes       int
	wait        time.Duration // 0: no timer
	untilOutput bool          // release at the first output delta
}

func (s *Server) streamPolicy() holdPolicy {
	h := s.cfg.Holdback
	return holdPolicy{events: h.Events, bytes: h.Bytes, wait: h.Wait, untilOutput: true}
}

// collectPolicy holds a whole answer that is delivered as one JSON body
// anyway, so any failure before its end can still fail over.
func (s *Server) collectPolicy() holdPolicy {
	return holdPolicy{events: 1 << 30, bytes: int(s.cfg.MaxBody)}
}

// step is what the failover loop does after one attempt.
type step int

const (
	stepDone    step = iota // the client got its answer (or left)
	stepNext                // try another account
	stepRefresh             // refresh this account's tokens and replay on it
	stepGiveUp              // out of options: tell the client
	stepAbort               // the stream broke after it was committed: cut the client off
)

// buffered is a whole upstream error answer, ready to pass through.
type buffered struct {
	status int
	header http.Header
	body   []byte
}

// failover is the state of one client request across its attempts.
type failover struct {
	tried         map[string]bool // accounts not to pick again
	refreshed     map[string]bool // accounts already refreshed once
	attempts      int
	serverRetries int
	limited       int
	earliestReset time.Time
	blocked       int       // accounts refused by a CDN challenge or block
	blockedUntil  time.Time // the earliest end of their back-offs
	blockedStatus int       // the upstream status that refused them
	last          *buffered // the last upstream failure, to pass through
	lastErr       error     // the last connection error
	status        int       // what the client got, for the log
	account       Lease     // the last account tried, for the log
}

func newFailover() *failover {
	return &failover{tried: map[string]bool{}, refreshed: map[string]bool{}}
}

func (f *failover) limitedUntil(l Lease, reset time.Time, b *buffered) step {
	f.tried[l.AccountID] = true
	f.limited++
	if f.earliestReset.IsZero() || reset.Before(f.earliestReset) {
		f.earliestReset = reset
	}
	if b != nil {
		f.last = b
	}
	return stepNext
}

func (f *failover) unauthorized(l Lease, b *buffered) step {
	f.last = b
	if !f.refreshed[l.AccountID] {
		f.refreshed[l.AccountID] = true
		return stepRefresh
	}
	f.tried[l.AccountID] = true
	return stepNext
}

// blockedAccount notes an account the upstream refused for a reason other
// than its token: it is not tried again for this request and nothing is
// refreshed.
func (f *failover) blockedAccount(l Lease, until time.Time, b *buffered) step {
	f.tried[l.AccountID] = true
	f.blocked++
	f.blockedStatus = b.status
	if f.blockedUntil.IsZero() || until.Before(f.blockedUntil) {
		f.blockedUntil = until
	}
	f.last = b
	return stepNext
}

func (f *failover) canRetryServer() bool { return f.serverRetries < maxServerRetries }

func (f *failover) serverFailure(l Lease) step {
	f.tried[l.AccountID] = true
	if !f.canRetryServer() {
		return stepGiveUp
	}
	f.serverRetries++
	return stepNext
}

// forward runs one client request: pick an account, send, and on a limit,
// auth or server failure try again (the same buffered request) until an
// answer can be delivered or there is nothing left to try.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, c *call, sk sink, hp holdPolicy) {
	ctx := r.Context()
	start := time.Now()
	s.stats.requests.Add(1)
	s.stats.inFlight.Add(1)
	defer s.stats.inFlight.Add(-1)
	fo := newFailover()
	defer func() { s.logRequest(c, fo, start) }()

	var lease Lease
	forced := false // lease came from Refresh: replay on it
	for {
		if !forced {
			if fo.attempts >= maxAttempts {
				s.giveUp(w, r, fo, nil)
				return
			}
			l, err := s.cfg.Picker.Pick(ctx, PickRequest{
				SessionKey: c.sessionKey, TurnAccount: c.turnAccount, Exclude: maps.Clone(fo.tried),
			})
			if err != nil {
				s.giveUp(w, r, fo, err)
				return
			}
			if fo.tried[l.AccountID] {
				s.cfg.Picker.Report(l, Outcome{Kind: Canceled, Err: errors.New("picker returned an account already tried")})
				s.giveUp(w, r, fo, ErrNoAccounts)
				return
			}
			lease = l
		}
		forced = false
		if fo.attempts++; fo.attempts > 1 {
			s.stats.failovers.Add(1)
		}
		fo.account = lease
		switch s.attempt(ctx, w, c, sk, hp, lease, fo) {
		case stepDone:
			return
		case stepAbort:
			s.logRequest(c, fo, start)
			panic(http.ErrAbortHandler)
		case stepGiveUp:
			s.giveUp(w, r, fo, nil)
			return
		case stepRefresh:
			nl, err := s.cfg.Picker.Refresh(ctx, lease)
			if err != nil {
				s.log.Warn("token refresh after 401 failed", "account", lease, "err", err)
				fo.tried[lease.AccountID] = true
				continue
			}
			lease, forced = nl, true
		case stepNext:
		}
	}
}

// attempt sends the request once with lease and decides what comes next.
// It reports the outcome to the Picker exactly once.
func (s *Server) attempt(ctx context.Context, w http.ResponseWriter, c *call, sk sink, hp holdPolicy, lease Lease, fo *failover) step {
	start := time.Now()
	s.stats.begin(lease, start)
	report := func(o Outcome) {
		o.Latency = time.Since(start)
		s.stats.end(lease, o)
		s.cfg.Picker.Report(lease, o)
		s.log.Debug("upstream attempt", "route", c.route, "account", lease, "outcome", o.Kind,
			"status", o.Status, "latency", o.Latency)
	}
	// The attempt's own context lets the watchdog cut a silent upstream;
	// ctx (the client's) still tells a client that left.
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	wd := newWatchdog(s.cfg.UpstreamIdle, cancel)
	defer wd.disarm()
	req, err := s.newUpstreamRequest(actx, c, lease)
	if err != nil {
		report(Outcome{Kind: Failed, Err: err})
		fo.lastErr = err
		return stepGiveUp
	}
	wd.arm()
	resp, err := s.transport.RoundTrip(req)
	wd.disarm()
	if err != nil {
		if ctx.Err() != nil {
			report(Outcome{Kind: Canceled, Err: ctx.Err()})
			return stepDone
		}
		if wd.stalled() {
			err = wd.err()
		}
		report(Outcome{Kind: Failed, Err: err})
		fo.lastErr = err
		return fo.serverFailure(lease)
	}
	resp.Body = wd.body(resp.Body)
	s.turns.remember(resp.Header.Get("X-Codex-Turn-State"), lease.AccountID, time.Now())
	status := resp.StatusCode
	if status == http.StatusTooManyRequests || status == http.StatusUnauthorized ||
		status == http.StatusForbidden || status == http.StatusPaymentRequired || status >= 500 {
		b, err := readBuffered(resp)
		if err != nil && ctx.Err() != nil {
			report(Outcome{Kind: Canceled, Status: status, Err: ctx.Err()})
			return stepDone
		}
		o := Outcome{Status: status, Header: resp.Header}
		switch {
		case status == http.StatusTooManyRequests:
			o.Kind, o.ResetAt = Limited, limitReset(time.Now(), resp.Header, bodyError(b.body))
			report(o)
			return fo.limitedUntil(lease, o.ResetAt, b)
		case (status == http.StatusUnauthorized || status == http.StatusForbidden) &&
			s.cfg.Blocked != nil && s.cfg.Blocked(status, resp.Header, b.body):
			now := time.Now()
			o.Kind, o.ResetAt, o.Err = Blocked, s.blockedBackoff(now, resp.Header), errors.New(refusalReason(status, resp.Header, b.body))
			report(o)
			return fo.blockedAccount(lease, o.ResetAt, blockedAnswer(status, b.header, o.ResetAt, now))
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			o.Kind = Unauthorized
			report(o)
			return fo.unauthorized(lease, b)
		case status == http.StatusPaymentRequired: // e.g. deactivated_workspace: this account, for good
			o.Kind, o.Err = Failed, fmt.Errorf("upstream answered %d", status)
			report(o)
			fo.tried[lease.AccountID] = true
			fo.last = b
			return stepNext
		default:
			o.Kind, o.Err = Failed, fmt.Errorf("upstream answered %d", status)
			report(o)
			fo.last = b
			return fo.serverFailure(lease)
		}
	}
	if status/100 == 2 && c.wantsStream && !isEventStream(resp.Header) {
		// A 2xx that is not the event stream asked for (garbage, a CDN's
		// page): nothing a client can use, so another account gets a go.
		b, err := readBuffered(resp)
		if err != nil && ctx.Err() != nil {
			report(Outcome{Kind: Canceled, Status: status, Err: ctx.Err()})
			return stepDone
		}
		err = fmt.Errorf("%w (HTTP %d, %s)", errNotAStream, status, orDefault(b.header.Get("Content-Type"), "no content type"))
		report(Outcome{Kind: Failed, Status: status, Header: resp.Header, Err: err})
		fo.lastErr = err
		return fo.serverFailure(lease)
	}
	fo.status = status
	if status/100 == 2 && isEventStream(resp.Header) {
		return s.relay(ctx, resp, sk, hp, lease, fo, report)
	}
	return s.passThrough(ctx, w, resp, report)
}

// readBuffered reads a (small) upstream error answer whole.
func readBuffered(resp *http.Response) (*buffered, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return &buffered{status: resp.StatusCode, header: resp.Header, body: body}, err
}

// passThrough copies an answer that is not an event stream (JSON, an error
// the request itself caused) to the client as it comes.
func (s *Server) passThrough(ctx context.Context, w http.ResponseWriter, resp *http.Response, report func(Outcome)) step {
	defer resp.Body.Close()
	copyResponseHeaders(w.Header(), resp.Header, true)
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	kind := Success
	if resp.StatusCode/100 != 2 {
		kind = Rejected
	}
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				report(Outcome{Kind: Canceled, Status: resp.StatusCode, Header: resp.Header, Err: err})
				return stepDone
			}
			rc.Flush()
		}
		if errors.Is(rerr, io.EOF) {
			report(Outcome{Kind: kind, Status: resp.StatusCode, Header: resp.Header})
			return stepDone
		}
		if rerr != nil {
			if ctx.Err() != nil {
				report(Outcome{Kind: Canceled, Status: resp.StatusCode, Header: resp.Header, Err: ctx.Err()})
				return stepDone
			}
			report(Outcome{Kind: Failed, Status: resp.StatusCode, Header: resp.Header, Err: fmt.Errorf("reading upstream answer: %w", rerr)})
			return stepAbort
		}
	}
}

// giveUp answers the client when no attempt can deliver: the pool's
// usage_limit_reached 429, the last upstream failure, or a clear 502/503.
func (s *Server) giveUp(w http.ResponseWriter, r *http.Request, fo *failover, pickErr error) {
	now := time.Now()
	var all *AllLimitedError
	switch {
	case r.Context().Err() != nil:
		fo.status = 499 // the client left; nothing to answer
	case errors.As(pickErr, new(*AllBlockedError)) || (pickErr != nil && fo.blocked > 0):
		status, retryAt := fo.blockedStatus, fo.blockedUntil
		var ab *AllBlockedError
		if errors.As(pickErr, &ab) {
			if status == 0 {
				status = ab.Status
			}
			if retryAt.IsZero() || (!ab.RetryAt.IsZero() && ab.RetryAt.Before(retryAt)) {
				retryAt = ab.RetryAt
			}
		}
		if status == 0 {
			status = http.StatusForbidden
		}
		fo.status = status
		writeBuffered(w, blockedAnswer(status, nil, retryAt, now))
	case errors.As(pickErr, &all):
		reset := all.ResetAt
		if reset.IsZero() || (!fo.earliestReset.IsZero() && fo.earliestReset.Before(reset)) {
			reset = fo.earliestReset
		}
		fo.status = http.StatusTooManyRequests
		writeAllLimited(w, reset, now)
	case pickErr != nil && fo.limited > 0:
		fo.status = http.StatusTooManyRequests
		writeAllLimited(w, fo.earliestReset, now)
	case fo.last != nil:
		fo.status = fo.last.status
		writeBuffered(w, fo.last)
	case fo.lastErr != nil && errors.Is(fo.lastErr, errUpstreamStalled):
		fo.status = http.StatusGatewayTimeout
		writeError(w, http.StatusGatewayTimeout, "upstream_timeout", fo.lastErr.Error())
	case fo.lastErr != nil && (errors.Is(fo.lastErr, errStreamEmpty) || errors.Is(fo.lastErr, errNotAStream)):
		fo.status = http.StatusBadGateway
		writeError(w, http.StatusBadGateway, "upstream_error", fo.lastErr.Error())
	case fo.lastErr != nil:
		fo.status = http.StatusBadGateway
		writeError(w, http.StatusBadGateway, "upstream_unreachable", "the ChatGPT backend could not be reached: "+fo.lastErr.Error())
	case errors.Is(pickErr, ErrNoAccounts) || pickErr == nil:
		fo.status = http.StatusServiceUnavailable
		writeError(w, http.StatusServiceUnavailable, "no_accounts", "Quiver has no usable account: add one, or log in again to the ones that need it")
	default:
		fo.status = http.StatusServiceUnavailable
		writeError(w, http.StatusServiceUnavailable, "no_accounts", "no account is available: "+pickErr.Error())
	}
}

// writeBuffered passes an upstream failure on. A body that is not JSON (a
// CDN's or a proxy's HTML page, nothing at all) becomes a JSON error that
// says so: clients parse errors, not pages.
func writeBuffered(w http.ResponseWriter, b *buffered) {
	if !json.Valid(b.body) {
		copyCodexHeaders(w.Header(), b.header)
		if ra := b.header.Get("Retry-After"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		what := "without a body"
		if len(b.body) > 0 {
			what = "with a " + orDefault(b.header.Get("Content-Type"), "non-JSON") + " page"
		}
		writeError(w, b.status, "upstream_error", fmt.Sprintf("the ChatGPT backend answered %d %s", b.status, what))
		return
	}
	copyResponseHeaders(w.Header(), b.header, false)
	w.Header().Set("Content-Length", fmt.Sprint(len(b.body)))
	w.WriteHeader(b.status)
	w.Write(b.body)
}

// overloadedAnswer stands for an in-stream overload error when it has to be
// passed on as a whole answer.
func overloadedAnswer(e *upstreamErr) *buffered {
	body, _ := json.Marshal(apiError{Error: apiErrorBody{Type: "server_error", Code: string(e.Code), Message: e.Message}})
	return &buffered{status: http.StatusServiceUnavailable, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func (s *Server) logRequest(c *call, fo *failover, start time.Time) {
	if fo.status == 0 {
		return
	}
	s.log.Info("proxied", "route", c.route, "status", fo.status, "account", fo.account,
		"attempts", fo.attempts, "limited", fo.limited, "latency", time.Since(start))
	fo.status = 0 // log once, also when the handler aborts
}
