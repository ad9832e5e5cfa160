package window

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app/account"
)

// details is the right-hand pane: one account's figures and actions.
type details struct {
	u   *ui
	acc account.Account // what is shown
	ok  bool            // an account is shown

	title, subtitle, state *widget.Label
	bars                   [2]*usageBar
	barTexts               [2]*widget.Label
	spark                  *sparkline
	pace                   *widget.Label // "at this rate: 5h limit at 16:40"
	expiry, lastError      *widget.Label
	tags, notes            *widget.Entry
	saveNotes              *widget.Button

	activate, refreshTokens, refreshLimits, rename, toggle *widget.Button
	export, remove, relogin, takeBack, clearCooldown       *widget.Button

	// editingFor is the account whose tags and notes fill the entries.
	editingFor string
	// historyFor and historyAt say which history the sparkline holds.
	historyFor string
	historyAt  time.Time

	actions     *fyne.Container // the buttons that apply to the account shown
	body, empty *fyne.Container
	root        fyne.CanvasObject
}

func newDetails(u *ui) *details {
	d := &details{u: u,
		title:     widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		subtitle:  widget.NewLabel(""),
		state:     widget.NewLabel(""),
		spark:     newSparkline(),
		expiry:    widget.NewLabel(""),
		lastError: widget.NewLabel(""),
		tags:      widget.NewEntry(),
		notes:     widget.NewMultiLineEntry(),
	}
	d.title.SizeName = theme.SizeNameHeadingText
	d.subtitle.Wrapping = fyne.TextWrapWord
	d.lastError.Wrapping = fyne.TextWrapWord
	d.lastError.Importance = widget.DangerImportance
	d.tags.SetPlaceHolder("tags, comma-separated")
	d.notes.SetPlaceHolder("notes")
	d.notes.SetMinRowsVisible(2)
	d.notes.Wrapping = fyne.TextWrapWord
	d.saveNotes = widget.NewButtonWithIcon("Save tags and notes", theme.DocumentSaveIcon(), d.saveTagsAndNotes)
	windows := make([]fyne.CanvasObject, 0, 2)
	for i := range d.bars {
		d.bars[i] = newUsageBar()
		d.barTexts[i] = widget.NewLabel("")
		windows = append(windows, container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(140, 20), d.bars[i]), nil, d.barTexts[i]))
	}
	legend := widget.NewRichTextFromMarkdown("Last 7 days: **5h** (blue) and **week** (orange)")
	d.pace = widget.NewLabel("")
	d.pace.Importance = widget.WarningImportance
	d.activate = widget.NewButtonWithIcon("Make active", theme.ConfirmIcon(), d.doActivate)
	d.activate.Importance = widget.HighImportance
	d.refreshTokens = widget.NewButtonWithIcon("Refresh tokens", theme.ViewRefreshIcon(), d.doRefreshTokens)
	d.refreshLimits = widget.NewButtonWithIcon("Refresh limits", theme.ViewRefreshIcon(), d.doRefreshLimits)
	d.rename = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), d.doRename)
	d.toggle = widget.NewButton("Disable", d.doToggle)
	d.export = widget.NewButtonWithIcon("Export to OpenCode…", theme.UploadIcon(), func() { d.u.showExport(d.acc.ID) })
	d.remove = widget.NewButtonWithIcon("Remove…", theme.DeleteIcon(), d.doRemove)
	d.remove.Importance = widget.DangerImportance
	d.relogin = widget.NewButtonWithIcon("Sign in again…", theme.LoginIcon(), func() { d.u.signIn(d.acc.ID) })
	d.relogin.Importance = widget.HighImportance
	d.takeBack = widget.NewButton("Take back from OpenCode", d.doTakeBack)
	d.clearCooldown = widget.NewButton("Clear cooldown", d.doClearCooldown)

	d.actions = container.NewGridWithColumns(2)
	d.body = container.NewVBox(
		d.title, d.subtitle, d.state, d.lastError,
		windows[0], windows[1],
		container.NewGridWrap(fyne.NewSize(320, 64), d.spark), legend, d.pace,
		d.expiry,
		widget.NewSeparator(),
		d.actions,
		widget.NewSeparator(),
		widget.NewForm(widget.NewFormItem("Tags", d.tags), widget.NewFormItem("Notes", d.notes)),
		container.NewHBox(d.saveNotes),
	)
	d.empty = container.NewCenter(widget.NewLabel("Select an account to see its details."))
	d.root = container.NewStack(container.NewVScroll(container.NewPadded(d.body)), d.empty)
	return d
}

