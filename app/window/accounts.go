package window

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app/account"
)

// accountsTab is the search and sort bar, the list and the details.
func (u *ui) accountsTab() fyne.CanvasObject {
	u.search = widget.NewEntry()
	u.search.SetPlaceHolder("Search alias, email, tags, notes")
	u.search.OnChanged = func(q string) {
		u.query = q
		u.render()
	}
	names := make([]string, len(SortKeys))
	for i, k := range SortKeys {
		names[i] = k.Name
	}
	u.sortSel = widget.NewSelect(names, func(name string) {
		for _, k := range SortKeys {
			if k.Name == name {
				u.sortKey = k.Key
			}
		}
		if u.list != nil {
			u.render()
		}
	})
	u.sortSel.SetSelectedIndex(0)

	u.list = widget.NewList(func() int { return len(u.rows) }, newRowView, func(i widget.ListItemID, o fyne.CanvasObject) {
		if i < len(u.rows) {
			o.(*rowView).set(u.rows[i])
		}
	})
	u.list.OnSelected = func(i widget.ListItemID) {
		if i >= len(u.rows) || u.rows[i].ID == u.selected {
			return
		}
		u.selected = u.rows[i].ID
		acc, ok := u.state.Accounts.Account(u.selected)
		u.details.show(acc, ok)
	}

	u.refreshAllBtn = widget.NewButtonWithIcon("Refresh all", theme.ViewRefreshIcon(), u.refreshAll)
	u.stopBtn = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), u.queue.Stop)
	u.stopBtn.Hide()
	u.progress = widget.NewProgressBar()
	u.progress.Hide()
	u.progressText = widget.NewLabel("")
	add := widget.NewButtonWithIcon("Add account…", theme.ContentAddIcon(), func() { u.signIn("") })

	sortBox := container.NewHBox(widget.NewLabel("Sort:"), container.NewGridWrap(fyne.NewSize(190, u.sortSel.MinSize().Height), u.sortSel))
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(sortBox, u.refreshAllBtn, add), u.search)
	u.progressRow = container.NewBorder(nil, nil, nil, u.stopBtn, container.NewStack(u.progress, u.progressText))
	u.progressRow.Hide()

	split := container.NewHSplit(u.list, u.details.root)
	split.Offset = 0.56
	u.accountsPane = split
	u.welcome = u.welcomeView()
	return container.NewBorder(container.NewVBox(bar, u.progressRow), nil, nil, nil, container.NewStack(u.accountsPane, u.welcome))
}

// refreshAll fetches every account's limits, one after another, with
// progress and a Stop button. Accounts that need a login or were handed
// over are skipped.
func (u *ui) refreshAll() {
	var ids []string
	for _, a := range u.state.Accounts.Accounts {
		if !a.NeedsLogin && !a.Exported {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		u.setStatus("No account to refresh.")
		return
	}
	started := u.queue.Start(u.ctx, ids, u.refreshOne, func(p Progress) {
		u.do(func() { u.showProgress(p) })
	})
	if started {
		u.refreshAllBtn.Disable()
		u.stopBtn.Show()
		u.progress.Show()
		u.progressRow.Show()
	}
}

// showProgress shows where "Refresh all" stands.
func (u *ui) showProgress(p Progress) {
	u.progress.SetValue(float64(p.Done) / float64(max(p.Total, 1)))
	label := func(id string) string {
		if a, ok := u.state.Accounts.Account(id); ok {
			return a.Label()
		}
		return id
	}
	if !p.Finished {
		u.progressText.SetText(fmt.Sprintf("Refreshing limits %d/%d: %s", p.Done+1, p.Total, label(p.Current)))
		return
	}
	u.refreshAllBtn.Enable()
	u.stopBtn.Hide()
	u.progress.Hide()
	u.progressRow.Hide()
	u.progressText.SetText("")
	switch {
	case p.Stopped:
		u.setStatus("Refresh stopped after %d of %d accounts.", p.Done, p.Total)
	case p.Failed > 0:
		u.setStatus("Refreshed %d accounts; %d failed (last: %v).", p.Done, p.Failed, p.LastErr)
	default:
		u.setStatus("Refreshed the limits of %d accounts.", p.Done)
	}
}

// rowView is one line of the account list.
type rowView struct {
	widget.BaseWidget
	alias, detail, badge, state *widget.Label
	active                      *widget.Icon
	bars                        [2]*usageBar
	barTexts                    [2]*widget.Label
	root                        fyne.CanvasObject
}

func newRowView() fyne.CanvasObject {
	r := &rowView{
		alias:  widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		detail: widget.NewLabel(""),
		badge:  widget.NewLabel("★ recommended"),
		state:  widget.NewLabel(""),
		active: widget.NewIcon(theme.ConfirmIcon()),
	}
	r.detail.Importance = widget.LowImportance
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.badge.Importance = widget.SuccessImportance
	lines := make([]fyne.CanvasObject, 2)
	for i := range r.bars {
		r.bars[i] = newUsageBar()
		r.barTexts[i] = widget.NewLabel("")
		r.barTexts[i].SizeName = theme.SizeNameCaptionText
		r.barTexts[i].Truncation = fyne.TextTruncateEllipsis
		lines[i] = container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(56, 20), r.bars[i]), nil, r.barTexts[i])
	}
	top := container.NewBorder(nil, nil, container.NewHBox(r.active, r.alias), container.NewHBox(r.badge, r.state), r.detail)
	r.root = container.NewVBox(top, container.NewGridWithColumns(2, lines...))
	r.ExtendBaseWidget(r)
	return r
}

