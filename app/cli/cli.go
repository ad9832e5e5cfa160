// Package cli is Quiver's command line: every subcommand (`quiver list`,
// `switch`, `status`, …) and `--headless`. It parses arguments, calls the
// app core and prints results: human-readable by default, JSON with --json.
//
// Exit codes: 0 success, 1 a user-facing error (one line on stderr),
// 2 a usage error.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/quiver-app/quiver/app"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// BuildInfo describes the binary, set by main from -ldflags.
type BuildInfo = app.BuildInfo

// Env is what the commands run with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinIsTerminal says whether a question can be asked.
	StdinIsTerminal bool
	Build           BuildInfo
	// GUI runs the tray app; nil when this binary has none.
	GUI func(ctx context.Context, a *app.App, log *slog.Logger) error
	// Window runs the window process (`quiver window`, started by the tray
	// app); nil when this binary has none.
	Window func(ctx context.Context, a *app.App, log *slog.Logger) error
	// NoTrayHost says why no tray icon can show here (no StatusNotifier
	// host on the session bus), or nil when one can or it cannot tell;
	// nil func: assume one can.
	NoTrayHost func(ctx context.Context) error
	// Paths overrides app.DefaultPaths (tests).
	Paths *app.Paths
}

// errUsage marks a usage error (exit 2); its text is the usage line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, r *runner, args []string) error
}

func commands() []command {
	return []command{
		{"open", "", "open the Quiver window (starts the tray app if needed)", cmdOpen},
		{"list", "[--json]", "list accounts", cmdList},
		{"status", "[--json]", "accounts, files, secret storage and problems", cmdStatus},
		{"switch", "<account>", "make an account the one ~/.codex/auth.json holds", cmdSwitch},
		{"import", "[PATH]", "import a Codex auth.json (default: $CODEX_HOME/auth.json)", cmdImport},
		{"rename", "<account> <alias>", "give an account a new alias", cmdRename},
		{"remove", "[--yes] <account>", "remove an account and its tokens", cmdRemove},
		{"add", "[--no-browser] [--activate] [alias]", "sign in to another ChatGPT account (browser)", cmdAdd},
		{"refresh", "[<account>|--all]", "refresh tokens now", cmdRefresh},
		{"limits", "[<account>|--all] [--json]", "fetch and show 5-hour / weekly limits", cmdLimits},
		{"proxy", "[--listen ADDR] | quiver proxy key [--regenerate]", "run the rotating proxy in the foreground / print its key", cmdProxy},
		{"export", "opencode [--hand-over] <account> [-o FILE]", "print or save an account as OpenCode's auth.json (live credentials)", cmdExport},
		{"backup", "FILE", "write every account and its tokens to one encrypted file (passphrase: at least 8 characters)", cmdBackup},
		{"restore", "FILE", "merge the accounts of an encrypted backup (never duplicates)", cmdRestore},
		{"connect", "codex|opencode [--undo]", "point the Codex CLI or OpenCode at the proxy", cmdConnect},
		{"takeback", takebackUsage, "take a handed-over account back from OpenCode (its current tokens)", cmdTakeback},
		{"cooldown", "clear <account>", "put a limited account back into rotation", cmdCooldown},
		{"autostart", "on|off|status", "start Quiver at login", cmdAutostart},
		{"path", "", "print where Quiver's files are", cmdPath},
		{"version", "", "print version, commit and build date", cmdVersion},
	}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	r := &runner{env: env}
	err := r.dispatch(ctx, args)
	var ue usageError
	var help helpText
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &help):
		fmt.Fprint(env.Stdout, help.text)
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "quiver: %s\n", ue.msg)
		fmt.Fprintln(env.Stderr, "Run 'quiver help' for usage.")
		return ExitUsage
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	default:
		fmt.Fprintf(env.Stderr, "quiver: %s\n", oneLine(err.Error()))
		return ExitError
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// runner holds what commands share.
type runner struct {
	env     Env
	app     *app.App
	log     *slog.Logger
	closers []func()
	report  bool // open the app even without secret storage (status)
}

