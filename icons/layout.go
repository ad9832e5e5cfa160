package icons

// Sizes a badge can be rendered at; Render clamps to this range.
const (
	MinSize = 16
	MaxSize = 512
)

// layout is where the parts of a badge go at one size, all on whole pixels.
//
//	┌──────────────┐
//	│    badge     │  account colour (or the state's), glyph centred
//	│      A       │
//	├──────────────┤  stripTop
//	│ ████████──── │  5-hour bar   (bar1Y, barH high)
//	│ ███───────── │  weekly bar   (bar2Y)
//	└──────────────┘
type layout struct {
	size           int
	radius         float64 // corner radius of the tile, in px
	stripTop       int     // first row of the dark strip holding the bars
	barX, barW     int     // left end and length of both bars
	bar1Y, bar2Y   int     // top rows of the 5-hour and weekly bars
	barH           int     // height of each bar
	scale          int     // glyph pixel size
	glyphX, glyphY int     // top-left corner of the glyph
}

func clampSize(size int) int { return min(max(size, MinSize), MaxSize) }

// layoutFor computes the layout for a clamped size. Under the badge, the
// strip holds, top to bottom: a pad, the 5-hour bar, a gap as high as the
// pad, the weekly bar and a pad; the bars are inset by the pad on both
// sides. The glyph gets the largest whole scale that leaves a margin above
// and below it; where dropping the pad above the bars buys a larger scale
// (22 px), the pad goes.
func layoutFor(s int) layout {
	pad := max(1, s/24)
	barH := max(2, (3*s+16)/32)
	margin := pad
	scaleFor := func(topPad int) int {
		badgeH := s - (topPad + barH + pad + barH + pad)
		return max(1, (badgeH-2*margin)/glyphH)
	}
	topPad := pad
	if scaleFor(0) > scaleFor(pad) {
		topPad = 0
	}
	scale := scaleFor(topPad)
	stripTop := s - (topPad + barH + pad + barH + pad)
	l := layout{
		size:     s,
		radius:   float64(s) / 8,
		stripTop: stripTop,
		barX:     pad,
		barW:     s - 2*pad,
		bar1Y:    stripTop + topPad,
		bar2Y:    stripTop + topPad + barH + pad,
		barH:     barH,
		scale:    scale,
		glyphX:   (s - glyphW*scale + 1) / 2,
		glyphY:   (stripTop - glyphH*scale) / 2,
	}
	return l
}
