package codextest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Backend is a fake of the ChatGPT backend the Codex CLI talks to
// (https://chatgpt.com/backend-api), on 127.0.0.1. Its URL stands for
// ".../backend-api":
//
//   - POST /codex/responses streams Responses-API SSE (response.created,
//     response.output_text.delta…, response.completed with usage). It wants
//     "Authorization: Bearer" (401 token_expired when the SetTokenValid hook
//     refuses the token), chatgpt-account-id, and a body with stream: true,
//     store: false, instructions and a list input (400 otherwise, worded
//     like the real one). Each answer issues an x-codex-turn-state; a
//     request carrying another account's turn state gets 400.
//   - GET /wham/usage (and /codex/usage) answers the usage JSON.
//   - GET /codex/models?client_version=… answers the model list
//     (backend_models.go: SetModels, SetModelsAnswer).
//
// Every answer carries x-codex-primary-* / x-codex-secondary-* rate-limit
// headers and x-codex-credits-*. Behaviour is scripted per account (the
// chatgpt-account-id value): SetLimited, FailNextInStream, FailNextStatus,
// BreakNextStream, Next. Next also scripts what the real world does and an
// ideal fake would not (backend_hostile.go): a CDN's HTML 403 challenge,
// HTML 5xx pages, a 429 that says nothing, 200s with garbage, streams that
// stall. Requests are recorded with every header they carried except the
// Authorization value (its count is kept). All methods are safe for
// concurrent use.
type Backend struct {
	URL string // base URL standing for https://chatgpt.com/backend-api

	srv   *httptest.Server
	start time.Time

	mu         sync.Mutex // guards everything below
	accounts   map[string]*backendAccount
	tokenValid func(access string) bool
	delay      time.Duration
	records    []BackendRequest
	turns      map[string]string // turn state → account id
	seq        int
	canceled   int
	usageFault usageFaultState // usage_faults.go
	models     backendModels   // GET /codex/models (backend_models.go)
}

// BackendRequest is one request the fake received.
type BackendRequest struct {
	AccountID string      // chatgpt-account-id
	Method    string      //
	Path      string      // below the base URL, e.g. /codex/responses
	Header    http.Header // every header received, without Authorization
	Auths     int         // how many Authorization values arrived (1 for a well-built request)
	Body      []byte      //
	Status    int         // what the fake answered (200 also for streams that failed inside)
}

// Script scripts the fake's next answer on one account.
type Script struct {
	Status     int           // answer this HTTP status with a JSON error instead of a stream
	ErrorCode  string        // with Status: the error code; in a stream: fail with this code
	FailAfter  int           // text deltas sent before the in-stream failure or the drop
	ErrorEvent bool          // fail with an "error" event rather than response.failed
	Drop       bool          // drop the connection after FailAfter deltas
	Hang       bool          // after the deltas, wait until the client goes away
	Delay      time.Duration // between events (SetDelay's value when 0)
	Deltas     []string      // the answer's text deltas; "Hello", " from ", account id when nil
	ToolCall   *ToolCall     // answer with a function call after the text

	// Hostile answers, sent without x-codex headers (a CDN or a broken
	// server in front of the backend answers them, not the backend).
	Challenge          bool // 403 "Just a moment..." HTML page with cf-mitigated: challenge
	HTML               bool // with Status: the body is an HTML error page (a CDN's 5xx)
	Bare               bool // with Status: no body and no rate-limit headers (a 429 that says nothing)
	GarbageJSON        bool // 200 application/json whose body is not JSON
	GarbageSSE         bool // 200 text/event-stream whose bytes are no Responses events
	StallAfterHeaders  bool // 200 text/event-stream headers, then nothing until the client goes away
	StallBeforeHeaders bool // no answer at all until the client goes away
	// (Hang with FailAfter stalls in the middle of a stream.)
}

// ToolCall is a function call the fake answers with.
type ToolCall struct {
	Name      string
	Arguments string
}

type backendAccount struct {
	limitedUntil time.Time
	primary      float64
	secondary    float64
	plan         string
	scripts      []Script
}

// Window lengths of the fake's plus plan.
const (
	backendPrimaryWindow   = 5 * time.Hour
	backendSecondaryWindow = 7 * 24 * time.Hour
)

