package window

import (
	"context"

	"fyne.io/fyne/v2/dialog"

	"github.com/quiver-app/quiver/app"
)

// askAutostart asks, once, whether Quiver should start at login. "Start
// at login" is the default answer; either answer is remembered, and the
// choice stays in the tray and the settings.
func (u *ui) askAutostart() {
	if u.app.Settings().AutostartAsked {
		return
	}
	d := dialog.NewConfirm("Start Quiver when you log in?",
		"Quiver keeps your accounts' tokens fresh and runs the proxy in the background.\n"+
			"You can change this any time under \"Start at login\" in the tray or the settings.",
		func(yes bool) {
			u.run("Saving the start-at-login choice", func(ctx context.Context) error {
				return answerAutostart(u.app, yes)
			}, nil)
		}, u.win)
	d.SetConfirmText("Start at login")
	d.SetDismissText("Not now")
	d.Show()
}

// answerAutostart applies the first-run answer. A temporary build cannot
// start at login (its path vanishes): the question is then recorded as
// asked and the error says to `make install`.
func answerAutostart(a *app.App, yes bool) error {
	if yes {
		err := a.SetAutostart(true)
		if err == nil {
			return nil
		}
		if _, uerr := a.UpdateSettings(func(s *app.Settings) { s.AutostartAsked = true }); uerr != nil {
			return uerr
		}
		return err // ErrTemporaryBinary's message points to `make install`
	}
	_, err := a.UpdateSettings(func(s *app.Settings) { s.Autostart, s.AutostartAsked = false, true })
	return err
}
