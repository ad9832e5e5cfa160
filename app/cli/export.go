package cli

import (
	"context"
	"fmt"
)

const exportUsage = "opencode [--hand-over] <account> [-o FILE]"

// cmdExport prints (or saves) one account as OpenCode's stock auth.json.
func cmdExport(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("export")
	out := fs.String("o", "", "save into `FILE`, an OpenCode auth.json (0600; other providers kept), instead of printing")
	handOver := fs.Bool("hand-over", false, "hand the account over: Quiver stops refreshing and rotating it")
	rest, err := parse(fs, args, 2, 2, exportUsage)
	if err != nil {
		return err
	}
	if rest[0] != "opencode" {
		return usagef("usage: quiver export %s", exportUsage)
	}
	rest = rest[1:]
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	acc, err := a.Store().Resolve(rest[0])
	if err != nil {
		return err
	}
	warn := r.env.Stderr
	if *out != "" {
		if err := a.SaveOpenCodeExport(ctx, acc.ID, *out); err != nil {
			return err
		}
		fmt.Fprintf(r.env.Stdout, "Saved %s's login into %s (mode 0600). These are live credentials.\n", acc.Label(), *out)
	} else {
		e, err := a.OpenCodeExport(ctx, acc.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(warn, "quiver: these are live credentials for %s: whoever has them can use the account.\n", acc.Label())
		if _, err := r.env.Stdout.Write(e.JSON); err != nil {
			return fmt.Errorf("writing the export: %w", err)
		}
	}
	if *handOver {
		if err := a.HandOver(ctx, acc.ID); err != nil {
			return err
		}
		fmt.Fprintf(warn, "quiver: handed %s over: Quiver no longer refreshes or rotates it.\n", acc.Label())
		return nil
	}
	fmt.Fprintf(warn, "quiver: the refresh token is single-use and Quiver holds it too: whichever side refreshes first logs the other out. "+
		"Run again with --hand-over to let Quiver leave %s alone, or expect to sign in again on one side.\n", acc.Label())
	return nil
}
