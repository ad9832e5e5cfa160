package cli

import (
	"context"
	"fmt"
)

const takebackUsage = "[--from FILE] <account>"

// cmdTakeback takes a handed-over account back from OpenCode: the tokens
// OpenCode holds now move from its auth.json into Quiver, which manages the
// account again. When OpenCode's file does not hold the account, nothing
// changes and the user is told to sign in again (`quiver add`).
func cmdTakeback(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("takeback")
	from := fs.String("from", "", "OpenCode's auth.json `FILE` (default: $XDG_DATA_HOME/opencode/auth.json)")
	rest, err := parse(fs, args, 1, 1, takebackUsage)
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	res, err := a.TakeBackFrom(ctx, rest[0], *from)
	if err != nil {
		return err
	}
	how := "OpenCode had not refreshed them"
	if res.Refreshed {
		how = "OpenCode had refreshed them; Quiver holds its newer ones"
	}
	fmt.Fprintf(r.env.Stdout, "Took %s back from OpenCode (%s): Quiver refreshes and rotates it again.\n", res.Account.Label(), how)
	fmt.Fprintf(r.env.Stdout, "Its login was removed from %s; quit any running OpenCode, and sign OpenCode in again (or export another account) to keep using it there.\n", res.From)
	return nil
}
