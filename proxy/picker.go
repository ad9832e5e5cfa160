package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Lease is one account handed out by a Picker for one upstream attempt.
//
// Every Lease returned by Pick or Refresh is given back exactly once through
// Report, so a Picker may count leases in flight.
type Lease struct {
	AccountID        string // Quiver's id of the account; keys Report and Refresh
	Label            string // alias for logs; never an email or a token
	AccessToken      string // sent upstream as "Authorization: Bearer"; never logged
	ChatGPTAccountID string // sent upstream as chatgpt-account-id
}

// String names the lease without its token, so %v never leaks it.
func (l Lease) String() string { return fmt.Sprintf("account %s (%s)", l.AccountID, l.Label) }

// GoString keeps the token out of %#v too.
func (l Lease) GoString() string { return l.String() }

// LogValue keeps the token out of any log line that carries a Lease.
func (l Lease) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", l.AccountID), slog.String("label", l.Label))
}

// PickRequest carries what the proxy knows about a request that matters for
// choosing its account.
type PickRequest struct {
	// SessionKey names the conversation (session_id / session-id header or
	// the body's prompt_cache_key). Requests of one conversation should stay
	// on one account while it is usable, so the prompt cache keeps working.
	SessionKey string
	// TurnAccount is the account that issued the request's
	// x-codex-turn-state; it must be used while usable.
	TurnAccount string
	// Exclude holds the accounts already tried for this request.
	Exclude map[string]bool
}

// OutcomeKind says how an upstream attempt ended, as far as the account is
// concerned.
type OutcomeKind int

// The outcomes a Picker is told about.
const (
	Success      OutcomeKind = iota + 1 // upstream answered; the account works
	Limited                             // usage limit reached until Outcome.ResetAt
	Unauthorized                        // 401, or a 403 naming a token error: the tokens need a refresh or a new login
	Failed                              // 5xx, 402, broken connection or stream
	Rejected                            // upstream refused the request itself (other 4xx); says nothing about the account
	Canceled                            // the client went away first; says nothing about the account
	// Blocked: a 403 that is not about the token (a CDN challenge, a
	// block): transient. Rest the account until Outcome.ResetAt (a short
	// back-off, minutes, not a usage-limit cooldown); keep its login and
	// spend no refresh token.
	Blocked
)

var outcomeNames = map[OutcomeKind]string{
	Success: "success", Limited: "limited", Unauthorized: "unauthorized",
	Failed: "failed", Rejected: "rejected", Canceled: "canceled", Blocked: "blocked",
}

func (k OutcomeKind) String() string {
	if s, ok := outcomeNames[k]; ok {
		return s
	}
	return fmt.Sprintf("OutcomeKind(%d)", int(k))
}

// TokenUsage is the usage block of a response.completed event.
type TokenUsage struct {
	InputTokens       int64
	CachedInputTokens int64
	OutputTokens      int64
	ReasoningTokens   int64
	TotalTokens       int64
}

// Outcome is what one upstream attempt taught about its account.
type Outcome struct {
	Kind    OutcomeKind
	Status  int           // upstream HTTP status; 0 when no answer arrived
	ResetAt time.Time     // Limited: when the account may be used again
	Header  http.Header   // upstream response headers (x-codex-* rate limits and credits); nil when none
	Usage   *TokenUsage   // from response.completed; nil when not seen
	Err     error         // what went wrong, for Failed and Canceled; never holds a token
	Latency time.Duration // from sending the request to the end of the answer
}

// Picker chooses accounts and learns how they did. app/account implements it
// with the real strategies; proxytest.StaticPool is a small reference one.
type Picker interface {
	// Pick returns an account for one attempt. It returns an error matching
	// ErrAllLimited (an *AllLimitedError carrying the earliest reset) when
	// every account is cooling down, ErrAllBlocked (an *AllBlockedError)
	// when every account that is not cooling down is backing off after a
	// Blocked outcome, and ErrNoAccounts when none is usable.
	Pick(ctx context.Context, r PickRequest) (Lease, error)
	// Report tells how an attempt with lease went. It must not block long:
	// it runs on the request's goroutine after the answer was delivered.
	Report(lease Lease, o Outcome)
	// Refresh renews the tokens of a lease whose token upstream refused
	// and returns a new lease on the same account. The stale lease tells
	// the app which token failed, so concurrent requests that saw the same
	// token share one refresh. The app serializes refreshes of one account.
	Refresh(ctx context.Context, stale Lease) (Lease, error)
}

// Drainer is optionally implemented by a Picker whose Report hands writes
// to background goroutines: ListenAndServe calls Drain after the last
// request ended, so no write outlives the server that caused it.
type Drainer interface {
	Drain()
}

// StatusSource is optionally implemented by a Picker to feed /quiver/status
// with its view of the pool (cooldowns, lease counts).
type StatusSource interface {
	AccountStatus() []AccountStatus
}

// AccountStatus is one account's line in /quiver/status.
type AccountStatus struct {
	AccountID     string    `json:"account_id"`
	Label         string    `json:"label,omitempty"`
	Leases        int64     `json:"leases"`    // attempts sent with this account
	InFlight      int64     `json:"in_flight"` // attempts not finished yet
	CooldownUntil time.Time `json:"cooldown_until,omitzero"`
	LastStatus    int       `json:"last_status,omitempty"`
	LastOutcome   string    `json:"last_outcome,omitempty"`
	LastUsed      time.Time `json:"last_used,omitzero"`
}

// Errors a Picker returns from Pick.
var (
	ErrNoAccounts  = errors.New("no usable account")
	ErrAllLimited  = errors.New("every account reached its usage limit")
	ErrAllBlocked  = errors.New("the upstream refuses every account for now (CDN challenge or block)")
	ErrNoRefresher = errors.New("this picker cannot refresh tokens")
)

// AllLimitedError is returned by Pick when every account is cooling down.
type AllLimitedError struct {
	ResetAt  time.Time // earliest reset across the pool
	Accounts int       // how many accounts are limited
}

func (e *AllLimitedError) Error() string {
	return fmt.Sprintf("all %d accounts reached their usage limit; the earliest resets at %s",
		e.Accounts, e.ResetAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrAllLimited) true.
func (e *AllLimitedError) Is(target error) bool { return target == ErrAllLimited }

// AllBlockedError is returned by Pick when every account that is not
// cooling down is backing off after a Blocked outcome.
type AllBlockedError struct {
	RetryAt  time.Time // the earliest end of a back-off
	Accounts int       // how many accounts are backing off
	Status   int       // the upstream status that blocked them (403 when unknown)
}

func (e *AllBlockedError) Error() string {
	return fmt.Sprintf("the upstream refuses all %d accounts for now (CDN challenge or block); the first is tried again at %s",
		e.Accounts, e.RetryAt.UTC().Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrAllBlocked) true.
func (e *AllBlockedError) Is(target error) bool { return target == ErrAllBlocked }