// NewBackend starts the fake; it is closed when the test ends.
func NewBackend(t testing.TB) *Backend {
	b := &Backend{
		start:      time.Now(),
		accounts:   map[string]*backendAccount{},
		turns:      map[string]string{},
		tokenValid: func(string) bool { return true },
	}
	b.models.list = DefaultBackendModels()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /codex/responses", b.handleResponses)
	mux.HandleFunc("GET /wham/usage", b.handleUsage)
	mux.HandleFunc("GET /codex/usage", b.handleUsage)
	mux.HandleFunc("GET /codex/models", b.handleModels)
	b.srv = httptest.NewServer(mux)
	b.URL = b.srv.URL
	t.Cleanup(b.Close)
	return b
}

// Close stops the fake, cutting open streams.
func (b *Backend) Close() {
	b.srv.CloseClientConnections()
	b.srv.Close()
}

// SetTokenValid installs the hook that decides whether an access token is
// accepted (e.g. AuthServer.IsValidAccess). All are accepted by default.
func (b *Backend) SetTokenValid(valid func(access string) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokenValid = valid
}

// SetLimited makes accountID answer 429 usage_limit_reached for resetIn;
// resetIn <= 0 lifts the limit.
func (b *Backend) SetLimited(accountID string, resetIn time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.accountLocked(accountID)
	a.limitedUntil = time.Time{}
	if resetIn > 0 {
		a.limitedUntil = time.Now().Add(resetIn)
	}
}

// SetUsage sets the used percentages of accountID's 5-hour and weekly
// windows.
func (b *Backend) SetUsage(accountID string, primaryPct, secondaryPct float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.accountLocked(accountID)
	a.primary, a.secondary = primaryPct, secondaryPct
}

// SetDelay sets the pause between stream events.
func (b *Backend) SetDelay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delay = d
}

// Next queues a script for accountID's next /codex/responses request.
func (b *Backend) Next(accountID string, s Script) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.accountLocked(accountID)
	a.scripts = append(a.scripts, s)
}

// FailNextInStream makes accountID's next answer an HTTP 200 stream that
// fails with code (e.g. server_is_overloaded) before any output.
func (b *Backend) FailNextInStream(accountID, code string) {
	b.Next(accountID, Script{ErrorCode: code})
}

// FailNextStatus makes accountID's next answer an HTTP error.
func (b *Backend) FailNextStatus(accountID string, status int) {
	b.Next(accountID, Script{Status: status})
}

// BreakNextStream makes accountID's next stream drop its connection after
// afterDeltas text deltas.
func (b *Backend) BreakNextStream(accountID string, afterDeltas int) {
	b.Next(accountID, Script{Drop: true, FailAfter: afterDeltas})
}

// Requests returns the requests received so far.
func (b *Backend) Requests() []BackendRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]BackendRequest, len(b.records))
	copy(out, b.records)
	return out
}

// Canceled counts streams whose client went away before they ended.
func (b *Backend) Canceled() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.canceled
}

func (b *Backend) accountLocked(id string) *backendAccount {
	a, ok := b.accounts[id]
	if !ok {
		a = &backendAccount{plan: "plus"}
		b.accounts[id] = a
	}
	return a
}

// record notes a request and returns its index, for setting its status.
func (b *Backend) record(r *http.Request, body []byte) int {
	h := r.Header.Clone()
	h.Del("Authorization")
	b.mu.Lock()
	defer b.mu.Unlock()
	b.records = append(b.records, BackendRequest{
		AccountID: r.Header.Get("Chatgpt-Account-Id"), Method: r.Method, Path: r.URL.Path, Header: h,
		Auths: len(r.Header.Values("Authorization")), Body: body,
	})
	return len(b.records) - 1
}

func (b *Backend) setStatus(i, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.records[i].Status = status
}

