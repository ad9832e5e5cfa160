package cli

import (
	"context"
	"fmt"
)

func cmdAutostart(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("autostart"), args, 1, 1, "on|off|status")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	switch rest[0] {
	case "on", "off":
		if err := a.SetAutostart(rest[0] == "on"); err != nil {
			return err // a temporary build's error points to `make install`
		}
		fallthrough
	case "status":
		st, err := a.Autostart()
		if err != nil {
			return err
		}
		switch {
		case st.Enabled && st.Stale:
			fmt.Fprintf(r.env.Stdout, "Start at login: on, but %s no longer exists (run `quiver autostart on` from the installed binary).\n", st.Exec)
		case st.Enabled:
			fmt.Fprintf(r.env.Stdout, "Start at login: on (%s starts %s).\n", st.Path, st.Exec)
		default:
			fmt.Fprintln(r.env.Stdout, "Start at login: off.")
		}
		return nil
	}
	return usagef("usage: quiver autostart on|off|status")
}
