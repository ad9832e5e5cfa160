package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// accountJSON is an account as `list --json` prints it.
type accountJSON struct {
	ID               string    `json:"id"`
	Alias            string    `json:"alias"`
	Email            string    `json:"email,omitempty"`
	Plan             string    `json:"plan,omitempty"`
	ChatGPTAccountID string    `json:"chatgpt_account_id"`
	Active           bool      `json:"active"`
	State            string    `json:"state"`
	NeedsLoginReason string    `json:"needs_login_reason,omitempty"`
	TokenExpiry      time.Time `json:"token_expiry,omitzero"`
	CooldownUntil    time.Time `json:"cooldown_until,omitzero"`
	Tags             []string  `json:"tags,omitempty"`
}

func toJSON(snap account.Snapshot, warn float64, now time.Time) []accountJSON {
	out := make([]accountJSON, 0, len(snap.Accounts))
	for _, a := range snap.Accounts {
		out = append(out, accountJSON{
			ID: a.ID, Alias: a.Alias, Email: a.Email, Plan: a.Plan, ChatGPTAccountID: a.ChatGPTAccountID,
			Active: a.ID == snap.ActiveID, State: string(a.State(now, warn)), NeedsLoginReason: a.NeedsLoginReason,
			TokenExpiry: a.TokenExpiry, CooldownUntil: a.CooldownUntil, Tags: a.Tags,
		})
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdList(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("list")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args, 0, 0, "[--json]"); err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	r.importCodexLogin(ctx, a, *asJSON)
	snap := a.Store().Snapshot()
	now := time.Now()
	if *asJSON {
		return writeJSON(r.env.Stdout, map[string]any{"accounts": toJSON(snap, a.Settings().WarnPercent, now)})
	}
	printAccounts(r.env.Stdout, snap, a.Settings().WarnPercent, now)
	return nil
}

// importCodexLogin takes in the Codex CLI's current login, as the tray app
// and --headless do when they start, so that the first `quiver list` or
// `quiver status` shows it even when no Quiver runs. A new account is
// announced (on stderr under --json); an auth.json that is not a usable
// login is left to `quiver status` to report.
func (r *runner) importCodexLogin(ctx context.Context, a *app.App, quiet bool) {
	res, err := a.ImportCodexLogin(ctx)
	if err != nil || !res.Created {
		return
	}
	w := r.env.Stdout
	if quiet {
		w = r.env.Stderr
	}
	fmt.Fprintf(w, "Imported the Codex CLI's login (%s) from %s as %q.\n"+
		"Add more accounts with `quiver add`: Quiver's own sign-in, which `codex login` and `codex logout` cannot revoke.\n\n",
		res.Account.Email, a.Paths().AuthFile(), res.Account.Alias)
}

func printAccounts(w io.Writer, snap account.Snapshot, warn float64, now time.Time) {
	if len(snap.Accounts) == 0 {
		fmt.Fprintln(w, "No accounts yet. Add one with `quiver add` (signs in through the browser), or `codex login` (Quiver imports it).")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tALIAS\tEMAIL\tPLAN\tSTATE\tTOKEN EXPIRES\tID")
	for _, a := range snap.Accounts {
		mark := " "
		if a.ID == snap.ActiveID {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, a.Alias, a.Email, orDash(a.Plan),
			a.State(now, warn), formatExpiry(a.TokenExpiry, now), a.ID)
	}
	tw.Flush()
	if snap.ActiveID == "" {
		fmt.Fprintln(w, "\nauth.json holds none of these accounts (`quiver switch <account>` to choose one).")
	} else {
		fmt.Fprintln(w, "\n* = the account ~/.codex/auth.json holds")
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatExpiry is "in 9d 3h", "expired 2h ago" or "-".
func formatExpiry(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if d := t.Sub(now); d >= 0 {
		return "in " + shortDuration(d)
	}
	return "expired " + shortDuration(now.Sub(t)) + " ago"
}

// shortDuration renders d as its two largest units: "9d 3h", "2h 14m", "45s".
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	days := int(d / (24 * time.Hour))
	h := int(d/time.Hour) % 24
	m := int(d/time.Minute) % 60
	s := int(d/time.Second) % 60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%ds", s)
}

type statusJSON struct {
	Accounts       []accountJSON `json:"accounts"`
	Active         string        `json:"active,omitempty"`
	ConfigDir      string        `json:"config_dir"`
	AccountsFile   string        `json:"accounts_file"`
	SettingsFile   string        `json:"settings_file"`
	LogFile        string        `json:"log_file"`
	AuthFile       string        `json:"auth_file"`
	SecretsBackend string        `json:"secrets"`
	Problems       []string      `json:"problems"`
}

func cmdStatus(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args, 0, 0, "[--json]"); err != nil {
		return err
	}
	r.report = true
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	r.importCodexLogin(ctx, a, *asJSON)
	snap := a.Store().Snapshot()
	p := a.Paths()
	now := time.Now()
	st := statusJSON{
		Accounts: toJSON(snap, a.Settings().WarnPercent, now), Active: snap.ActiveID,
		ConfigDir: p.ConfigDir, AccountsFile: p.AccountsFile(), SettingsFile: p.SettingsFile(),
		LogFile: p.LogFile(), AuthFile: p.AuthFile(), SecretsBackend: a.SecretsBackend(),
		Problems: problems(a),
	}
	if *asJSON {
		return writeJSON(r.env.Stdout, st)
	}
	w := r.env.Stdout
	printAccounts(w, snap, a.Settings().WarnPercent, now)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Codex login:\t%s\n", st.AuthFile)
	fmt.Fprintf(tw, "Accounts:\t%s\n", st.AccountsFile)
	fmt.Fprintf(tw, "Settings:\t%s\n", st.SettingsFile)
	fmt.Fprintf(tw, "Log:\t%s\n", st.LogFile)
	fmt.Fprintf(tw, "Tokens kept in:\t%s\n", st.SecretsBackend)
	tw.Flush()
	if len(st.Problems) == 0 {
		fmt.Fprintln(w, "\nNo problems.")
		return nil
	}
	fmt.Fprintln(w, "\nProblems:")
	for _, pr := range st.Problems {
		fmt.Fprintf(w, "  - %s\n", pr)
	}
	return nil
}

// problems lists what the user should know about: an auth.json that is not
// a usable login, damaged files kept aside, accounts that need a login.
func problems(a *app.App) []string {
	out := []string{}
	if err := a.SecretsProblem(); err != nil {
		out = append(out, err.Error())
	}
	if err := a.CheckAuthFile(); err != nil {
		out = append(out, fmt.Sprintf("%s is not imported: %v", a.Paths().AuthFile(), err))
	}
	for _, f := range a.Store().CorruptFiles() {
		out = append(out, fmt.Sprintf("a damaged accounts.json was kept aside at %s (accounts that could be read were recovered)", f))
	}
	for _, acc := range a.Store().Snapshot().Accounts {
		if acc.NeedsLogin {
			out = append(out, fmt.Sprintf("%s needs a new login: %s", acc.Alias, orDash(acc.NeedsLoginReason)))
		}
	}
	return out
}

func cmdSwitch(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("switch"), args, 1, 1, "<account>")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	acc, err := a.Switch(ctx, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Switched to %s (%s). The Codex CLI uses it from its next request.\n", acc.Alias, acc.Email)
	return nil
}

func cmdImport(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("import"), args, 0, 1, "[PATH]")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	path := a.Paths().AuthFile()
	if len(rest) == 1 {
		path = rest[0]
	}
	res, err := a.Store().ImportAuthFile(ctx, path)
	if err != nil {
		return err
	}
	switch {
	case res.Created:
		fmt.Fprintf(r.env.Stdout, "Imported %s (%s, %s) as %q.\n", res.Account.Email, orDash(res.Account.Plan), res.Account.ID, res.Account.Alias)
	case res.Adopted:
		fmt.Fprintf(r.env.Stdout, "Updated the tokens of %s.\n", res.Account.Alias)
	default:
		fmt.Fprintf(r.env.Stdout, "%s is already known with these or newer tokens; nothing changed.\n", res.Account.Alias)
	}
	return nil
}

func cmdRename(ctx context.Context, r *runner, args []string) error {
	rest, err := parse(newFlags("rename"), args, 2, 2, "<account> <alias>")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	acc, err := a.Store().Rename(ctx, rest[0], rest[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(r.env.Stdout, "Renamed %s to %s.\n", acc.Email, acc.Alias)
	return nil
}

func cmdRemove(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("remove")
	yes := fs.Bool("yes", false, "do not ask")
	rest, err := parse(fs, args, 1, 1, "[--yes] <account>")
	if err != nil {
		return err
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	acc, err := a.Store().Resolve(rest[0])
	if err != nil {
		return err
	}
	return removeAccount(ctx, r, a, acc, *yes)
}

func cmdPath(ctx context.Context, r *runner, args []string) error {
	if _, err := parse(newFlags("path"), args, 0, 0, ""); err != nil {
		return err
	}
	p, err := r.paths()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "config\t%s\n", p.ConfigDir)
	fmt.Fprintf(tw, "accounts\t%s\n", p.AccountsFile())
	fmt.Fprintf(tw, "history\t%s\n", p.HistoryDir())
	fmt.Fprintf(tw, "settings\t%s\n", p.SettingsFile())
	fmt.Fprintf(tw, "log\t%s\n", p.LogFile())
	fmt.Fprintf(tw, "tokens\tthe OS keyring, service %q, or the encrypted file below (QUIVER_SECRETS)\n", "quiver")
	fmt.Fprintf(tw, "secrets file\t%s\n", p.SecretsFile())
	fmt.Fprintf(tw, "codex auth\t%s\n", p.AuthFile())
	return tw.Flush()
}

func cmdVersion(ctx context.Context, r *runner, args []string) error {
	if _, err := parse(newFlags("version"), args, 0, 0, ""); err != nil {
		return err
	}
	b := r.env.Build
	fmt.Fprintf(r.env.Stdout, "quiver %s (commit %s, built %s)\n", orDash(b.Version), orDash(b.Commit), orDash(b.Date))
	return nil
}