func (r *runner) dispatch(ctx context.Context, args []string) error {
	defer func() {
		for _, c := range r.closers {
			c()
		}
	}()
	fs := flag.NewFlagSet("quiver", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	headless := fs.Bool("headless", false, "run the watcher, refresher and proxy without a tray")
	verbose := fs.Bool("v", false, "also log to stderr")
	version := fs.Bool("version", false, "print version, commit and build date")
	// Quiver's own flags come before the command; the command parses the
	// rest (its flags may then come anywhere).
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			r.usage(r.env.Stdout)
			return flag.ErrHelp
		}
		return usagef("%v", err)
	}
	rest := fs.Args()
	if *version {
		if *headless || len(rest) > 0 {
			return usagef("--version takes no command")
		}
		return cmdVersion(ctx, r, nil)
	}
	if *headless {
		if len(rest) > 0 {
			return usagef("--headless takes no command")
		}
		return r.runHeadless(ctx, true)
	}
	if len(rest) == 0 {
		return r.runGUI(ctx, *verbose, false)
	}
	name := rest[0]
	if name == app.WindowCommand { // hidden: the tray app starts it
		if r.env.Window == nil || len(rest) > 1 {
			return usagef("this build has no window")
		}
		a, err := r.open(ctx, *verbose)
		if err != nil {
			return err
		}
		return r.env.Window(ctx, a, r.log)
	}
	if name == "help" {
		switch len(rest) {
		case 1:
			r.usage(r.env.Stdout)
			return nil
		case 2:
			for _, c := range commands() {
				if c.name == rest[1] {
					// Every command parses its flags first: --help
					// returns its help before it does anything.
					return c.run(ctx, r, []string{"--help"})
				}
			}
			return usagef("no command %q (quiver help lists them)", rest[1])
		}
		return usagef("usage: quiver help [command]")
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, r, rest[1:])
		}
	}
	return usagef("unknown command %q", name)
}

func (r *runner) usage(w io.Writer) {
	fmt.Fprintln(w, "Quiver — several ChatGPT accounts for the Codex CLI, from the tray.")
	fmt.Fprintln(w, "\nUsage:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  quiver\tstart the tray app (or show the running one's window)")
	fmt.Fprintln(tw, "  quiver --headless\twatcher, refresher, proxy and notifications without a tray, until stopped")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(tw, "  quiver %s\t%s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nA command's flags go before or after its arguments (-- ends them); `quiver help <command>`")
	fmt.Fprintln(w, "or `quiver <command> --help` describes one. `quiver --version` prints the version.")
	fmt.Fprintln(w, "\n<account> is an alias, an email or an id (a unique prefix of it is enough).")
	fmt.Fprintln(w, "Environment: CODEX_HOME, XDG_CONFIG_HOME, QUIVER_CONFIG_DIR, QUIVER_SECRETS=keyring|file,")
	fmt.Fprintln(w, "  QUIVER_PASSPHRASE, QUIVER_BACKUP_PASSPHRASE, QUIVER_CHATGPT_BASE_URL, QUIVER_AUTH_ISSUER.")
}

// open builds the app core, logging to quiver.log (and stderr when asked).
func (r *runner) open(ctx context.Context, toStderr bool) (*app.App, error) {
	if r.app != nil {
		return r.app, nil
	}
	paths, err := r.paths()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(paths.ConfigDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating config directory: %w", err)
	}
	var w io.Writer = io.Discard
	if lf, err := app.OpenLogFile(paths.LogFile()); err == nil {
		w = lf
		r.closers = append(r.closers, func() { lf.Close() })
	}
	if toStderr {
		w = io.MultiWriter(w, r.env.Stderr)
	}
	r.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	newApp := app.New
	if r.report {
		newApp = app.NewForReport // status reports missing secret storage as a problem
	}
	a, err := newApp(ctx, app.Options{Paths: paths, Logger: r.log, Build: r.env.Build})
	if err != nil {
		return nil, err
	}
	r.app = a
	return a, nil
}

func (r *runner) paths() (app.Paths, error) {
	if r.env.Paths != nil {
		return *r.env.Paths, nil
	}
	return app.DefaultPaths()
}

func cmdOpen(ctx context.Context, r *runner, args []string) error {
	if _, err := parse(newFlags("open"), args, 0, 0, ""); err != nil {
		return err
	}
	if err := app.CheckDisplay(); err != nil {
		return err
	}
	return r.runGUI(ctx, false, true)
}
