package account

import (
	"time"
)

// Window is one rate-limit window of an account, named by its length.
type Window struct {
	Kind        string    `json:"kind"` // "5h", "weekly", "30d", or a length such as "90m"
	Seconds     int64     `json:"seconds"`
	UsedPercent float64   `json:"used_percent"`
	ResetAt     time.Time `json:"reset_at,omitzero"`
}

// Usage is the latest known rate-limit picture of an account.
type Usage struct {
	Plan         string    `json:"plan,omitempty"`
	LimitReached bool      `json:"limit_reached,omitempty"`
	Windows      []Window  `json:"windows,omitempty"`
	Credits      string    `json:"credits,omitempty"` // balance as reported, when the plan has credits
	FetchedAt    time.Time `json:"fetched_at"`
	Source       string    `json:"source,omitempty"` // "usage" (polled) or "headers" (proxied traffic)
}

// Window returns the window of the given kind.
func (u *Usage) Window(kind string) (Window, bool) {
	if u == nil {
		return Window{}, false
	}
	for _, w := range u.Windows {
		if w.Kind == kind {
			return w, true
		}
	}
	return Window{}, false
}

// MaxUsedPercent is the fullest window's use, at now: a window whose reset
// time has passed counts as empty.
func (u *Usage) MaxUsedPercent(now time.Time) float64 {
	if u == nil {
		return 0
	}
	max := 0.0
	for _, w := range u.Windows {
		if !w.ResetAt.IsZero() && !now.Before(w.ResetAt) {
			continue
		}
		if w.UsedPercent > max {
			max = w.UsedPercent
		}
	}
	return max
}

// Sample is one point of an account's usage history.
type Sample struct {
	At       time.Time `json:"at"`
	FiveHour float64   `json:"5h"`
	Weekly   float64   `json:"wk"`
}

// History bounds: 7 days at 5-minute resolution.
const (
	historyStep = 5 * time.Minute
	historyKeep = 7 * 24 * time.Hour
)

// appendSample adds s to h, keeping at most one sample per historyStep-long
// slot of the clock (the newest wins) and nothing older than historyKeep.
func appendSample(h []Sample, s Sample) []Sample {
	if n := len(h); n > 0 && s.At.Truncate(historyStep).Equal(h[n-1].At.Truncate(historyStep)) {
		h[n-1] = s
	} else {
		h = append(h, s)
	}
	cut := 0
	for cut < len(h) && s.At.Sub(h[cut].At) > historyKeep {
		cut++
	}
	return h[cut:]
}

// State derives the account's condition at now, with warnPercent as the
// warn threshold.
func (a Account) State(now time.Time, warnPercent float64) State {
	switch {
	case a.Exported:
		return StateExported
	case a.NeedsLogin:
		return StateNeedsLogin
	case a.Disabled:
		return StateDisabled
	case now.Before(a.CooldownUntil):
		return StateLimited
	}
	used := a.Usage.MaxUsedPercent(now)
	switch {
	case used >= 100:
		return StateLimited
	case used >= warnPercent:
		return StateWarn
	}
	return StateOK
}
