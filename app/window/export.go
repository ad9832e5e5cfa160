package window

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/codex"
)

// Hand-over choices of the export dialog.
const (
	choiceHandOver = "Hand it over: Quiver stops refreshing and rotating this account"
	choiceKeep     = "Keep it in Quiver too (one side will be logged out by the other's refresh)"
)

// exportView is the OpenCode export dialog's content. It holds previews
// only: the credentials are fetched again (and audited) when the user
// copies or saves.
type exportView struct {
	u        *ui
	preview  app.OpenCodeExport
	account  *widget.Label
	idLine   *widget.Label
	warning  *widget.Label
	access   *widget.Label
	refresh  *widget.Label
	expires  *widget.Label
	single   *widget.Label
	choice   *widget.RadioGroup
	path     *widget.Entry
	copyBtn  *widget.Button
	saveBtn  *widget.Button
	result   *widget.Label
	root     fyne.CanvasObject
	onFinish func() // closes the dialog
}

// showExport opens the export dialog for account id.
func (u *ui) showExport(id string) {
	u.setStatus("Preparing the OpenCode export…")
	u.background(func() {
		p, err := u.app.PreviewOpenCodeExport(u.ctx, id)
		u.do(func() {
			if err != nil {
				u.showError("Exporting to OpenCode", err)
				return
			}
			u.setStatus("")
			v := newExportView(u, p, codex.DefaultOpenCodeAuthPath())
			d := dialog.NewCustom("Export "+p.Label+" to OpenCode", "Close", v.root, u.win)
			v.onFinish = d.Hide
			d.Resize(fyne.NewSize(640, 560))
			d.Show()
		})
	})
}

func newExportView(u *ui, p app.OpenCodeExport, defaultPath string) *exportView {
	v := &exportView{u: u, preview: p}
	v.account = widget.NewLabelWithStyle(JoinNonEmpty(" · ", p.Label, p.Email), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if p.ChatGPTAccountID != "" {
		v.idLine = widget.NewLabel("accountId: " + p.ChatGPTAccountID + " (the ChatGPT account id)")
	} else {
		v.idLine = widget.NewLabel("accountId: left out — the ChatGPT account id of this login is unknown")
	}
	v.warning = widget.NewLabel("These are live credentials: whoever has them can use this ChatGPT account. Keep the file private and never paste it into a chat or an issue.")
	v.warning.Importance = widget.DangerImportance
	v.warning.Wrapping = fyne.TextWrapWord
	v.access = widget.NewLabel(p.AccessPreview)
	v.refresh = widget.NewLabel(p.RefreshPreview)
	v.expires = widget.NewLabel(ExpiryText(p.Expires, u.now()))
	for _, l := range []*widget.Label{v.access, v.refresh} {
		l.TextStyle.Monospace = true
	}
	v.single = widget.NewLabel("The refresh token is single-use, and Quiver holds the same one. Whichever side refreshes first (OpenCode or Quiver) logs the other out. Hand the account over to OpenCode, or keep it and expect to sign in again on one side.")
	v.single.Wrapping = fyne.TextWrapWord
	v.choice = widget.NewRadioGroup([]string{choiceHandOver, choiceKeep}, nil)
	v.choice.Required = true
	v.choice.SetSelected(choiceHandOver)
	if p.Exported {
		v.choice.SetSelected(choiceKeep)
		v.single.SetText("This account was already handed over: Quiver no longer refreshes it. Exporting it again gives the tokens Quiver last held, which may be spent by now.")
	}
	v.path = widget.NewEntry()
	v.path.SetText(defaultPath)
	v.copyBtn = widget.NewButtonWithIcon("Copy auth.json", theme.ContentCopyIcon(), v.copy)
	v.saveBtn = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), v.save)
	v.saveBtn.Importance = widget.HighImportance
	v.result = widget.NewLabel("")
	v.result.Wrapping = fyne.TextWrapWord
	tokens := widget.NewForm(
		widget.NewFormItem("Access token", v.access),
		widget.NewFormItem("Refresh token", v.refresh),
		widget.NewFormItem("Access token", v.expires),
	)
	v.root = container.NewVBox(
		v.account, v.idLine, v.warning, tokens,
		widget.NewSeparator(), v.single, v.choice,
		widget.NewSeparator(),
		widget.NewForm(widget.NewFormItem("Save to", v.path)),
		container.NewHBox(v.copyBtn, v.saveBtn),
		v.result,
	)
	return v
}

// handOver reports whether the user chose to hand the account over.
func (v *exportView) handOver() bool {
	return v.choice.Selected == choiceHandOver && !v.preview.Exported
}

// copy puts the export on the clipboard.
func (v *exportView) copy() {
	id, handOver := v.preview.AccountID, v.handOver()
	v.busy(true)
	v.u.background(func() {
		e, err := v.u.app.OpenCodeExport(v.u.ctx, id)
		if err == nil && handOver {
			err = v.u.app.HandOver(v.u.ctx, id)
		}
		v.u.do(func() {
			v.busy(false)
			if e.JSON != nil {
				v.u.fa.Clipboard().SetContent(string(e.JSON))
			}
			v.finish(err, "Copied OpenCode's auth.json for "+v.preview.Label+" to the clipboard.", handOver)
		})
	})
}

// save writes the export into OpenCode's auth.json at the path shown.
func (v *exportView) save() {
	id, path, handOver := v.preview.AccountID, v.path.Text, v.handOver()
	if path == "" {
		v.result.SetText("Choose where to save it.")
		return
	}
	v.busy(true)
	v.u.background(func() {
		err := v.u.app.SaveOpenCodeExport(v.u.ctx, id, path)
		if err == nil && handOver {
			err = v.u.app.HandOver(v.u.ctx, id)
		}
		v.u.do(func() {
			v.busy(false)
			v.finish(err, fmt.Sprintf("Saved %s's login into %s (mode 0600).", v.preview.Label, path), handOver)
		})
	})
}

func (v *exportView) finish(err error, done string, handedOver bool) {
	if err != nil {
		v.result.Importance = widget.DangerImportance
		v.result.SetText(err.Error())
		return
	}
	if handedOver {
		done += " Quiver has handed the account over and leaves it alone now."
	}
	v.result.Importance = widget.SuccessImportance
	v.result.SetText(done)
	v.u.setStatus("%s", done)
}

func (v *exportView) busy(on bool) {
	for _, b := range []*widget.Button{v.copyBtn, v.saveBtn} {
		if on {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}