// authorize checks the bearer token and account header, answering itself
// when they fail.
func (b *Backend) authorize(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	b.mu.Lock()
	valid := b.tokenValid
	b.mu.Unlock()
	switch {
	case !ok || token == "":
		backendError(w, http.StatusUnauthorized, "invalid_request_error", "missing_authorization", "Missing bearer authentication in header")
		return "", false
	case !valid(token):
		backendError(w, http.StatusUnauthorized, "invalid_request_error", "token_expired",
			"Provided authentication token is expired. Please try signing in again.")
		return "", false
	}
	id := r.Header.Get("Chatgpt-Account-Id")
	if id == "" {
		backendError(w, http.StatusBadRequest, "invalid_request_error", "missing_account_id", "Missing chatgpt-account-id header")
		return "", false
	}
	return id, true
}

type backendStatusWriter struct {
	http.ResponseWriter
	status int
}

func (s *backendStatusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *backendStatusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (b *Backend) handleResponses(rw http.ResponseWriter, r *http.Request) {
	body, err := readLimited(r, 64<<20)
	i := b.record(r, body)
	w := &backendStatusWriter{ResponseWriter: rw}
	defer func() { b.setStatus(i, w.status) }()
	if err != nil {
		backendError(w, http.StatusBadRequest, "invalid_request_error", "", "unreadable body")
		return
	}
	id, ok := b.authorize(w, r)
	if !ok {
		return
	}
	if s, ok := b.nextHostile(id); ok {
		b.hostile(w, r, s)
		return
	}
	if msg, param := checkResponsesBody(body); msg != "" {
		backendErrorParam(w, http.StatusBadRequest, msg, param)
		return
	}
	b.mu.Lock()
	a := b.accountLocked(id)
	limitedUntil := a.limitedUntil
	var script Script
	if len(a.scripts) > 0 {
		script, a.scripts = a.scripts[0], a.scripts[1:]
	}
	if script.Delay == 0 {
		script.Delay = b.delay
	}
	owner, known := b.turns[r.Header.Get("X-Codex-Turn-State")]
	b.seq++
	turn := fmt.Sprintf("ts_%s_%d", id, b.seq)
	b.turns[turn] = id
	b.mu.Unlock()

	b.rateHeaders(w.Header(), id)
	now := time.Now()
	switch {
	case known && owner != id:
		backendError(w, http.StatusBadRequest, "invalid_request_error", "invalid_turn_state", "Turn state was issued for another account")
	case limitedUntil.After(now):
		secs := int64(limitedUntil.Sub(now).Seconds()) + 1
		w.Header().Set("X-Codex-Primary-Used-Percent", "100")
		w.Header().Set("X-Codex-Primary-Reset-After-Seconds", strconv.FormatInt(secs, 10))
		w.Header().Set("X-Codex-Primary-Reset-At", strconv.FormatInt(limitedUntil.Unix(), 10))
		backendJSON(w, http.StatusTooManyRequests, map[string]any{"error": map[string]any{
			"type": "usage_limit_reached", "message": "The usage limit has been reached", "plan_type": "plus",
			"resets_at": limitedUntil.Unix(), "resets_in_seconds": secs,
		}})
	case script.Status != 0:
		code := script.ErrorCode
		if code == "" {
			code = "server_error"
		}
		backendError(w, script.Status, "server_error", code, "scripted failure")
	default:
		w.Header().Set("X-Codex-Turn-State", turn)
		b.stream(w, r, id, script)
	}
}

// checkResponsesBody answers like the real backend to what it refuses.
// hasDeveloperMessage reports whether a Responses input list carries a
// developer or system message.
func hasDeveloperMessage(input json.RawMessage) bool {
	var items []struct {
		Role string `json:"role"`
	}
	if json.Unmarshal(input, &items) != nil {
		return false
	}
	for _, it := range items {
		if it.Role == "developer" || it.Role == "system" {
			return true
		}
	}
	return false
}

func checkResponsesBody(body []byte) (msg, param string) {
	var req struct {
		Model        string          `json:"model"`
		Instructions *string         `json:"instructions"`
		Input        json.RawMessage `json:"input"`
		Store        *bool           `json:"store"`
		Stream       *bool           `json:"stream"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return "Invalid JSON body", ""
	}
	var list []json.RawMessage
	switch {
	case req.Instructions == nil && !hasDeveloperMessage(req.Input):
		// Codex CLI 0.169 sends its base instructions as developer
		// messages in input and no "instructions" field, which the real
		// backend accepts; a body with neither is refused.
		return "Instructions are required", "instructions"
	case req.Store == nil || *req.Store:
		return "Store must be set to false", "store"
	case req.Stream == nil || !*req.Stream:
		return "Stream must be set to true", "stream"
	case json.Unmarshal(req.Input, &list) != nil:
		return "Input must be a list", "input"
	}
	return "", ""
}

// stream writes one scripted Responses stream.
func (b *Backend) stream(w http.ResponseWriter, r *http.Request, id string, s Script) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc.Flush()
	b.mu.Lock()
	seq := b.seq
	b.mu.Unlock()
	respID := fmt.Sprintf("resp_%s_%d", id, seq)
	msgID := fmt.Sprintf("msg_%d", seq)
	first := true
	send := func(name string, data map[string]any) bool {
		if !first && s.Delay > 0 {
			t := time.NewTimer(s.Delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				b.noteCanceled()
				return false
			}
		}
		first = false
		data["type"] = name
		payload, _ := json.Marshal(data)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, payload); err != nil {
			b.noteCanceled()
			return false
		}
		if rc.Flush() != nil {
			b.noteCanceled()
			return false
		}
		return true
	}
	response := func(status string) map[string]any {
		return map[string]any{"id": respID, "object": "response", "status": status, "model": "gpt-5.1-codex", "output": []any{}}
	}
	if !send("response.created", map[string]any{"response": response("in_progress")}) ||
		!send("response.in_progress", map[string]any{"response": response("in_progress")}) {
		return
	}
	deltas := s.Deltas
	if deltas == nil {
		deltas = []string{"Hello", " from ", id}
	}
	failing := s.ErrorCode != "" || s.Drop || s.Hang
	if !failing || s.FailAfter > 0 {
		if !send("response.output_item.added", map[string]any{"output_index": 0,
			"item": map[string]any{"id": msgID, "type": "message", "role": "assistant", "status": "in_progress", "content": []any{}}}) {
			return
		}
	}
	var text strings.Builder
	for n, d := range deltas {
		if failing && n >= s.FailAfter {
			break
		}
		text.WriteString(d)
		if !send("response.output_text.delta", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0, "delta": d}) {
			return
		}
	}
	switch {
	case s.Hang:
		<-ctx.Done()
		b.noteCanceled()
		return
	case s.Drop:
		panic(http.ErrAbortHandler)
	case s.ErrorCode != "":
		typ := "invalid_request_error"
		if s.ErrorCode == "server_is_overloaded" || s.ErrorCode == "server_error" {
			typ = "server_error"
		}
		e := map[string]any{"type": typ, "code": s.ErrorCode, "message": backendErrorMessage(s.ErrorCode)}
		if s.ErrorEvent {
			send("error", map[string]any{"code": s.ErrorCode, "message": e["message"], "error": e})
			return
		}
		r := response("failed")
		r["error"] = e
		send("response.failed", map[string]any{"response": r})
		return
	}
	item := map[string]any{"id": msgID, "type": "message", "role": "assistant", "status": "completed",
		"content": []any{map[string]any{"type": "output_text", "text": text.String(), "annotations": []any{}}}}
	if !send("response.output_text.done", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0, "text": text.String()}) ||
		!send("response.output_item.done", map[string]any{"output_index": 0, "item": item}) {
		return
	}
	if tc := s.ToolCall; tc != nil {
		fc := map[string]any{"id": "fc_" + msgID, "type": "function_call", "status": "in_progress", "call_id": "call_" + msgID, "name": tc.Name, "arguments": ""}
		if !send("response.output_item.added", map[string]any{"output_index": 1, "item": fc}) ||
			!send("response.function_call_arguments.delta", map[string]any{"item_id": fc["id"], "output_index": 1, "delta": tc.Arguments}) {
			return
		}
		done := map[string]any{"id": fc["id"], "type": "function_call", "status": "completed", "call_id": fc["call_id"], "name": tc.Name, "arguments": tc.Arguments}
		if !send("response.output_item.done", map[string]any{"output_index": 1, "item": done}) {
			return
		}
	}
	final := response("completed")
	final["usage"] = map[string]any{
		"input_tokens": 12, "input_tokens_details": map[string]any{"cached_tokens": 4},
		"output_tokens": len(deltas), "output_tokens_details": map[string]any{"reasoning_tokens": 2},
		"total_tokens": 12 + len(deltas),
	}
	send("response.completed", map[string]any{"response": final})
}

func backendErrorMessage(code string) string {
	if code == "server_is_overloaded" {
		return "Our servers are currently overloaded. Please try again later."
	}
	return "scripted failure: " + code
}

func (b *Backend) noteCanceled() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.canceled++
}

// rateHeaders sets the x-codex rate-limit and credits headers of accountID.
func (b *Backend) rateHeaders(h http.Header, id string) {
	b.mu.Lock()
	a := b.accountLocked(id)
	primary, secondary := a.primary, a.secondary
	b.mu.Unlock()
	now := time.Now()
	for _, w := range []struct {
		slot   string
		pct    float64
		window time.Duration
	}{{"primary", primary, backendPrimaryWindow}, {"secondary", secondary, backendSecondaryWindow}} {
		reset := b.windowReset(now, w.window)
		h.Set("X-Codex-"+w.slot+"-Used-Percent", strconv.FormatFloat(w.pct, 'f', -1, 64))
		h.Set("X-Codex-"+w.slot+"-Window-Minutes", strconv.Itoa(int(w.window/time.Minute)))
		h.Set("X-Codex-"+w.slot+"-Reset-After-Seconds", strconv.Itoa(int(reset.Sub(now).Seconds())))
		h.Set("X-Codex-"+w.slot+"-Reset-At", strconv.FormatInt(reset.Unix(), 10))
	}
	h.Set("X-Codex-Credits-Has-Credits", "False")
	h.Set("X-Codex-Credits-Unlimited", "False")
	h.Set("X-Codex-Credits-Balance", "0")
}

// windowReset is the end of the current window of length d, counted from
// the fake's start.
func (b *Backend) windowReset(now time.Time, d time.Duration) time.Time {
	n := now.Sub(b.start)/d + 1
	return b.start.Add(n * d)
}

func (b *Backend) handleUsage(w http.ResponseWriter, r *http.Request) {
	i := b.record(r, nil)
	sw := &backendStatusWriter{ResponseWriter: w}
	defer func() { b.setStatus(i, sw.status) }()
	if b.serveUsageFault(sw) {
		return
	}
	id, ok := b.authorize(sw, r)
	if !ok {
		return
	}
	b.mu.Lock()
	a := b.accountLocked(id)
	primary, secondary, plan, limited := a.primary, a.secondary, a.plan, a.limitedUntil.After(time.Now())
	b.mu.Unlock()
	now := time.Now()
	window := func(pct float64, d time.Duration) map[string]any {
		reset := b.windowReset(now, d)
		return map[string]any{"used_percent": pct, "limit_window_seconds": int(d.Seconds()),
			"reset_after_seconds": int(reset.Sub(now).Seconds()), "reset_at": reset.Unix()}
	}
	reached := limited || primary >= 100 || secondary >= 100
	backendJSON(sw, http.StatusOK, map[string]any{
		"plan_type": plan,
		"rate_limit": map[string]any{
			"allowed": !reached, "limit_reached": reached,
			"primary_window":   window(primary, backendPrimaryWindow),
			"secondary_window": window(secondary, backendSecondaryWindow),
		},
		"credits": map[string]any{"has_credits": false, "unlimited": false, "balance": "0"},
	})
}

func readLimited(r *http.Request, max int64) ([]byte, error) {
	defer r.Body.Close()
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
}

func backendJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func backendError(w http.ResponseWriter, status int, typ, code, msg string) {
	e := map[string]any{"type": typ, "message": msg, "param": nil, "code": nil}
	if code != "" {
		e["code"] = code
	}
	backendJSON(w, status, map[string]any{"error": e})
}

func backendErrorParam(w http.ResponseWriter, status int, msg, param string) {
	e := map[string]any{"type": "invalid_request_error", "message": msg, "param": nil, "code": nil}
	if param != "" {
		e["param"] = param
	}
	backendJSON(w, status, map[string]any{"error": e})
}
