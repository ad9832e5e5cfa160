package app

import (
	"context"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
)

// AddOptions configure AddAccount.
type AddOptions struct {
	Alias    string // optional alias for the account
	Activate bool   // also write it to auth.json
	Login    codex.LoginOptions
}

// AddAccount signs in through the browser (OAuth + PKCE) and stores the
// account: a new identity is added, a known one gets the new tokens. The
// login is Quiver's own token family, so the Codex CLI signing in or out
// never revokes it.
func (a *App) AddAccount(ctx context.Context, o AddOptions) (account.ImportResult, error) {
	if o.Login.Logger == nil {
		o.Login.Logger = a.log
	}
	l, err := a.OAuth().Login(ctx, o.Login)
	if err != nil {
		return account.ImportResult{}, err // it says "signing in: …" already
	}
	res, err := a.store.ImportLogin(ctx, l)
	if err != nil {
		return res, err
	}
	if res.Created == false && !res.Adopted {
		// Same identity, new sign-in: these tokens are the live ones now.
		if err := a.store.SaveTokens(ctx, res.Account.ID, l); err != nil {
			return res, err
		}
		res.Adopted = true
	}
	if res.Account.Exported {
		// A new sign-in is Quiver's own token family, not the one handed
		// over to OpenCode: Quiver manages the account again.
		if err := a.setExported(ctx, res.Account.ID, false); err != nil {
			return res, err
		}
		res.Account.Exported = false
	}
	if o.Alias != "" {
		if res.Account, err = a.store.Rename(ctx, res.Account.ID, o.Alias); err != nil {
			return res, err
		}
	}
	if o.Activate {
		if res.Account, err = a.store.Switch(ctx, res.Account.ID); err != nil {
			return res, err
		}
	}
	return res, nil
}

// RefreshTokens refreshes account id's tokens now.
func (a *App) RefreshTokens(ctx context.Context, id string) (account.Secret, error) {
	return a.refresh.Refresh(ctx, id, account.RefreshNow, "")
}
