package account

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
	"github.com/quiver-app/quiver/app/codex"
)

// removedFileName keeps the logins the user removed while auth.json held
// them, so that the next start (or the watcher) does not import them again
// from auth.json. It holds ids and fingerprints, never a token.
const removedFileName = "removed-logins.json"

// removedLogin is one login the user removed from Quiver.
type removedLogin struct {
	ID          string `json:"id"` // Quiver's id of the account (IDFor its identity)
	Fingerprint string `json:"fingerprint"`
	// Session fingerprints the sign-in the tokens come from, when the
	// id_token names it: a refresh by the Codex CLI keeps it, so the
	// refreshed login is still the removed one.
	Session   string    `json:"session,omitempty"`
	RemovedAt time.Time `json:"removed_at"`
}

// maxRemembered bounds the file: older entries are dropped first.
const maxRemembered = 64

// sessionFingerprint names the sign-in l comes from (codex.SignInSession),
// hashed; "" when its id_token does not say.
func sessionFingerprint(l codex.Login) string {
	sess := codex.SignInSession(l.Tokens.IDToken)
	if sess == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("quiver removed session\x00" + sess))
	return hex.EncodeToString(sum[:16])
}

// LoginFingerprint names one login's tokens without revealing them: a
// SHA-256 of its refresh token (of its access token when it has none),
// shortened. A new sign-in, or a refresh by the Codex CLI, has another.
func LoginFingerprint(t codex.Tokens) string {
	tok := t.RefreshToken
	if tok == "" {
		tok = t.AccessToken
	}
	sum := sha256.Sum256([]byte("quiver removed login\x00" + tok))
	return hex.EncodeToString(sum[:16])
}

func (s *Store) removedPath() string { return filepath.Join(s.opts.Dir, removedFileName) }

func (s *Store) readRemoved() ([]removedLogin, error) {
	data, err := os.ReadFile(s.removedPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", removedFileName, err)
	}
	var out []removedLogin
	if err := json.Unmarshal(data, &out); err != nil {
		// A damaged list only means a removed login may come back.
		s.log.Warn("ignoring a damaged list of removed logins", "path", s.removedPath(), "err", err)
		return nil, nil
	}
	return out, nil
}

func (s *Store) writeRemoved(list []removedLogin) error {
	if len(list) > maxRemembered {
		list = list[len(list)-maxRemembered:]
	}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", removedFileName, err)
	}
	if err := atomicfile.WriteFile(s.removedPath(), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", removedFileName, err)
	}
	return nil
}

// RemoveAndForget removes ref like Remove and, when auth.json holds its
// login, remembers that login (its id and fingerprint) so that it is not
// imported again from auth.json; a new login of the same account is.
// forgotten says whether auth.json held it.
func (s *Store) RemoveAndForget(ctx context.Context, ref string) (acc Account, forgotten bool, err error) {
	acc, err = s.Resolve(ref)
	if err != nil {
		return Account{}, false, err
	}
	if af, err := codex.ReadAuthFile(s.AuthPath()); err == nil {
		if l, err := af.Login(); err == nil && IDFor(l.Identity()) == acc.ID {
			if err := s.rememberRemoved(ctx, removedLogin{ID: acc.ID, Fingerprint: LoginFingerprint(l.Tokens), Session: sessionFingerprint(l)}); err != nil {
				return acc, false, err
			}
			forgotten = true
		}
	}
	acc, err = s.Remove(ctx, acc.ID)
	return acc, forgotten, err
}

func (s *Store) rememberRemoved(ctx context.Context, r removedLogin) error {
	lock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	list, err := s.readRemoved()
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(old removedLogin) bool { return old.ID == r.ID })
	r.RemovedAt = s.opts.Now().UTC()
	list = append(list, r)
	return s.writeRemoved(list)
}

// IsRemovedLogin reports whether l is a login the user removed (and has
// not added again since): the same tokens, or tokens the Codex CLI
// refreshed from them (the same sign-in session, when the id_token names
// it). Such a login is not imported from auth.json; a new sign-in is.
func (s *Store) IsRemovedLogin(l codex.Login) bool {
	id := IDFor(l.Identity())
	if _, ok := s.Snapshot().Account(id); ok {
		return false // added again since
	}
	list, err := s.readRemoved()
	if err != nil {
		s.log.Warn("reading the list of removed logins", "err", err)
		return false
	}
	fp, sess := LoginFingerprint(l.Tokens), sessionFingerprint(l)
	return slices.ContainsFunc(list, func(r removedLogin) bool {
		return r.ID == id && (r.Fingerprint == fp || (r.Session != "" && r.Session == sess))
	})
}
