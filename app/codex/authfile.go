package codex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// AuthFileName is the file the Codex CLI keeps its login in.
const AuthFileName = "auth.json"

// Tokens is one ChatGPT login: what the Codex CLI keeps under "tokens".
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	AccountID    string `json:"account_id,omitempty"`
	// ExpiresIn is the token endpoint's expires_in for AccessToken (0 when
	// unknown). It is used when the access token is not a JWT with a
	// usable exp, and is never written to auth.json.
	ExpiresIn time.Duration `json:"-"`
}

// Identity is what tells two logins apart: one person (user id) can belong
// to several ChatGPT workspaces (account ids).
type Identity struct {
	ChatGPTAccountID string
	ChatGPTUserID    string
}

// Login is a parsed, validated ChatGPT login from auth.json or a sign-in.
type Login struct {
	Tokens      Tokens
	IDClaims    Claims    // from the id_token
	Expiry      time.Time // the access token's exp; zero when unknown
	LastRefresh time.Time // zero when unknown
	// AccessProblem says why the access token's claims could not be used
	// (not a JWT, an exp out of range), for the log; "" when they could.
	// Such a token is kept all the same: the refresh token beside it may
	// be the only valid one.
	AccessProblem string
}

// Identity returns who this login belongs to.
func (l Login) Identity() Identity {
	id := Identity{ChatGPTAccountID: l.Tokens.AccountID, ChatGPTUserID: l.IDClaims.ChatGPTUserID}
	if id.ChatGPTAccountID == "" {
		id.ChatGPTAccountID = l.IDClaims.ChatGPTAccountID
	}
	if id.ChatGPTUserID == "" {
		id.ChatGPTUserID = l.IDClaims.Subject
	}
	return id
}

// Errors that describe why an auth.json cannot be imported. They never
// contain token material.
var (
	ErrAuthFileNotJSON    = errors.New("auth.json is not valid JSON (truncated or still being written?)")
	ErrAuthFileNoTokens   = errors.New("auth.json holds no ChatGPT tokens")
	ErrAuthFileAPIKey     = errors.New("auth.json holds only an API key, not a ChatGPT login")
	ErrAuthFileIncomplete = errors.New("auth.json's ChatGPT login is missing a token")
)

// NewLogin validates tokens and decodes their claims. All three tokens must
// be present and the id_token a JWT naming the account; the access token's
// claims are used when it is a JWT (see Login.AccessProblem).
func NewLogin(t Tokens, lastRefresh time.Time) (Login, error) {
	if t.IDToken == "" || t.AccessToken == "" || t.RefreshToken == "" {
		return Login{}, ErrAuthFileIncomplete
	}
	idc, err := ParseClaims(t.IDToken)
	if err != nil {
		return Login{}, fmt.Errorf("reading id_token: %w", err)
	}
	// The access token's claims only add an expiry and fallbacks: an
	// access token that is not a JWT (or carries a nonsense exp) is kept,
	// with the expiry from expires_in when the token endpoint gave one.
	ac, err := ParseClaims(t.AccessToken)
	var problem string
	if err != nil {
		problem = "access_token: " + err.Error()
		ac = Claims{}
	}
	if ac.Expiry.IsZero() && t.ExpiresIn > 0 && !lastRefresh.IsZero() {
		ac.Expiry = lastRefresh.Add(t.ExpiresIn).UTC()
	}
	if t.AccountID == "" {
		t.AccountID = idc.ChatGPTAccountID
	}
	if t.AccountID == "" {
		t.AccountID = ac.ChatGPTAccountID
	}
	if idc.PlanType == "" {
		idc.PlanType = ac.PlanType
	}
	if idc.Email == "" {
		idc.Email = ac.Email
	}
	if idc.ChatGPTUserID == "" {
		idc.ChatGPTUserID = ac.ChatGPTUserID
	}
	l := Login{Tokens: t, IDClaims: idc, Expiry: ac.Expiry, LastRefresh: lastRefresh, AccessProblem: problem}
	if l.Identity().ChatGPTAccountID == "" {
		return Login{}, fmt.Errorf("%w: no ChatGPT account id in the file or the token claims", ErrAuthFileIncomplete)
	}
	return l, nil
}

// AuthFile is a Codex CLI auth.json. Fields Quiver does not know are kept
// as they were when the file is written back.
type AuthFile struct {
	fields map[string]json.RawMessage
}

// ParseAuthFile decodes an auth.json's bytes.
func ParseAuthFile(data []byte) (*AuthFile, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		return nil, ErrAuthFileNotJSON
	}
	return &AuthFile{fields: fields}, nil
}

// MaxAuthFileSize bounds what is read of an auth.json (a real one is a few
// KiB).
const MaxAuthFileSize = 1 << 20

