package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
)

// OpenCodeExport is one account as OpenCode's stock auth.json, with what a
// dialog may show about it. JSON holds live credentials: it is never
// logged, and String does not print it.
type OpenCodeExport struct {
	AccountID        string // Quiver's id of the account
	Label            string // its alias
	Email            string
	ChatGPTAccountID string // "" when unknown: the JSON then has no accountId
	Expires          time.Time
	AccessPreview    string // truncated, see codex.PreviewToken
	RefreshPreview   string
	// Exported says the account was already handed over to another tool.
	Exported bool
	// JSON is {"openai": {"type": "oauth", …}}; nil in a preview.
	JSON []byte
}

// String never prints a token.
func (e OpenCodeExport) String() string {
	return fmt.Sprintf("app.OpenCodeExport{%s (%s)}", e.Label, e.AccountID)
}

// GoString never prints a token.
func (e OpenCodeExport) GoString() string { return e.String() }

// PreviewOpenCodeExport describes what exporting account id would give,
// without the credentials themselves (JSON is nil) and without an audit
// line: the export dialog shows it before the user copies or saves.
func (a *App) PreviewOpenCodeExport(ctx context.Context, id string) (OpenCodeExport, error) {
	e, err := a.buildOpenCodeExport(ctx, id)
	e.JSON = nil
	return e, err
}

// OpenCodeExport returns account id as OpenCode's auth.json, and writes an
// audit line (account and time, no token material) to the log: every call
// hands out live credentials.
func (a *App) OpenCodeExport(ctx context.Context, id string) (OpenCodeExport, error) {
	e, err := a.buildOpenCodeExport(ctx, id)
	if err != nil {
		return e, err
	}
	a.auditExport(e, "")
	return e, nil
}

// SaveOpenCodeExport writes account id into OpenCode's auth.json at path
// (0600, atomic; other providers' entries in the file are kept), and
// writes an audit line.
func (a *App) SaveOpenCodeExport(ctx context.Context, id, path string) error {
	e, err := a.buildOpenCodeExport(ctx, id)
	if err != nil {
		return err
	}
	if err := codex.WriteOpenCodeAuth(path, e.JSON); err != nil {
		return fmt.Errorf("exporting %s to OpenCode: %w", e.Label, err)
	}
	a.auditExport(e, path)
	return nil
}

func (a *App) auditExport(e OpenCodeExport, path string) {
	attrs := []any{"id", e.AccountID, "account", e.Label, "at", a.now().UTC().Format(time.RFC3339)}
	if path != "" {
		attrs = append(attrs, "file", path)
	}
	a.log.Warn("exported account to OpenCode", attrs...)
}

func (a *App) buildOpenCodeExport(ctx context.Context, id string) (OpenCodeExport, error) {
	acc, err := a.store.Resolve(id)
	if err != nil {
		return OpenCodeExport{}, err
	}
	e := OpenCodeExport{
		AccountID: acc.ID, Label: acc.Label(), Email: acc.Email,
		ChatGPTAccountID: acc.ChatGPTAccountID, Exported: acc.Exported,
	}
	if acc.NeedsLogin {
		return e, fmt.Errorf("%w: %s (%s)", account.ErrNeedsLogin, acc.Label(), acc.NeedsLoginReason)
	}
	sec, err := a.store.Tokens(ctx, acc.ID)
	if err != nil {
		return e, err
	}
	e.JSON, err = codex.OpenCodeAuth(sec.Tokens(acc.ChatGPTAccountID), acc.ChatGPTAccountID)
	if err != nil {
		return e, fmt.Errorf("exporting %s to OpenCode: %w", acc.Label(), err)
	}
	if c, err := codex.ParseClaims(sec.Access); err == nil {
		e.Expires = c.Expiry
	}
	e.AccessPreview, e.RefreshPreview = codex.PreviewToken(sec.Access), codex.PreviewToken(sec.Refresh)
	return e, nil
}

// HandOver gives account id to another tool (after an OpenCode export):
// Quiver stops refreshing its tokens and routing traffic to it, since the
// exported refresh token is single-use and whichever side refreshed first
// would log the other out. The account stays listed as "exported".
func (a *App) HandOver(ctx context.Context, id string) error {
	return a.setExported(ctx, id, true)
}

// ErrHandedOver is returned when an action would hand a handed-over
// account's tokens to another client (a switch puts them in auth.json):
// OpenCode owns its single-use refresh token now.
var ErrHandedOver = errors.New("is handed over to OpenCode")

// refuseHandedOver returns ErrHandedOver, with the way out, for a
// handed-over account.
func (a *App) refuseHandedOver(ref string) error {
	acc, err := a.store.Resolve(ref)
	if err != nil || !acc.Exported {
		return nil // the action itself reports an unknown account
	}
	return fmt.Errorf("not switching: %s %w, which owns its refresh token now; "+
		"take it back first with `quiver takeback %s`", acc.Label(), ErrHandedOver, acc.Label())
}

