package notify

import (
	"io"
	"log/slog"
	"math"
	"sync"
	"time"
)

// DefaultWarnPercent is the warn threshold used when Settings leaves it
// unset or sets it out of range.
const DefaultWarnPercent = 80

// RotationCoalesceWindow is how long Rules gathers proxy rotations before it
// reports them in one notification.
const RotationCoalesceWindow = 30 * time.Second

// sameWindowTolerance is how far two reset times may differ and still name
// the same window instance: reset times computed from "reset after seconds"
// drift by a few seconds between polls; the shortest window is 5 hours.
const sameWindowTolerance = 5 * time.Minute

// maxSeparateMessages is how many notifications one Observe sends before it
// folds them into a single summary.
const maxSeparateMessages = 3

// Window is one usage window of an account.
type Window struct {
	Name        string    // "5h", "weekly", "30d"
	UsedPercent float64   // 0–100
	ResetAt     time.Time // zero when unknown
}

// AccountView is what Rules needs to know about one account. Label is shown
// to the user; it is an alias or an e-mail's local part, never a token.
type AccountView struct {
	ID               string
	Label            string
	Windows          []Window
	Limited          bool
	LimitedUntil     time.Time // zero when unknown
	NeedsLogin       bool
	NeedsLoginReason string
	Disabled         bool
}

// Settings are the user's notification preferences.
type Settings struct {
	Muted       bool    // no notification at all; state is still tracked
	WarnPercent float64 // 0 or out of (0, 100] means DefaultWarnPercent
}

func (s Settings) warnPercent() float64 {
	if math.IsNaN(s.WarnPercent) || s.WarnPercent <= 0 || s.WarnPercent > 100 {
		return DefaultWarnPercent
	}
	return s.WarnPercent
}

// Sender shows one notification.
type Sender interface {
	Send(title, body string) error
}

// Rules turns account snapshots and proxy rotations into notifications,
// without repeating itself. Its methods are safe for concurrent use. Observe
// and the end of a rotation window call the Sender synchronously (outside
// Rules' lock), so they take as long as the Sender does.
type Rules struct {
	sender    Sender
	log       *slog.Logger
	now       func() time.Time
	afterFunc func(time.Duration, func()) (stop func() bool)

	mu          sync.Mutex // guards the fields below
	settings    Settings
	accounts    map[string]*accountState // by account ID
	observed    bool                     // Observe has run at least once
	allLimited  bool
	allNotified *time.Time // earliest reset of the last all-limited notification
	rotation    *rotationBatch
	closed      bool
}

// accountState is what Rules remembers about one account between snapshots.
type accountState struct {
	needsLogin   bool
	limited      bool
	limitedUntil time.Time
	limitWindow  string
	// limitNotified is the reset time of the last limit Rules reported (or
	// took as baseline); nil when none is pending.
	limitNotified *time.Time
	// warned maps a window name to the reset time of the window instance
	// whose warn threshold was already reported (or taken as baseline).
	warned  map[string]time.Time
	windows map[string]Window // last seen, for a threshold change
}

type rotationBatch struct {
	count    int
	from, to string
	reason   string
	stop     func() bool
}

// message is one notification about to be sent.
type message struct {
	event   string // for the log: warn, limited, all-limited, reset, needs-login, rotated, summary
	account string // account ID, for the log; empty for pool-wide events
	title   string
	body    string
}

// NewRules returns Rules that send through sender. A nil logger discards;
// a nil clock means time.Now. Reset times are shown in the clock's location.
func NewRules(sender Sender, settings Settings, logger *slog.Logger, clock func() time.Time) *Rules {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if clock == nil {
		clock = time.Now
	}
	return &Rules{
		sender:   sender,
		log:      logger,
		now:      clock,
		settings: settings,
		accounts: make(map[string]*accountState),
		afterFunc: func(d time.Duration, f func()) func() bool {
			return time.AfterFunc(d, f).Stop
		},
	}
}

