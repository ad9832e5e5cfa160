package window

import (
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app/account"
)

// Point is a sparkline point: X is time across the span (0 oldest, 1 now),
// Y is use (0 empty, 1 full).
type Point struct{ X, Y float32 }

// SparklineSpan is how much history the sparkline shows.
const SparklineSpan = 7 * 24 * time.Hour

// SparklinePoints places samples taken within span before now, oldest
// first; pick chooses the series (5-hour or weekly use, in percent).
func SparklinePoints(samples []account.Sample, now time.Time, span time.Duration, pick func(account.Sample) float64) []Point {
	start := now.Add(-span)
	samples = slices.SortedStableFunc(slices.Values(samples), func(a, b account.Sample) int { return a.At.Compare(b.At) })
	var pts []Point
	for _, s := range samples {
		if s.At.Before(start) || s.At.After(now) {
			continue
		}
		y := min(max(pick(s)/100, 0), 1)
		pts = append(pts, Point{X: float32(float64(s.At.Sub(start)) / float64(span)), Y: float32(y)})
	}
	return pts
}

// FiveHourUse and WeeklyUse pick a sparkline series.
func FiveHourUse(s account.Sample) float64 { return s.FiveHour }

// WeeklyUse picks the weekly series.
func WeeklyUse(s account.Sample) float64 { return s.Weekly }

// sparkline draws one or two series of Points.
type sparkline struct {
	widget.BaseWidget
	series [][]Point
	colors []color.Color
}

func newSparkline() *sparkline {
	s := &sparkline{}
	s.ExtendBaseWidget(s)
	return s
}

// SetSeries replaces what is drawn; call on the UI goroutine.
func (s *sparkline) SetSeries(series [][]Point, colors []color.Color) {
	s.series, s.colors = series, colors
	s.Refresh()
}

func (s *sparkline) CreateRenderer() fyne.WidgetRenderer {
	r := &sparklineRenderer{s: s, frame: canvas.NewRectangle(color.Transparent)}
	r.frame.StrokeWidth = 1
	r.empty = canvas.NewText("no history yet", theme.Color(theme.ColorNameDisabled))
	r.empty.TextSize = theme.CaptionTextSize()
	return r
}

type sparklineRenderer struct {
	s     *sparkline
	frame *canvas.Rectangle
	empty *canvas.Text
	lines []fyne.CanvasObject
	size  fyne.Size
}

func (r *sparklineRenderer) Layout(size fyne.Size) {
	r.size = size
	r.rebuild()
}

func (r *sparklineRenderer) MinSize() fyne.Size { return fyne.NewSize(160, 48) }

func (r *sparklineRenderer) Refresh() {
	r.rebuild()
	canvas.Refresh(r.s)
}

func (r *sparklineRenderer) rebuild() {
	r.frame.StrokeColor = theme.Color(theme.ColorNameSeparator)
	r.frame.Resize(r.size)
	r.lines = r.lines[:0]
	pad := float32(3)
	w, h := r.size.Width-2*pad, r.size.Height-2*pad
	pos := func(p Point) fyne.Position { return fyne.NewPos(pad+p.X*w, pad+(1-p.Y)*h) }
	points := 0
	for i, pts := range r.s.series {
		col := theme.Color(theme.ColorNamePrimary)
		if i < len(r.s.colors) {
			col = r.s.colors[i]
		}
		points += len(pts)
		for j := 1; j < len(pts); j++ {
			l := canvas.NewLine(col)
			l.StrokeWidth = 1.5
			l.Position1, l.Position2 = pos(pts[j-1]), pos(pts[j])
			r.lines = append(r.lines, l)
		}
		if len(pts) == 1 {
			dot := canvas.NewCircle(col)
			p := pos(pts[0])
			dot.Move(p.Subtract(fyne.NewPos(2, 2)))
			dot.Resize(fyne.NewSize(4, 4))
			r.lines = append(r.lines, dot)
		}
	}
	r.empty.Hidden = points > 0
	ts := r.empty.MinSize()
	r.empty.Move(fyne.NewPos((r.size.Width-ts.Width)/2, (r.size.Height-ts.Height)/2))
}

func (r *sparklineRenderer) Objects() []fyne.CanvasObject {
	return append([]fyne.CanvasObject{r.frame, r.empty}, r.lines...)
}

func (r *sparklineRenderer) Destroy() {}