// ReadAuthFile reads and decodes path: a regular file (a symlink is
// followed) of at most MaxAuthFileSize bytes; a FIFO or a device is refused
// rather than blocking the caller. A missing file gives an error that
// matches os.ErrNotExist.
func ReadAuthFile(path string) (*AuthFile, error) {
	data, err := atomicfile.ReadFile(path, MaxAuthFileSize)
	if err != nil {
		return nil, err
	}
	return ParseAuthFile(data)
}

// Login returns the ChatGPT login the file holds.
func (a *AuthFile) Login() (Login, error) {
	raw, ok := a.fields["tokens"]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if key, ok := a.fields["OPENAI_API_KEY"]; ok && !bytes.Equal(bytes.TrimSpace(key), []byte("null")) {
			return Login{}, ErrAuthFileAPIKey
		}
		return Login{}, ErrAuthFileNoTokens
	}
	var t Tokens
	if err := json.Unmarshal(raw, &t); err != nil {
		return Login{}, fmt.Errorf("%w: tokens is not an object", ErrAuthFileNoTokens)
	}
	var last time.Time
	if lr, ok := a.fields["last_refresh"]; ok {
		var s string
		if json.Unmarshal(lr, &s) == nil {
			last, _ = time.Parse(time.RFC3339Nano, s)
		}
	}
	return NewLogin(t, last)
}

// SetLogin replaces the login in the file, keeping every other field.
func (a *AuthFile) SetLogin(t Tokens, lastRefresh time.Time) {
	if a.fields == nil {
		a.fields = map[string]json.RawMessage{}
	}
	// Keep unknown fields inside "tokens" as well.
	tok := map[string]json.RawMessage{}
	if raw, ok := a.fields["tokens"]; ok {
		_ = json.Unmarshal(raw, &tok)
		if tok == nil {
			tok = map[string]json.RawMessage{}
		}
	}
	set := func(k, v string) {
		b, _ := json.Marshal(v)
		tok[k] = b
	}
	set("id_token", t.IDToken)
	set("access_token", t.AccessToken)
	set("refresh_token", t.RefreshToken)
	if t.AccountID != "" {
		set("account_id", t.AccountID)
	} else {
		delete(tok, "account_id") // never leave the previous login's account
	}
	a.fields["tokens"] = mustMarshal(tok)
	if _, ok := a.fields["OPENAI_API_KEY"]; !ok {
		a.fields["OPENAI_API_KEY"] = json.RawMessage("null")
	}
	if _, ok := a.fields["auth_mode"]; ok {
		a.fields["auth_mode"] = json.RawMessage(`"chatgpt"`)
	}
	a.fields["last_refresh"] = mustMarshal(lastRefresh.UTC().Format(time.RFC3339Nano))
}

// Bytes encodes the file as the Codex CLI writes it (indented JSON).
func (a *AuthFile) Bytes() []byte {
	b, _ := json.MarshalIndent(a.fields, "", "  ")
	return append(b, '\n')
}

// WriteLogin writes login into the auth.json at path, keeping the fields of
// the file already there (when it parses), atomically and with mode 0600.
// A symlinked auth.json (dotfiles) is written through the link: its target
// is replaced and the link stays. The directory is created (0700) when
// missing. A file that exists but cannot be read (permission denied, not a
// regular file) fails the write: starting from an empty document would drop
// the user's other fields.
func WriteLogin(path string, t Tokens, lastRefresh time.Time) error {
	path, err := atomicfile.ResolveLink(path)
	if err != nil {
		return fmt.Errorf("writing auth.json: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	af, err := ReadAuthFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		af = &AuthFile{fields: map[string]json.RawMessage{}}
	case errors.Is(err, ErrAuthFileNotJSON):
		// Never overwrite a file we cannot read without keeping it.
		aside := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405.000000000Z"))
		if err := os.Rename(path, aside); err != nil {
			return fmt.Errorf("keeping the unreadable auth.json aside: %w", err)
		}
		af = &AuthFile{fields: map[string]json.RawMessage{}}
	case err != nil:
		return fmt.Errorf("reading auth.json before writing it (nothing was changed): %w", err)
	}
	af.SetLogin(t, lastRefresh)
	if err := atomicfile.WriteFile(path, af.Bytes(), 0o600); err != nil {
		return fmt.Errorf("writing auth.json: %w", err)
	}
	return nil
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("codex: marshalling %T: %v", v, err)) // only plain maps and strings reach here
	}
	return b
}

// DefaultHome returns $CODEX_HOME, or ~/.codex.
func DefaultHome() (string, error) {
	if h := os.Getenv("CODEX_HOME"); h != "" {
		return h, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory: %w", err)
	}
	return filepath.Join(home, ".codex"), nil
}