// Series colours of the sparkline.
var (
	fiveHourColor = color.NRGBA{R: 0x29, G: 0x6f, B: 0xf6, A: 0xff}
	weeklyColor   = color.NRGBA{R: 0xf5, G: 0x8a, B: 0x07, A: 0xff}
)

// show fills the pane with acc (or empties it when !ok).
func (d *details) show(acc account.Account, ok bool) {
	d.acc, d.ok = acc, ok
	if !ok {
		d.body.Hide()
		d.empty.Show()
		return
	}
	d.empty.Hide()
	d.body.Show()
	now := d.u.now()
	st := d.u.state
	row := RowOf(acc, st, now)
	d.title.SetText(acc.Alias)
	d.subtitle.SetText(JoinNonEmpty(" · ", acc.Email, planText(acc.Plan), chatGPTAccountText(acc.ChatGPTAccountID)))
	stateLine := row.StateText
	if row.Active {
		stateLine += " · active in ~/.codex/auth.json"
	}
	if row.Recommended {
		stateLine += " · ★ recommended"
	}
	if now.Before(acc.CooldownUntil) {
		stateLine += " · cooling down until " + ClockTime(acc.CooldownUntil, now)
	}
	d.state.SetText(stateLine)
	d.state.Importance = stateImportance(row.State)
	d.state.Refresh()
	for i, b := range row.Bars {
		d.bars[i].Set(b)
		d.barTexts[i].SetText(b.Text)
	}
	d.expiry.SetText(tokenText(acc, now))
	problem := acc.LastError
	if acc.NeedsLogin {
		problem = JoinNonEmpty(" — ", "Needs a new login", acc.NeedsLoginReason)
	}
	d.lastError.SetText(problem)
	if problem == "" {
		d.lastError.Hide()
	} else {
		d.lastError.Show()
	}
	if d.editingFor != acc.ID {
		d.editingFor = acc.ID
		d.tags.SetText(strings.Join(acc.Tags, ", "))
		d.notes.SetText(acc.Notes)
	}
	d.showButtons(acc, row, now)
	d.loadHistory(acc, now)
}

func planText(plan string) string {
	if plan == "" {
		return ""
	}
	return "plan " + plan
}

func chatGPTAccountText(id string) string {
	if id == "" {
		return "ChatGPT account id unknown"
	}
	return "ChatGPT account " + id
}

// tokenText is the token line: expiry and last refresh.
func tokenText(acc account.Account, now time.Time) string {
	exp := ExpiryText(acc.TokenExpiry, now)
	if exp != "" {
		exp = "Access token " + exp
	}
	last := ""
	if !acc.LastRefresh.IsZero() {
		last = "refreshed " + Countdown(now.Sub(acc.LastRefresh)) + " ago"
	}
	return JoinNonEmpty(" · ", exp, last)
}