// SetSettings replaces the settings. A changed warn threshold takes the
// current usage as the new baseline: windows already past the new threshold
// are not reported, the others are reported when they cross it.
func (r *Rules) SetSettings(s Settings) {
	r.mu.Lock()
	defer r.mu.Unlock()
	oldWarn := r.settings.warnPercent()
	r.settings = s
	newWarn := s.warnPercent()
	if newWarn == oldWarn {
		return
	}
	for _, st := range r.accounts {
		clear(st.warned)
		for name, w := range st.windows {
			if w.UsedPercent >= newWarn {
				st.warned[name] = w.ResetAt
			}
		}
	}
}

// Close stops a pending rotation notification. Rules sends nothing after it.
func (r *Rules) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.rotation != nil {
		r.rotation.stop()
		r.rotation = nil
	}
}

// Observe compares a snapshot of all accounts with the previous one and
// sends what changed. Accounts missing from the snapshot are forgotten.
func (r *Rules) Observe(accounts []AccountView) {
	r.mu.Lock()
	now := r.now()
	warn := r.settings.warnPercent()
	var msgs, limitedMsgs []message
	seen := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		seen[a.ID] = true
		st, known := r.accounts[a.ID]
		if !known {
			st = &accountState{warned: make(map[string]time.Time), windows: make(map[string]Window)}
			r.accounts[a.ID] = st
		}
		// A new account is a baseline: its present state is not news,
		// except that it needs a login. Disabled accounts are tracked
		// silently.
		quiet := !known || a.Disabled
		if m, ok := st.observeLogin(a); ok {
			msgs = append(msgs, m)
		}
		if m, ok := st.observeLimit(a, now, quiet); ok {
			if m.event == eventLimited {
				limitedMsgs = append(limitedMsgs, m)
			} else {
				msgs = append(msgs, m)
			}
		}
		msgs = append(msgs, st.observeWindows(a, now, warn, quiet)...)
	}
	for id := range r.accounts {
		if !seen[id] {
			delete(r.accounts, id)
		}
	}
	if m, ok := r.observePool(accounts, now); ok {
		// The pool-wide message says it all; the accounts' own "limited"
		// messages of this round would only repeat it.
		msgs = append(msgs, m)
	} else {
		msgs = append(msgs, limitedMsgs...)
	}
	r.observed = true
	muted := r.settings.Muted || r.closed
	r.mu.Unlock()

	if muted {
		return
	}
	r.send(coalesce(msgs))
}

// Rotated reports that the proxy moved from one account to another (labels,
// not IDs) because of reason. Rotations within RotationCoalesceWindow of the
// first are reported together when the window ends.
func (r *Rules) Rotated(from, to, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.settings.Muted {
		return
	}
	if r.rotation == nil {
		r.rotation = &rotationBatch{from: from}
		r.rotation.stop = r.afterFunc(RotationCoalesceWindow, r.flushRotations)
	}
	r.rotation.count++
	r.rotation.to = to
	r.rotation.reason = reason
}

func (r *Rules) flushRotations() {
	r.mu.Lock()
	b := r.rotation
	r.rotation = nil
	muted := r.settings.Muted || r.closed
	r.mu.Unlock()
	if b == nil || muted {
		return
	}
	r.send([]message{rotatedMessage(b)})
}

func (r *Rules) send(msgs []message) {
	for _, m := range msgs {
		title, body := redact(m.title, maxTitleRunes, false), redact(m.body, maxBodyRunes, true)
		if err := r.sender.Send(title, body); err != nil {
			r.log.Warn("sending notification", "event", m.event, "account", m.account, "err", err)
			continue
		}
		r.log.Info("notification sent", "event", m.event, "account", m.account)
	}
}

// observeLogin reports an account that newly needs a login — including on
// the first snapshot: a stale login is news at every start.
func (st *accountState) observeLogin(a AccountView) (message, bool) {
	was := st.needsLogin
	st.needsLogin = a.NeedsLogin
	if !a.NeedsLogin || was || a.Disabled {
		return message{}, false
	}
	return needsLoginMessage(a), true
}

