package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// removeAccount removes acc after asking (unless yes). When auth.json holds
// acc, a terminal user is asked what auth.json should hold instead: another
// account, or the removed login left there (then Quiver remembers it was
// removed and does not import it again). With --yes it is left there and
// remembered.
func removeAccount(ctx context.Context, r *runner, a *app.App, acc account.Account, yes bool) error {
	active := a.Store().Snapshot().ActiveID == acc.ID
	if !yes {
		if !r.env.StdinIsTerminal {
			return fmt.Errorf("not removing %s without --yes (no terminal to ask)", acc.Alias)
		}
		in := bufio.NewReader(r.env.Stdin)
		fmt.Fprintf(r.env.Stdout, "Remove %s (%s) and its tokens from Quiver? [y/N] ", acc.Alias, acc.Email)
		line, _ := in.ReadString('\n')
		if ans := strings.ToLower(strings.TrimSpace(line)); ans != "y" && ans != "yes" {
			fmt.Fprintln(r.env.Stdout, "Nothing removed.")
			return nil
		}
		if active {
			to, err := askReplacement(r, in, a, acc)
			if err != nil {
				return err
			}
			if to != "" {
				sw, err := a.Switch(ctx, to)
				if err != nil {
					return err
				}
				fmt.Fprintf(r.env.Stdout, "Switched ~/.codex/auth.json to %s.\n", sw.Alias)
			}
		}
	}
	res, err := a.RemoveAccount(ctx, acc.ID)
	if err != nil {
		return err
	}
	if res.Forgotten {
		fmt.Fprintf(r.env.Stdout, "Removed %s. ~/.codex/auth.json still holds its login (the Codex CLI keeps using it); "+
			"Quiver will not import that login again, only a new `codex login` or `quiver add` of it.\n", acc.Alias)
		return nil
	}
	fmt.Fprintf(r.env.Stdout, "Removed %s. ~/.codex/auth.json was left as it is.\n", acc.Alias)
	return nil
}

// askReplacement asks which account auth.json should hold instead of the
// one being removed; "" keeps the removed login there.
func askReplacement(r *runner, in *bufio.Reader, a *app.App, removing account.Account) (string, error) {
	var others []string
	for _, o := range a.Store().Snapshot().Accounts {
		if o.ID != removing.ID && !o.NeedsLogin && !o.Exported {
			others = append(others, o.Alias)
		}
	}
	if len(others) == 0 {
		return "", nil
	}
	for {
		fmt.Fprintf(r.env.Stdout, "~/.codex/auth.json holds %s. Switch it to another account (%s), or press Enter to leave the login there: ",
			removing.Alias, strings.Join(others, ", "))
		line, err := in.ReadString('\n')
		ans := strings.TrimSpace(line)
		if ans == "" {
			return "", nil
		}
		if _, rerr := a.Store().Resolve(ans); rerr == nil && !strings.EqualFold(ans, removing.Alias) {
			return ans, nil
		}
		if err != nil {
			return "", fmt.Errorf("not removing %s: no account %q to switch to", removing.Alias, ans)
		}
		fmt.Fprintf(r.env.Stdout, "No other account is called %q.\n", ans)
	}
}
