package app

import (
	"context"
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

// TakeBack undoes HandOver: Quiver manages the account again. If the other
// tool has refreshed meanwhile, the tokens Quiver holds are spent and the
// account will need a new login.
func (a *App) TakeBack(ctx context.Context, id string) error {
	return a.setExported(ctx, id, false)
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
