package proxy

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// apiError is the OpenAI-style error body the proxy answers with.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Type            string `json:"type"`
	Code            string `json:"code,omitempty"`
	Message         string `json:"message"`
	ResetsAt        int64  `json:"resets_at,omitempty"`
	ResetsInSeconds int64  `json:"resets_in_seconds,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{"error":{"type":"internal_error","message":"encoding the answer failed"}}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, apiError{Error: apiErrorBody{Type: typ, Message: msg}})
}

func writeTooLarge(w http.ResponseWriter, max int64) {
	writeError(w, http.StatusRequestEntityTooLarge, "request_too_large",
		fmt.Sprintf("the request body is larger than the proxy's limit of %d bytes", max))
}

// writeAllLimited answers like the upstream does when an account is out of
// quota, with the pool's earliest reset, so the Codex CLI stops at once and
// tells the user when to retry.
func writeAllLimited(w http.ResponseWriter, resetAt, now time.Time) {
	if !resetAt.After(now) {
		resetAt = now.Add(defaultCooldown)
	}
	secs := int64(math.Ceil(resetAt.Sub(now).Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeJSON(w, http.StatusTooManyRequests, apiError{Error: apiErrorBody{
		Type: "usage_limit_reached",
		Message: fmt.Sprintf("Every account in Quiver's pool reached its usage limit. The earliest resets at %s (in %s).",
			resetAt.UTC().Format(time.RFC3339), time.Duration(secs)*time.Second),
		ResetsAt:        resetAt.Unix(),
		ResetsInSeconds: secs,
	}})
}

// blockedAnswer is what a client gets instead of a CDN's refusal: the
// upstream's status, a JSON error that says what happened, Retry-After, the
// upstream's x-codex headers, and never the HTML page.
func blockedAnswer(status int, upstream http.Header, retryAt, now time.Time) *buffered {
	if !retryAt.After(now) {
		retryAt = now.Add(DefaultBlockedBackoff)
	}
	secs := int64(math.Ceil(retryAt.Sub(now).Seconds()))
	body, _ := json.Marshal(apiError{Error: apiErrorBody{
		Type: "upstream_blocked", Code: "upstream_blocked",
		Message: fmt.Sprintf("The ChatGPT backend refused the request (HTTP %d: a CDN challenge or block, not a login problem) "+
			"for every account Quiver could use. Logins are kept and no token was refreshed; retry in %s.",
			status, time.Duration(secs)*time.Second),
		ResetsAt: retryAt.Unix(), ResetsInSeconds: secs,
	}})
	h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {strconv.FormatInt(secs, 10)}}
	copyCodexHeaders(h, upstream)
	return &buffered{status: status, header: h, body: append(body, '\n')}
}

// refusalReason says in a few words why a refusal was judged Blocked, for
// the log: the CDN's marker, the kind of page, or the error code; never
// the body itself.
func refusalReason(status int, h http.Header, body []byte) string {
	switch {
	case h.Get("Cf-Mitigated") != "":
		return fmt.Sprintf("upstream answered %d: CDN challenge (cf-mitigated: %s)", status, h.Get("Cf-Mitigated"))
	case strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "text/html"):
		return fmt.Sprintf("upstream answered %d with an HTML page", status)
	}
	if e := bodyError(body); e != nil && (e.Code != "" || e.Type != "") {
		code := string(e.Code)
		if code == "" {
			code = e.Type
		}
		return fmt.Sprintf("upstream answered %d with error code %q, not a token error", status, code)
	}
	return fmt.Sprintf("upstream answered %d without a token error", status)
}

// blockedBackoff is how long an account rests after a Blocked answer: its
// Retry-After when it gives one (at most 15 minutes), else the configured
// back-off.
func (s *Server) blockedBackoff(now time.Time, h http.Header) time.Time {
	if t, ok := retryAfter(now, h.Get("Retry-After")); ok {
		if t.Sub(now) > maxBlockedBackoff {
			return now.Add(maxBlockedBackoff)
		}
		return t
	}
	return now.Add(s.cfg.BlockedBackoff)
}
