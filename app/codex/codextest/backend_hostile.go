package codextest

import (
	"fmt"
	"net/http"
	"strconv"
)

// ChallengePage is the body of the fake CDN's bot challenge: what
// chatgpt.com's CDN answers (HTTP 403, cf-mitigated: challenge) when it
// wants a browser.
const ChallengePage = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>` +
	`<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>` +
	`<body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>`

// hostile reports whether a script answers in one of the ways a real
// upstream misbehaves, before the backend looks at the request's body.
func (s Script) hostile() bool {
	return s.Challenge || s.HTML || s.Bare || s.GarbageJSON || s.GarbageSSE || s.StallAfterHeaders || s.StallBeforeHeaders
}

// nextHostile takes accountID's next script when it is a hostile one, and
// leaves the queue alone otherwise.
func (b *Backend) nextHostile(accountID string) (Script, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.accountLocked(accountID)
	if len(a.scripts) == 0 || !a.scripts[0].hostile() {
		return Script{}, false
	}
	s := a.scripts[0]
	a.scripts = a.scripts[1:]
	return s, true
}

// hostile answers a hostile script.
func (b *Backend) hostile(w http.ResponseWriter, r *http.Request, s Script) {
	h := w.Header()
	switch {
	case s.Challenge:
		h.Set("Content-Type", "text/html; charset=UTF-8")
		h.Set("Cf-Mitigated", "challenge")
		h.Set("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate")
		h.Set("Server", "cloudflare")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, ChallengePage)
	case s.Bare:
		h.Set("Content-Length", "0")
		w.WriteHeader(orStatus(s.Status, http.StatusTooManyRequests))
	case s.HTML:
		status := orStatus(s.Status, http.StatusBadGateway)
		h.Set("Content-Type", "text/html")
		h.Set("Server", "cloudflare")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>cloudflare</center></body></html>\n",
			status, http.StatusText(status), status, http.StatusText(status))
	case s.GarbageJSON:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"id": "resp_`+strconv.Itoa(len(r.URL.Path))+`", "output": [tru`)
	case s.GarbageSSE:
		h.Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<html>not an event stream</html>\n\x00\xff\xfe\n\ndata: {\"type\":\n\n: comment\n\n")
	case s.StallBeforeHeaders:
		<-r.Context().Done()
		b.noteCanceled()
	case s.StallAfterHeaders:
		h.Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		b.noteCanceled()
	}
}

func orStatus(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}
