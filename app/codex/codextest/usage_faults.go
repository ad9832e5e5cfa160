package codextest

import (
	"net/http"
)

// UsageFault is a way /wham/usage (and /codex/usage) misbehaves while
// /codex/responses keeps working, as the real backend has been seen to.
type UsageFault struct {
	// Status, when set, answers this status instead of the figures: with
	// HTML true an HTML page (403 becomes a CDN challenge carrying
	// cf-mitigated: challenge), else Body as JSON (empty: no body).
	Status int
	HTML   bool
	// Body is the answer's body: with Status 0 it is a 200 answer (garbage
	// JSON, a body that makes no sense).
	Body string
}

type usageFaultState struct {
	fault UsageFault
	left  int // answers still to fault; < 0: forever
}

// SetUsageFault makes the next n usage answers misbehave as f (n < 0: every
// answer until SetUsageFault(UsageFault{}, 0)). The token is not checked: a
// CDN answers before the backend sees it.
func (b *Backend) SetUsageFault(f UsageFault, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.usageFault = usageFaultState{fault: f, left: n}
	if n == 0 {
		b.usageFault = usageFaultState{}
	}
}

// ChallengeUsage makes the next n usage answers the CDN's HTML 403 bot
// challenge (n < 0: until changed).
func (b *Backend) ChallengeUsage(n int) {
	b.SetUsageFault(UsageFault{Status: http.StatusForbidden, HTML: true}, n)
}

// serveUsageFault answers a faulted usage request and reports whether it did.
func (b *Backend) serveUsageFault(w http.ResponseWriter) bool {
	b.mu.Lock()
	st := b.usageFault
	if st.left == 0 {
		b.mu.Unlock()
		return false
	}
	if st.left > 0 {
		b.usageFault.left--
	}
	b.mu.Unlock()
	f := st.fault
	switch {
	case f.Status != 0 && f.HTML:
		writeHTMLError(w, f.Status)
	case f.Status != 0:
		if f.Body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(f.Body))
	}
	return true
}
