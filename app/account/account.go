package account

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// State is an account's one derived condition, as shown to the user.
type State string

// The states an account can be in, from best to worst.
const (
	StateOK         State = "ok"
	StateWarn       State = "warn"    // past the warn threshold of a window
	StateLimited    State = "limited" // a window is used up (cooling down until its reset)
	StateNeedsLogin State = "needs-login"
	StateDisabled   State = "disabled" // taken out of rotation by the user
	StateExported   State = "exported" // handed over to another tool; Quiver leaves it alone
)

// Account is one ChatGPT login as Quiver keeps it: metadata only, never a
// token (tokens live in the secret store under the account's ID).
type Account struct {
	ID               string    `json:"id"`
	Alias            string    `json:"alias"`
	Email            string    `json:"email,omitempty"`
	Plan             string    `json:"plan,omitempty"`
	ChatGPTAccountID string    `json:"chatgpt_account_id"`
	ChatGPTUserID    string    `json:"chatgpt_user_id,omitempty"`
	Tags             []string  `json:"tags,omitempty"`
	Notes            string    `json:"notes,omitempty"`
	Order            int       `json:"order"`
	Disabled         bool      `json:"disabled,omitempty"`
	Exported         bool      `json:"exported,omitempty"`
	NeedsLogin       bool      `json:"needs_login,omitempty"`
	NeedsLoginReason string    `json:"needs_login_reason,omitempty"`
	CooldownUntil    time.Time `json:"cooldown_until,omitzero"`
	TokenExpiry      time.Time `json:"token_expiry,omitzero"`
	LastRefresh      time.Time `json:"last_refresh,omitzero"`
	LastError        string    `json:"last_error,omitempty"`
	AddedAt          time.Time `json:"added_at,omitzero"`
	Usage            *Usage    `json:"usage,omitempty"`
}

// Identity returns who the account belongs to.
func (a Account) Identity() codex.Identity {
	return codex.Identity{ChatGPTAccountID: a.ChatGPTAccountID, ChatGPTUserID: a.ChatGPTUserID}
}

// Usable reports whether the proxy may send traffic on the account at now.
func (a Account) Usable(now time.Time) bool {
	return !a.Disabled && !a.Exported && !a.NeedsLogin && !now.Before(a.CooldownUntil)
}

// Label is how the account is named in logs and notifications: its alias,
// never a token and never the full email.
func (a Account) Label() string {
	if a.Alias != "" {
		return a.Alias
	}
	return a.ID
}

// IDFor derives the stable local id of an identity. The same login gets the
// same id on every machine, so a restored backup merges instead of
// duplicating.
func IDFor(id codex.Identity) string {
	sum := sha256.Sum256([]byte(id.ChatGPTAccountID + "\x00" + id.ChatGPTUserID))
	return hex.EncodeToString(sum[:6])
}

// defaultAlias is the email's local part, or the id when there is no email.
func defaultAlias(email, id string) string {
	local, _, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return id
	}
	return strings.ToLower(local)
}
