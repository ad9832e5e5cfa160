// Package windowapp runs the Quiver window as a process of its own
// (`quiver window`): a Fyne app with the window and nothing else, which
// ends when the window is closed. It is separate from package window so
// that window's tests need no OpenGL driver.
package windowapp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/window"
)

// AppID is Quiver's application id (FyneApp.toml).
const AppID = "io.github.quiver_app.quiver"

// Run shows the window until it is closed or ctx ends. The App follows
// the files the tray process writes (App.Follow); it runs no background
// work of its own. The raise signal (SIGUSR1 on Unix) brings the window to
// the front.
func Run(ctx context.Context, a *app.App, log *slog.Logger) error {
	if err := app.CheckDisplay(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if app.StartedByTray() {
		go func() {
			io.Copy(io.Discard, os.Stdin) // EOF: the tray process is gone
			log.Info("the tray process ended; closing the window")
			cancel()
		}()
	}
	go func() {
		if err := a.Follow(ctx); err != nil {
			log.Warn("following Quiver's files", "err", err)
		}
	}()
	fa := fyneapp.NewWithID(AppID)
	m := window.New(fa, a, log)
	m.QuitOnClose()
	raise := make(chan os.Signal, 1)
	if sigs := app.RaiseSignals(); len(sigs) > 0 {
		signal.Notify(raise, sigs...)
		defer signal.Stop(raise)
	}
	fmt.Println(app.WindowReady) // the tray process may send the raise signal now
	go func() {
		for {
			select {
			case <-ctx.Done():
				fyne.Do(fa.Driver().Quit) // not fa.Quit: see tray's quit notes
				return
			case <-raise:
				fyne.Do(m.Show)
			}
		}
	}()
	fa.Lifecycle().SetOnStarted(m.Show)
	fa.Run()
	return nil
}