// ErrNothingToTakeBack is returned by TakeBack when OpenCode's auth.json
// does not hold the account: its tokens may have been spent there, so the
// account needs a new sign-in (`quiver add`), which takes it back.
var ErrNothingToTakeBack = errors.New("nothing to take back")

// TakeBackResult says what TakeBack did.
type TakeBackResult struct {
	Account account.Account
	From    string // OpenCode's auth.json
	// Refreshed says OpenCode had refreshed the tokens since the hand-over:
	// Quiver now holds OpenCode's newer ones.
	Refreshed bool
}

// TakeBack undoes HandOver without ever reusing a token OpenCode may have
// spent: it takes the tokens OpenCode holds now from its auth.json at
// openCodeAuth ("" for the default path) into the secret store, removes
// them from that file (other providers' entries are kept), and only then
// lets Quiver refresh and rotate the account again. When the file does not
// hold the account it changes nothing and returns ErrNothingToTakeBack: a
// new sign-in (`quiver add`) takes the account back instead.
func (a *App) TakeBack(ctx context.Context, id string) error {
	_, err := a.TakeBackFrom(ctx, id, "")
	return err
}

// TakeBackFrom is TakeBack with OpenCode's auth.json named.
func (a *App) TakeBackFrom(ctx context.Context, id, openCodeAuth string) (TakeBackResult, error) {
	if openCodeAuth == "" {
		openCodeAuth = codex.DefaultOpenCodeAuthPath()
	}
	res := TakeBackResult{From: openCodeAuth}
	acc, err := a.store.Resolve(id)
	if err != nil {
		return res, err
	}
	res.Account = acc
	if !acc.Exported {
		return res, fmt.Errorf("%s was not handed over; Quiver manages it already", acc.Label())
	}
	oc, err := codex.ReadOpenCodeLogin(openCodeAuth)
	if err == nil && !sameAccount(acc, oc) {
		err = codex.ErrNoOpenCodeLogin
	}
	if errors.Is(err, codex.ErrNoOpenCodeLogin) {
		return res, fmt.Errorf("%w: %s holds no login of %s (OpenCode may have spent its tokens); sign in again with `quiver add %s`, which takes it back",
			ErrNothingToTakeBack, openCodeAuth, acc.Label(), acc.Label())
	}
	if err != nil {
		return res, fmt.Errorf("taking back %s: %w", acc.Label(), err)
	}
	held, err := a.store.Tokens(ctx, acc.ID)
	if err != nil {
		return res, fmt.Errorf("taking back %s: %w", acc.Label(), err)
	}
	// OpenCode's auth.json has no id_token; the one Quiver holds names the
	// same identity.
	l, err := codex.NewLogin(codex.Tokens{
		IDToken: held.IDToken, AccessToken: oc.Access, RefreshToken: oc.Refresh, AccountID: acc.ChatGPTAccountID,
	}, a.now().UTC())
	if err != nil {
		return res, fmt.Errorf("taking back %s: OpenCode's login is not usable: %w", acc.Label(), err)
	}
	res.Refreshed = oc.Refresh != held.Refresh
	if err := a.store.SaveTokens(ctx, acc.ID, l); err != nil {
		return res, fmt.Errorf("taking back %s: %w", acc.Label(), err)
	}
	// The tokens are Quiver's now: OpenCode must not spend them too. Until
	// they are gone from its file the account stays handed over.
	if err := codex.RemoveOpenCodeLogin(openCodeAuth); err != nil {
		return res, fmt.Errorf("taking back %s: removing it from OpenCode: %w", acc.Label(), err)
	}
	if err := a.setExported(ctx, acc.ID, false); err != nil {
		return res, err
	}
	res.Account, _ = a.store.Resolve(acc.ID)
	return res, nil
}

// sameAccount reports whether OpenCode's login is acc's: the same ChatGPT
// account, and the same user when both name one.
func sameAccount(acc account.Account, oc codex.OpenCodeLogin) bool {
	if oc.ChatGPTAccountID() == "" || oc.ChatGPTAccountID() != acc.ChatGPTAccountID {
		return false
	}
	return acc.ChatGPTUserID == "" || oc.Claims.ChatGPTUserID == "" || oc.Claims.ChatGPTUserID == acc.ChatGPTUserID
}

func (a *App) setExported(ctx context.Context, id string, exported bool) error {
	var label string
	err := a.store.Update(ctx, id, func(acc *account.Account) error {
		acc.Exported, label = exported, acc.Label()
		return nil
	})
	if err != nil {
		return fmt.Errorf("marking account exported: %w", err)
	}
	if exported {
		a.log.Info("handed account over to another tool; Quiver no longer refreshes or rotates it", "id", id, "account", label)
	} else {
		a.log.Info("took account back from another tool", "id", id, "account", label)
	}
	return nil
}
