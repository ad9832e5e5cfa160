package window

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/codex"
)

// signInDialog waits for the browser sign-in and shows its address, in
// case the browser did not open.
type signInDialog struct {
	dialog.Dialog
	url *widget.Entry
}

func newSignInDialog(u *ui, cancel context.CancelFunc) *signInDialog {
	s := &signInDialog{url: widget.NewEntry()}
	s.url.SetPlaceHolder("the sign-in address appears here")
	msg := widget.NewLabel("Your browser opens OpenAI's sign-in page. Sign in with the account to add;\nthis dialog closes by itself when you are done. If no browser opened, open this address:")
	d := dialog.NewCustom("Sign in to ChatGPT", "Cancel", container.NewVBox(msg, s.url), u.win)
	d.SetOnClosed(cancel)
	d.Resize(fyne.NewSize(620, 200))
	s.Dialog = d
	return s
}

// signInOptions opens the browser and shows the address in d.
func signInOptions(u *ui, d *signInDialog) app.AddOptions {
	return app.AddOptions{Login: codex.LoginOptions{
		OpenURL:  codex.OpenBrowser,
		PrintURL: func(url string) { u.do(func() { d.url.SetText(url) }) },
		Logger:   u.log,
	}}
}
