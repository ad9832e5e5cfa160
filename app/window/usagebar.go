package window

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// usageBar is a thin bar filled to a window's use, coloured by its level.
type usageBar struct {
	widget.BaseWidget
	bar Bar
}

func newUsageBar() *usageBar {
	b := &usageBar{}
	b.ExtendBaseWidget(b)
	return b
}

// Set shows bar; call on the UI goroutine.
func (b *usageBar) Set(bar Bar) {
	if b.bar == bar {
		return
	}
	b.bar = bar
	b.Refresh()
}

// levelColor is the fill of a bar at level.
func levelColor(l Level) color.Color {
	switch l {
	case LevelWarn:
		return theme.Color(theme.ColorNameWarning)
	case LevelFull:
		return theme.Color(theme.ColorNameError)
	}
	return theme.Color(theme.ColorNameSuccess)
}

func (b *usageBar) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	fill := canvas.NewRectangle(levelColor(LevelOK))
	return &usageBarRenderer{b: b, bg: bg, fill: fill}
}

type usageBarRenderer struct {
	b        *usageBar
	bg, fill *canvas.Rectangle
	size     fyne.Size
}

const (
	barHeight = 8
	barRadius = 3
)

func (r *usageBarRenderer) Layout(size fyne.Size) {
	r.size = size
	y := (size.Height - barHeight) / 2
	r.bg.Move(fyne.NewPos(0, y))
	r.bg.Resize(fyne.NewSize(size.Width, barHeight))
	r.fill.Move(fyne.NewPos(0, y))
	w := size.Width * float32(r.b.bar.Fraction)
	r.fill.Resize(fyne.NewSize(w, barHeight))
	// A corner radius over half the side breaks the rasterizer.
	r.fill.CornerRadius = min(barRadius, w/2)
	r.bg.CornerRadius = min(barRadius, size.Width/2)
}

func (r *usageBarRenderer) MinSize() fyne.Size { return fyne.NewSize(72, barHeight) }

func (r *usageBarRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.fill.FillColor = levelColor(r.b.bar.Level)
	r.fill.Hidden = r.b.bar.Level == LevelUnknown || r.b.bar.Fraction <= 0
	r.Layout(r.size)
	r.bg.Refresh()
	r.fill.Refresh()
}

func (r *usageBarRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.fill} }

func (r *usageBarRenderer) Destroy() {}