func (r *rowView) set(row Row) {
	r.alias.SetText(row.Alias)
	r.detail.SetText(row.Detail)
	r.state.SetText(row.StateText)
	r.state.Importance = stateImportance(row.State)
	r.state.Refresh()
	if row.Active {
		r.active.SetResource(theme.ConfirmIcon())
	} else {
		r.active.SetResource(nil)
	}
	if row.Recommended {
		r.badge.Show()
	} else {
		r.badge.Hide()
	}
	for i, b := range row.Bars {
		r.bars[i].Set(b)
		r.barTexts[i].SetText(b.Text)
	}
	r.root.Refresh() // lay out again: the labels' widths changed
}

func (r *rowView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.root) }

// stateImportance colours a state label.
func stateImportance(st account.State) widget.Importance {
	switch st {
	case account.StateOK:
		return widget.SuccessImportance
	case account.StateWarn:
		return widget.WarningImportance
	case account.StateLimited, account.StateNeedsLogin:
		return widget.DangerImportance
	}
	return widget.LowImportance
}

// welcomeView explains the two ways to add the first account.
func (u *ui) welcomeView() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Welcome to Quiver", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	text := widget.NewLabel("No ChatGPT account yet. There are two ways to add one:\n\n" +
		"1.  Add account… signs in through your browser. The login is Quiver's own,\n" +
		"     so `codex login` or `codex logout` later cannot revoke it.\n\n" +
		"2.  Run `codex login` in a terminal. Quiver notices the new\n" +
		"     ~/.codex/auth.json and imports the account by itself.\n\n" +
		"Have a Quiver backup? Restore it from Settings.")
	add := widget.NewButtonWithIcon("Add account…", theme.ContentAddIcon(), func() { u.signIn("") })
	add.Importance = widget.HighImportance
	restore := widget.NewButtonWithIcon("Restore a backup…", theme.DownloadIcon(), u.showRestore)
	return container.NewCenter(container.NewVBox(title, text, container.NewHBox(add, restore), layout.NewSpacer()))
}

// signIn runs the browser sign-in; with id set it is that account's
// re-login (the same identity takes the new tokens).
func (u *ui) signIn(id string) {
	ctx, cancel := context.WithCancel(u.ctx)
	d := newSignInDialog(u, cancel)
	d.Show()
	what := "Adding an account"
	if a, ok := u.state.Accounts.Account(id); ok {
		what = "Signing in " + a.Label() + " again"
	}
	u.background(func() {
		res, err := u.app.AddAccount(ctx, signInOptions(u, d))
		cancel()
		u.do(func() {
			d.Hide()
			switch {
			case ctx.Err() != nil && err != nil:
				u.setStatus("%s: cancelled", what)
			case err != nil:
				u.showError(what, err)
			case res.Created:
				u.selected = res.Account.ID
				u.setStatus("Added %s (%s).", res.Account.Label(), res.Account.Email)
			default:
				u.selected = res.Account.ID
				u.setStatus("Signed in %s again: it has fresh tokens.", res.Account.Label())
			}
		})
	})
}
