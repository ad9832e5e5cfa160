// Command quiver is a tray app and command line for using several ChatGPT
// accounts with the Codex CLI: it keeps their tokens in the OS keyring,
// switches the account ~/.codex/auth.json holds, and imports new logins.
//
// main only wires the pieces: the command line lives in app/cli, the tray
// in tray, the window (a process of its own) in app/window, the core in app.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/cli"
	// Before Fyne's init reads the locale: see the package comment.
	_ "github.com/quiver-app/quiver/app/localeenv"
	"github.com/quiver-app/quiver/app/window/windowapp"
	"github.com/quiver-app/quiver/tray"
)

// Set with -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:           os.Stdin,
		Stdout:          os.Stdout,
		Stderr:          os.Stderr,
		StdinIsTerminal: term.IsTerminal(int(os.Stdin.Fd())),
		Build:           cli.ResolveBuildInfo(version, commit, date),
		GUI:             gui,
		Window:          windowapp.Run,
		NoTrayHost:      noTrayHost,
	})
	stop()
	os.Exit(code)
}

// noTrayHost says why no tray icon can show here, or nil.
func noTrayHost(ctx context.Context) error {
	if err := tray.CheckTrayHost(ctx); errors.Is(err, tray.ErrNoTrayHost) {
		return err
	}
	return nil
}

// gui runs the tray app; "Open Quiver…" starts the window process.
func gui(ctx context.Context, a *app.App, log *slog.Logger) error {
	return tray.RunWith(ctx, a, log, tray.Options{
		OpenWindow: a.ShowWindowProcess,
		Version:    cli.ResolveBuildInfo(version, commit, date).Version,
	})
}
