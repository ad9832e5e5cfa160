package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex"
)

func cmdAdd(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("add")
	noBrowser := fs.Bool("no-browser", false, "print the sign-in URL instead of opening the browser")
	activate := fs.Bool("activate", false, "also make it the account ~/.codex/auth.json holds")
	rest, err := parse(fs, args, 0, 1, "[--no-browser] [--activate] [alias]")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	o := app.AddOptions{Activate: *activate}
	if len(rest) == 1 {
		o.Alias = rest[0]
	}
	o.Login.PrintURL = func(u string) {
		fmt.Fprintf(r.env.Stdout, "Sign in to your ChatGPT account here:\n\n  %s\n\nWaiting for the browser (Ctrl-C to stop)…\n", u)
	}
	if !*noBrowser {
		o.Login.OpenURL = codex.OpenBrowser
	}
	res, err := a.AddAccount(ctx, o)
	if errors.Is(err, context.Canceled) {
		return errors.New("sign-in stopped")
	}
	if errors.Is(err, codex.ErrPortInUse) {
		return errors.New("signing in: another sign-in is waiting for its browser on port 1455 " +
			"(a second `quiver add`, or `codex login`): finish or stop it, then try again")
	}
	if err != nil {
		return err
	}
	verb := "Added"
	if !res.Created {
		verb = "Signed in again:"
	}
	fmt.Fprintf(r.env.Stdout, "%s %s (%s, %s) as %q.\n", verb, res.Account.Email, orDash(res.Account.Plan), res.Account.ID, res.Account.Alias)
	if *activate {
		fmt.Fprintln(r.env.Stdout, "It is now the account ~/.codex/auth.json holds.")
	}
	return nil
}

func cmdRefresh(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("refresh")
	all := fs.Bool("all", false, "refresh every account")
	rest, err := parse(fs, args, 0, 1, "[<account>|--all]")
	if err != nil {
		return err
	}
	if *all == (len(rest) == 1) {
		return usagef("usage: quiver refresh <account> | quiver refresh --all")
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	var targets []account.Account
	if *all {
		for _, acc := range a.Store().Snapshot().Accounts {
			if !acc.Exported {
				targets = append(targets, acc)
			}
		}
	} else {
		acc, err := a.Store().Resolve(rest[0])
		if err != nil {
			return err
		}
		targets = append(targets, acc)
	}
	failed := 0
	for i, acc := range targets {
		fmt.Fprintf(r.env.Stdout, "[%d/%d] %s … ", i+1, len(targets), acc.Alias)
		sec, err := a.RefreshTokens(ctx, acc.ID)
		if err != nil {
			failed++
			fmt.Fprintf(r.env.Stdout, "failed: %s\n", oneLine(err.Error()))
			continue
		}
		fmt.Fprintf(r.env.Stdout, "ok, valid until %s\n", sec.Expires.Local().Format("Mon 2 Jan 15:04"))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d accounts could not be refreshed", failed, len(targets))
	}
	return nil
}