func (d *details) showButtons(acc account.Account, row Row, now time.Time) {
	buttons := []fyne.CanvasObject{d.activate}
	if acc.NeedsLogin {
		buttons = append(buttons, d.relogin)
	}
	buttons = append(buttons, d.refreshTokens, d.refreshLimits, d.rename, d.toggle, d.export)
	if acc.Exported {
		buttons = append(buttons, d.takeBack)
	}
	if now.Before(acc.CooldownUntil) {
		buttons = append(buttons, d.clearCooldown)
	}
	d.actions.Objects = append(buttons, d.remove)
	d.body.Refresh() // lays the pane out again around the new grid
	if row.Active || acc.NeedsLogin {
		d.activate.Disable()
	} else {
		d.activate.Enable()
	}
	for _, b := range []*widget.Button{d.refreshTokens, d.refreshLimits, d.export} {
		if acc.NeedsLogin {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	if acc.Exported {
		d.refreshTokens.Disable() // the other tool owns the refresh token now
	}
	if acc.Disabled {
		d.toggle.SetText("Enable for rotation")
	} else {
		d.toggle.SetText("Disable for rotation")
	}
}

// loadHistory reads the usage history off the UI goroutine when the
// account or its figures changed.
func (d *details) loadHistory(acc account.Account, now time.Time) {
	var at time.Time
	if acc.Usage != nil {
		at = acc.Usage.FetchedAt
	}
	if d.historyFor == acc.ID && d.historyAt.Equal(at) {
		return
	}
	d.historyFor, d.historyAt = acc.ID, at
	d.spark.SetSeries(nil, nil)
	d.pace.SetText("")
	store := d.u.app.Store()
	d.u.background(func() {
		samples, err := store.History(acc.ID)
		d.u.do(func() {
			if d.historyFor != acc.ID {
				return // another account is shown now
			}
			if err != nil {
				d.u.log.Warn("reading usage history", "id", acc.ID, "err", err)
				return
			}
			d.spark.SetSeries([][]Point{
				SparklinePoints(samples, now, SparklineSpan, FiveHourUse),
				SparklinePoints(samples, now, SparklineSpan, WeeklyUse),
			}, []color.Color{fiveHourColor, weeklyColor})
			d.pace.SetText(PaceText(acc, samples, now))
		})
	})
}

func (d *details) doActivate() {
	id, label := d.acc.ID, d.acc.Label()
	d.u.run("Making "+label+" active", func(ctx context.Context) error {
		_, err := d.u.app.Switch(ctx, id)
		return err
	}, nil)
}

func (d *details) doRefreshTokens() {
	id, label := d.acc.ID, d.acc.Label()
	d.u.run("Refreshing the tokens of "+label, func(ctx context.Context) error {
		_, err := d.u.app.RefreshTokens(ctx, id)
		return err
	}, nil)
}

func (d *details) doRefreshLimits() {
	id, label := d.acc.ID, d.acc.Label()
	d.u.run("Refreshing the limits of "+label, func(ctx context.Context) error {
		_, err := d.u.app.FetchLimits(ctx, id)
		return err
	}, nil)
}

func (d *details) doToggle() {
	id, label, disable := d.acc.ID, d.acc.Label(), !d.acc.Disabled
	what := "Disabling " + label + " for rotation"
	if !disable {
		what = "Enabling " + label + " for rotation"
	}
	d.u.run(what, func(ctx context.Context) error { return d.u.app.SetDisabled(ctx, id, disable) }, nil)
}

func (d *details) doTakeBack() {
	id, label := d.acc.ID, d.acc.Label()
	msg := fmt.Sprintf("Quiver takes the tokens OpenCode holds now for %s from its auth.json, removes them there, and refreshes and rotates %s again. Quit OpenCode first.\n\nIf OpenCode's auth.json no longer holds %s, sign in again with \"Add account…\" instead.", label, label, label)
	dialog.ShowConfirm("Take back "+label+"?", wrapText(msg), func(ok bool) {
		if ok {
			d.u.run("Taking back "+label, func(ctx context.Context) error { return d.u.app.TakeBack(ctx, id) }, nil)
		}
	}, d.u.win)
}

func (d *details) doClearCooldown() {
	id, label := d.acc.ID, d.acc.Label()
	d.u.run("Clearing the cooldown of "+label, func(ctx context.Context) error { return d.u.app.ClearCooldown(ctx, id) }, nil)
}

func (d *details) saveTagsAndNotes() {
	id, label := d.acc.ID, d.acc.Label()
	tags, notes := ParseTags(d.tags.Text), d.notes.Text
	d.u.run("Saving the tags and notes of "+label, func(ctx context.Context) error {
		return d.u.app.SetTagsAndNotes(ctx, id, tags, notes)
	}, nil)
}

func (d *details) doRename() {
	id, label := d.acc.ID, d.acc.Label()
	entry := widget.NewEntry()
	entry.SetText(d.acc.Alias)
	dialog.ShowForm("Rename "+label, "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("Alias", entry)}, func(ok bool) {
		if !ok {
			return
		}
		alias := strings.TrimSpace(entry.Text)
		d.u.run("Renaming "+label, func(ctx context.Context) error {
			_, err := d.u.app.Rename(ctx, id, alias)
			return err
		}, nil)
	}, d.u.win)
}

func (d *details) doRemove() {
	id, label, email := d.acc.ID, d.acc.Label(), d.acc.Email
	msg := fmt.Sprintf("Remove %s (%s) from Quiver? Its tokens are deleted from the keyring. ~/.codex/auth.json is left as it is.", label, email)
	dialog.ShowConfirm("Remove "+label+"?", wrapText(msg), func(ok bool) {
		if !ok {
			return
		}
		d.u.run("Removing "+label, func(ctx context.Context) error {
			_, err := d.u.app.Remove(ctx, id)
			return err
		}, nil)
	}, d.u.win)
}

// wrapText breaks a long message into lines of about 70 characters for
// dialogs, which do not wrap their message.
func wrapText(s string) string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > 70 {
				out = append(out, line)
				line = ""
			}
			line = JoinNonEmpty(" ", line, w)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
