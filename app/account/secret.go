package account

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/quiver-app/quiver/app/codex"
)

// Secrets is where tokens are kept: the OS keyring, or the encrypted file
// (package secret implements it). Delete of a missing key is not an error.
type Secrets interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	Delete(ctx context.Context, key string) error
}

// Secret is what the secret store holds for one account.
type Secret struct {
	Access  string    `json:"access"`
	Refresh string    `json:"refresh"`
	IDToken string    `json:"id_token"`
	Expires time.Time `json:"expires"`
	// LastRefresh is when these tokens were issued, as auth.json's last_refresh.
	LastRefresh time.Time `json:"last_refresh,omitzero"`
}

// Tokens converts the secret to the Codex CLI's token set.
func (s Secret) Tokens(chatgptAccountID string) codex.Tokens {
	return codex.Tokens{IDToken: s.IDToken, AccessToken: s.Access, RefreshToken: s.Refresh, AccountID: chatgptAccountID}
}

// String never prints a token.
func (s Secret) String() string { return "account.Secret{…}" }

// GoString never prints a token.
func (s Secret) GoString() string { return s.String() }

func secretFromLogin(l codex.Login) Secret {
	return Secret{
		Access:      l.Tokens.AccessToken,
		Refresh:     l.Tokens.RefreshToken,
		IDToken:     l.Tokens.IDToken,
		Expires:     l.Expiry,
		LastRefresh: l.LastRefresh,
	}
}

// readSecret returns id's tokens: those kept aside in the pending file
// when there are any (they are newer than the store's), else the store's.
func (s *Store) readSecret(ctx context.Context, id string) (Secret, error) {
	if sec, ok := s.readPending(id); ok {
		return sec, nil
	}
	raw, err := s.opts.Secrets.Get(ctx, id)
	if err != nil {
		return Secret{}, fmt.Errorf("reading tokens of %s: %w", id, err)
	}
	var sec Secret
	if err := json.Unmarshal(raw, &sec); err != nil {
		return Secret{}, fmt.Errorf("reading tokens of %s: stored secret is not valid JSON", id)
	}
	return sec, nil
}

func (s *Store) writeSecret(ctx context.Context, id string, sec Secret) error {
	raw, err := json.Marshal(sec)
	if err != nil {
		return fmt.Errorf("encoding tokens of %s: %w", id, err)
	}
	if err := s.opts.Secrets.Set(ctx, id, raw); err != nil {
		return fmt.Errorf("storing tokens of %s: %w", id, err)
	}
	s.dropPending(id) // the store holds the newest now
	return nil
}
