package secret

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// TestKeyringLockedDuringRefresh: the real gnome-keyring locks between a
// sign-in and a refresh (the user locked the screen, the keyring timed
// out). The token endpoint grants the refresh, so the old refresh token is
// spent: the new one must not be thrown away. It goes to the private
// pending file, the next refresh spends it (not the old one), and no
// refresh token reaches the server twice. The keyring calls run in a child
// process on a private bus and keyring (a locked one cannot be unlocked
// without a prompt); the fake auth server runs here.
func TestKeyringLockedDuringRefresh(t *testing.T) {
	t.Parallel()
	requireDesktopSession(t)
	addr := startPrivateBus(t)
	home := startPrivateKeyring(t, addr)
	auth := codextest.NewAuthServer(t)
	ann := codextest.Identity{Email: "ann@example.com", AccountID: "ws-ann", UserID: "u-ann"}
	login, err := json.Marshal(auth.Issue(ann, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	runChildProcess(t, "locked-keyring-refresh",
		"DBUS_SESSION_BUS_ADDRESS="+addr,
		"HOME="+home,
		"QUIVER_SECRET_TEST_DIR="+t.TempDir(),
		"QUIVER_SECRET_TEST_ISSUER="+auth.URL,
		"QUIVER_SECRET_TEST_LOGIN="+string(login))
	if st := auth.Stats(); st.Refreshes != 2 || st.Reuses != 0 || st.RejectedRefresh != 0 {
		t.Errorf("token endpoint stats %+v: want 2 refreshes, no reuse", st)
	}
}

// childLockedKeyringRefresh runs on the private bus of
// TestKeyringLockedDuringRefresh.
func childLockedKeyringRefresh(ctx context.Context) error {
	dir := os.Getenv("QUIVER_SECRET_TEST_DIR")
	var tok codex.Tokens
	if err := json.Unmarshal([]byte(os.Getenv("QUIVER_SECRET_TEST_LOGIN")), &tok); err != nil {
		return fmt.Errorf("reading the login: %w", err)
	}
	l, err := codex.NewLogin(tok, time.Now())
	if err != nil {
		return err
	}
	kr := NewKeyring(uniqueService(), 3*time.Second)
	store, err := account.Open(ctx, account.Options{Dir: filepath.Join(dir, "quiver"), CodexHome: filepath.Join(dir, "codex"), Secrets: kr})
	if err != nil {
		return err
	}
	res, err := store.ImportLogin(ctx, l)
	if err != nil {
		return fmt.Errorf("importing on the unlocked keyring: %w", err)
	}
	id := res.Account.ID

	// The keyring locks while the token request is on its way: the
	// refresh read the old tokens, the server granted the new ones.
	endpoint := lockingEndpoint{inner: codex.OAuthConfig{Issuer: os.Getenv("QUIVER_SECRET_TEST_ISSUER")}}
	r := account.NewRefresher(store, endpoint, codex.NeedsLogin)
	first, err := r.Refresh(ctx, id, account.RefreshNow, "")
	if err != nil {
		return fmt.Errorf("refresh during which the keyring locked: %w", err)
	}
	if _, err := kr.Get(ctx, id); !errors.Is(err, ErrLocked) {
		return fmt.Errorf("the keyring is not locked: Get gave %s", errString(err))
	}
	pending := filepath.Join(dir, "quiver", "pending-tokens", id+".json")
	fi, err := os.Stat(pending)
	if err != nil {
		return fmt.Errorf("the refreshed tokens are not in the pending file: %w", err)
	}
	if fi.Mode().Perm() != 0o600 {
		return fmt.Errorf("pending file mode %v, want 0600", fi.Mode().Perm())
	}
	if sec, err := store.Tokens(ctx, id); err != nil || sec.Refresh != first.Refresh {
		return fmt.Errorf("the store does not hand out the new refresh token (%v)", err)
	}
	if a, _ := store.Resolve(id); a.NeedsLogin || a.LastError == "" {
		return fmt.Errorf("account after the refresh: needs login %v, status %q", a.NeedsLogin, a.LastError)
	}
	fmt.Fprintf(os.Stderr, "status line: %s\n", func() string { a, _ := store.Resolve(id); return a.LastError }())
	// Still locked: the next refresh spends the kept token.
	if _, err := r.Refresh(ctx, id, account.RefreshNow, ""); err != nil {
		return fmt.Errorf("second refresh with a locked keyring: %w", err)
	}
	return nil
}

// lockingEndpoint locks the keyring right after the token endpoint granted
// a refresh.
type lockingEndpoint struct{ inner account.TokenEndpoint }

func (e lockingEndpoint) Refresh(ctx context.Context, rt string) (codex.Tokens, error) {
	t, err := e.inner.Refresh(ctx, rt)
	if lerr := lockDefaultCollection(ctx); lerr != nil {
		return codex.Tokens{}, fmt.Errorf("locking the keyring: %w", lerr)
	}
	return t, err
}
