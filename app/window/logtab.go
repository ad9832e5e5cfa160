package window

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// logTail is how many of the log's last lines the Log tab reads.
const logTail = 500

// logView is the Log tab: the tail of quiver.log with a level filter.
type logView struct {
	u     *ui
	level *widget.Select
	list  *widget.List
	all   []string // as read
	lines []string // filtered and redacted
	root  fyne.CanvasObject
}

func newLogView(u *ui) *logView {
	v := &logView{u: u}
	v.level = widget.NewSelect(LogLevels, func(string) { v.filter() })
	v.level.SetSelected("INFO")
	v.list = widget.NewList(func() int { return len(v.lines) }, func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Monospace = true
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		if i < len(v.lines) {
			o.(*widget.Label).SetText(v.lines[i])
		}
	})
	reload := widget.NewButtonWithIcon("Reload", theme.ViewRefreshIcon(), v.reload)
	bar := container.NewHBox(widget.NewLabel("Show"), v.level, widget.NewLabel("and above"), reload)
	v.root = container.NewBorder(bar, nil, nil, nil, v.list)
	return v
}

// reload reads the log off the UI goroutine.
func (v *logView) reload() {
	v.u.background(func() {
		lines, err := v.u.app.LogTail(logTail)
		v.u.do(func() {
			if err != nil {
				lines = []string{"The log cannot be read: " + err.Error()}
			}
			v.all = lines
			v.filter()
			v.list.ScrollToBottom()
		})
	})
}

func (v *logView) filter() {
	v.lines = FilterLog(v.all, v.level.Selected)
	if v.list != nil {
		v.list.Refresh()
	}
}
