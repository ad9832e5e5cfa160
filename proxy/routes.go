package proxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /quiver/status", s.handleStatus)
	mux.HandleFunc("/backend-api/codex/", s.handleCodex)
	mux.HandleFunc("POST /v1/responses", s.handleResponses)
	mux.HandleFunc("POST /v1/chat/completions", s.handleChat)
	mux.HandleFunc("GET /v1/models", s.handleModels)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route on the Quiver proxy")
	})
	return mux
}

// handleHealth needs no key and says nothing secret.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// handleCodex passes the Codex CLI's requests through, account swapped in.
func (s *Server) handleCodex(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.URL.Path, "..") {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "path must not contain ..")
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	target := strings.TrimPrefix(r.URL.EscapedPath(), "/backend-api")
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	c := &call{
		route: "codex", method: r.Method, target: target, body: body,
		header:     forwardHeaders(r.Header),
		sessionKey: sessionKey(r.Header, body),
		turnState:  r.Header.Get("X-Codex-Turn-State"),
		// The Codex CLI's turns; not /responses/compact, which answers JSON.
		wantsStream: r.Method == http.MethodPost && r.URL.Path == "/backend-api/codex/responses",
	}
	c.turnAccount = s.turns.lookup(c.turnState, time.Now())
	s.forward(w, r, c, newPassSink(w), s.streamPolicy())
}

// sessionKey names the conversation a request belongs to: the session_id
// (or session-id, conversation_id) header, else the body's prompt_cache_key.
func sessionKey(h http.Header, body []byte) string {
	for _, k := range []string{"Session_id", "Session-Id", "Conversation_id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	if len(body) == 0 || body[0] != '{' {
		return ""
	}
	var b struct {
		PromptCacheKey string `json:"prompt_cache_key"`
	}
	json.Unmarshal(body, &b)
	return b.PromptCacheKey
}

// statusReport is the body of /quiver/status.
type statusReport struct {
	OK        bool            `json:"ok"`
	Listen    string          `json:"listen"`
	Upstream  string          `json:"upstream"`
	StartedAt time.Time       `json:"started_at"`
	Requests  int64           `json:"requests"`
	InFlight  int64           `json:"in_flight"`
	Failovers int64           `json:"failovers"`
	Turns     int             `json:"turn_states"`
	Accounts  []AccountStatus `json:"accounts"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusReport{
		OK: true, Listen: s.Addr(), Upstream: s.base, StartedAt: s.started.UTC(),
		Requests: s.stats.requests.Load(), InFlight: s.stats.inFlight.Load(),
		Failovers: s.stats.failovers.Load(), Turns: s.turns.len(),
		Accounts: s.stats.snapshot(s.cfg.Picker),
	})
}
