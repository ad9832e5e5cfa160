package proxy

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
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
