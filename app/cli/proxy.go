package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/quiver-app/quiver/app/account"
)

const proxyUsage = "[--listen ADDR] | quiver proxy key [--regenerate]"

func cmdProxy(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("proxy")
	listen := fs.String("listen", "", "`ADDR` (host:port) to listen on (default: the setting, 127.0.0.1:8799)")
	regen := fs.Bool("regenerate", false, "with key: replace the key and update the clients Quiver connected")
	rest, err := parse(fs, args, 0, 1, proxyUsage)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 1 && rest[0] == "key" && *listen == "":
		return runProxyKey(ctx, r, *regen)
	case len(rest) == 0 && !*regen:
		return runProxy(ctx, r, *listen)
	}
	return usagef("usage: quiver proxy %s", proxyUsage)
}

func runProxyKey(ctx context.Context, r *runner, regen bool) error {
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	if !regen {
		key, err := a.ProxyKey(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(r.env.Stdout, key)
		return nil
	}
	rot, err := a.RotateProxyKey(ctx)
	if rot.Key == "" {
		return err
	}
	// The key alone on stdout (scripts take it from there); what changed
	// on stderr.
	fmt.Fprintln(r.env.Stdout, rot.Key)
	if err != nil {
		return fmt.Errorf("the key changed, but %w", err)
	}
	fmt.Fprintln(r.env.Stderr, "quiver: running Quiver proxies switch to the new key; the old one is refused.")
	failed := 0
	for _, c := range rot.Clients {
		switch {
		case c.Err != nil:
			failed++
			fmt.Fprintf(r.env.Stderr, "quiver: %s still has the old key: %s (run `quiver connect %s` once fixed)\n", c.Client, oneLine(c.Err.Error()), c.Client)
		case c.Result.Changed:
			fmt.Fprintf(r.env.Stderr, "quiver: wrote the new key into %s (previous version kept at %s)\n", c.Result.Path, orDash(c.Result.Backup))
		default:
			fmt.Fprintf(r.env.Stderr, "quiver: %s already had the new key\n", c.Result.Path)
		}
	}
	if len(rot.Clients) == 0 {
		fmt.Fprintln(r.env.Stderr, "quiver: no client config is connected to Quiver; give the new key to the clients that use the proxy.")
	}
	if failed > 0 {
		return fmt.Errorf("%d client config(s) still hold the old key", failed)
	}
	return nil
}

func cmdCooldown(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("cooldown"), args, 2, 2, "clear <account>")
	if err != nil {
		return err
	}
	if rest[0] != "clear" {
		return usagef("usage: quiver cooldown clear <account>")
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	acc, err := a.ClearLimit(ctx, rest[1])
	if errors.Is(err, account.ErrNotLimited) {
		fmt.Fprintf(r.env.Stdout, "%s is not cooling down; nothing to clear (state: %s).\n", acc.Label(), acc.State(time.Now(), a.Settings().WarnPercent))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "%s is back in rotation (state: %s) until new figures say otherwise.\n", acc.Label(), acc.State(time.Now(), a.Settings().WarnPercent))
	return nil
}

func cmdLimits(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("limits")
	all := fs.Bool("all", false, "every account")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parse(fs, args, 0, 1, "[<account>|--all] [--json]")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	snap := a.Store().Snapshot()
	var targets []account.Account
	switch {
	case len(rest) == 1:
		acc, err := a.Store().Resolve(rest[0])
		if err != nil {
			return err
		}
		targets = []account.Account{acc}
	case *all:
		targets = snap.Accounts
	default:
		acc, ok := snap.Account(snap.ActiveID)
		if !ok {
			return errors.New("no active account: name one, or use --all")
		}
		targets = []account.Account{acc}
	}
	type result struct {
		ID    string         `json:"id"`
		Alias string         `json:"alias"`
		Plan  string         `json:"plan,omitempty"`
		State string         `json:"state"`
		Usage *account.Usage `json:"usage,omitempty"`
		Error string         `json:"error,omitempty"`
	}
	var results []result
	failed := 0
	for _, acc := range targets {
		res := result{ID: acc.ID, Alias: acc.Alias, Plan: acc.Plan}
		if acc.NeedsLogin || acc.Exported {
			res.Error = "not checked: " + string(acc.State(time.Now(), a.Settings().WarnPercent))
		} else if u, err := a.FetchLimits(ctx, acc.ID); err != nil {
			failed++
			res.Error = oneLine(err.Error())
		} else {
			res.Usage = &u
			if u.Plan != "" {
				res.Plan = u.Plan
			}
		}
		if now, err := a.Store().Resolve(acc.ID); err == nil {
			res.State = string(now.State(time.Now(), a.Settings().WarnPercent))
		}
		results = append(results, res)
	}
	if *asJSON {
		if err := writeJSON(r.env.Stdout, map[string]any{"accounts": results}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ALIAS\tPLAN\tSTATE\tWINDOW\tUSED\tRESETS")
		now := time.Now()
		for _, res := range results {
			if res.Usage == nil || len(res.Usage.Windows) == 0 {
				msg := res.Error
				if msg == "" {
					msg = "no windows reported"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t%s\n", res.Alias, orDash(res.Plan), res.State, msg)
				continue
			}
			hist, _ := a.Store().History(res.ID)
			for i, w := range res.Usage.Windows {
				alias, plan, state := res.Alias, orDash(res.Plan), res.State
				if i > 0 {
					alias, plan, state = "", "", ""
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f%%\t%s\n", alias, plan, state, w.Kind, w.UsedPercent, formatReset(w.ResetAt, now))
				if pick := paceOf(w.Kind); pick != nil {
					if at, ok := account.ProjectLimit(hist, pick, w, now); ok {
						fmt.Fprintf(tw, "\t\t\t\t\tat this rate: 100%% at %s\n", formatReset(at, now))
					}
				}
			}
		}
		tw.Flush()
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d accounts could not be checked", failed, len(targets))
	}
	return nil
}

// formatReset is "14:05 (in 2h 14m)" in local time; "Mon 09:00" beyond today.
func formatReset(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	lt := t.Local()
	clock := lt.Format("15:04")
	if y, m, d := lt.Date(); y != now.Local().Year() || m != now.Local().Month() || d != now.Local().Day() {
		clock = lt.Format("Mon 2 Jan 15:04")
	}
	if t.After(now) {
		return fmt.Sprintf("%s (in %s)", clock, shortDuration(t.Sub(now)))
	}
	return clock + " (passed)"
}

// paceOf picks a window's figure from history samples, for projections.
func paceOf(kind string) func(account.Sample) float64 {
	switch kind {
	case "5h":
		return account.FiveHourOf
	case "weekly":
		return account.WeeklyOf
	}
	return nil
}