// observeLimit reports an account hitting its limit, and its limit ending.
func (st *accountState) observeLimit(a AccountView, now time.Time, quiet bool) (message, bool) {
	limited, until, window := limitOf(a)
	was, wasWindow := st.limited, st.limitWindow
	st.limited, st.limitedUntil, st.limitWindow = limited, until, window
	switch {
	case limited && !was:
		if st.limitNotified != nil && sameWindow(*st.limitNotified, until) {
			return message{}, false // the same limit, reported before it flapped
		}
		st.limitNotified = &until
		if quiet {
			return message{}, false
		}
		return limitedMessage(a, window, until, now), true
	case !limited && was:
		// Forget the reported limit once its time has come, so that the
		// next limit is news; keep it when the limit ended early, so that
		// a flap back into the same limit is not.
		if n := st.limitNotified; n != nil && (n.IsZero() || !now.Before(n.Add(-sameWindowTolerance))) {
			st.limitNotified = nil
		}
		if quiet {
			return message{}, false
		}
		return resetMessage(a, wasWindow), true
	}
	return message{}, false
}

// observeWindows reports windows past the warn threshold, once per window
// instance. A limited account gets the limit message instead.
func (st *accountState) observeWindows(a AccountView, now time.Time, warn float64, quiet bool) []message {
	limited, _, _ := limitOf(a)
	var msgs []message
	for _, w := range a.Windows {
		st.windows[w.Name] = w
		rec, warned := st.warned[w.Name]
		if w.UsedPercent < warn {
			// Below the threshold: a record of an unknown or past window
			// instance is over.
			if warned && (rec.IsZero() || now.After(rec.Add(sameWindowTolerance))) {
				delete(st.warned, w.Name)
			}
			continue
		}
		if warned && sameWindow(rec, w.ResetAt) {
			continue
		}
		st.warned[w.Name] = w.ResetAt
		if quiet || limited || w.UsedPercent >= 100 {
			continue
		}
		msgs = append(msgs, warnMessage(a, w, now))
	}
	return msgs
}

// observePool reports every enabled account being limited, with the
// earliest reset. The first snapshot is a baseline.
func (r *Rules) observePool(accounts []AccountView, now time.Time) (message, bool) {
	all, earliest, who := poolLimit(accounts)
	was := r.allLimited
	r.allLimited = all
	if !all {
		if n := r.allNotified; n != nil && (n.IsZero() || !now.Before(n.Add(-sameWindowTolerance))) {
			r.allNotified = nil
		}
		return message{}, false
	}
	if was || (r.allNotified != nil && sameWindow(*r.allNotified, earliest)) {
		return message{}, false
	}
	r.allNotified = &earliest
	if !r.observed {
		return message{}, false
	}
	return allLimitedMessage(who, earliest, now), true
}

// limitOf tells whether a is limited, until when and by which window. A
// window at 100% limits the account even before the account says so.
func limitOf(a AccountView) (limited bool, until time.Time, window string) {
	limited, until = a.Limited, a.LimitedUntil
	for _, w := range a.Windows {
		if w.UsedPercent < 100 {
			continue
		}
		limited = true
		// The account is usable again when its last exhausted window resets.
		if window == "" || w.ResetAt.After(until) {
			window = w.Name
			if !a.Limited || a.LimitedUntil.IsZero() {
				until = w.ResetAt
			}
		}
	}
	return limited, until, window
}

// poolLimit tells whether, of two or more enabled accounts, none is usable
// and at least one is limited, and the earliest known reset among the
// limited ones. With a single account its own message says it all.
func poolLimit(accounts []AccountView) (all bool, earliest time.Time, who string) {
	anyLimited, enabled := false, 0
	for _, a := range accounts {
		if a.Disabled {
			continue
		}
		enabled++
		limited, until, _ := limitOf(a)
		if !limited && !a.NeedsLogin {
			return false, time.Time{}, ""
		}
		if !limited {
			continue
		}
		anyLimited = true
		if !until.IsZero() && (earliest.IsZero() || until.Before(earliest)) {
			earliest, who = until, a.Label
		}
	}
	return anyLimited && enabled > 1, earliest, who
}

// sameWindow tells whether two reset times name the same window instance.
// An unknown reset time cannot prove a new instance.
func sameWindow(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return true
	}
	d := a.Sub(b)
	return d <= sameWindowTolerance && d >= -sameWindowTolerance
}

// coalesce folds a burst of messages into one summary.
func coalesce(msgs []message) []message {
	if len(msgs) <= maxSeparateMessages {
		return msgs
	}
	return []message{summaryMessage(msgs)}
}
