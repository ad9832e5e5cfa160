package icons

import (
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
)

// appIconSize is the size of quiver.png.
const appIconSize = 256

//go:embed quiver.png
var appIconPNG []byte

//go:embed quiver.svg
var appIconSVG []byte

// AppIcon returns Quiver's application icon, 256×256 PNG: three arrows on
// the brand colour standing in the dark strip of the tray badge, whose two
// bars are the 5-hour and weekly limits. The caller must not modify it.
func AppIcon() []byte { return appIconPNG }

// AppIconSVG returns the same icon as SVG (for the desktop entry's scalable
// icon). The caller must not modify it.
func AppIconSVG() []byte { return appIconSVG }

// The logo is drawn on a 256-unit canvas from a few shapes painted in
// order, each inside the tile (no clip paths, which some icon renderers
// ignore); both the PNG and the SVG come from them.
const (
	logoTileRadius = 48
	logoStripTop   = 172
)

var (
	logoStripColor = color.NRGBA{0x26, 0x26, 0x26, 0xff}
	logoTrackColor = color.NRGBA{0x4a, 0x4a, 0x4a, 0xff}
	logoArrowColor = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	logoFillColor  = color.NRGBA{0x4c, 0xd9, 0x64, 0xff}
)

type point struct{ x, y float64 }

// logoShape is a filled region of the logo.
type logoShape interface {
	contains(p point) bool
	bounds() (lo, hi point)
	svg(fill string) string
}

type layer struct {
	shape logoShape
	color color.NRGBA
}

// roundRect is an axis-aligned rectangle with corner radius r; with
// squareTop only its bottom corners are rounded.
type roundRect struct {
	x0, y0, x1, y1, r float64
	squareTop         bool
}

func (q roundRect) contains(p point) bool {
	if p.x < q.x0 || p.x > q.x1 || p.y < q.y0 || p.y > q.y1 {
		return false
	}
	if q.squareTop && p.y < q.y1-q.r {
		return true
	}
	cx := math.Max(q.x0+q.r-p.x, p.x-(q.x1-q.r))
	cy := math.Max(q.y0+q.r-p.y, p.y-(q.y1-q.r))
	return cx <= 0 || cy <= 0 || cx*cx+cy*cy <= q.r*q.r
}

func (q roundRect) bounds() (lo, hi point) { return point{q.x0, q.y0}, point{q.x1, q.y1} }

func (q roundRect) svg(fill string) string {
	if q.squareTop {
		return fmt.Sprintf(`<path d="M%s,%sH%sV%sA%s,%s 0 0 1 %s,%sH%sA%s,%s 0 0 1 %s,%sZ" fill="%s"/>`,
			num(q.x0), num(q.y0), num(q.x1), num(q.y1-q.r), num(q.r), num(q.r), num(q.x1-q.r), num(q.y1),
			num(q.x0+q.r), num(q.r), num(q.r), num(q.x0), num(q.y1-q.r), fill)
	}
	return fmt.Sprintf(`<rect x="%s" y="%s" width="%s" height="%s" rx="%s" fill="%s"/>`,
		num(q.x0), num(q.y0), num(q.x1-q.x0), num(q.y1-q.y0), num(q.r), fill)
}

// polygon is a simple polygon (even-odd rule).
type polygon []point

func (pg polygon) contains(p point) bool {
	in := false
	for i, j := 0, len(pg)-1; i < len(pg); j, i = i, i+1 {
		a, b := pg[i], pg[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

func (pg polygon) bounds() (lo, hi point) {
	lo, hi = pg[0], pg[0]
	for _, p := range pg[1:] {
		lo = point{math.Min(lo.x, p.x), math.Min(lo.y, p.y)}
		hi = point{math.Max(hi.x, p.x), math.Max(hi.y, p.y)}
	}
	return lo, hi
}

func (pg polygon) svg(fill string) string {
	pts := make([]string, len(pg))
	for i, p := range pg {
		pts[i] = num(p.x) + "," + num(p.y)
	}
	return fmt.Sprintf(`<polygon points="%s" fill="%s"/>`, strings.Join(pts, " "), fill)
}

// arrow is the outline of an arrow from tail to tip: a shaft and a head.
func arrow(tail, tip point, shaftHalf, headLen, headHalf float64) polygon {
	dx, dy := tip.x-tail.x, tip.y-tail.y
	l := math.Hypot(dx, dy)
	ux, uy := dx/l, dy/l // along the arrow
	nx, ny := -uy, ux    // across it
	at := func(along, across float64) point {
		return point{tail.x + ux*along + nx*across, tail.y + uy*along + ny*across}
	}
	base := l - headLen
	return polygon{
		at(0, -shaftHalf), at(base, -shaftHalf), at(base, -headHalf), at(l, 0),
		at(base, headHalf), at(base, shaftHalf), at(0, shaftHalf),
	}
}

// logoTile is the outline of the icon; every layer lies inside it.
var logoTile = roundRect{x0: 0, y0: 0, x1: 256, y1: 256, r: logoTileRadius}

// logoLayers returns the logo's layers, bottom first.
func logoLayers() []layer {
	pivot := point{128, 250}
	fan := func(deg, length float64) polygon {
		a := deg * math.Pi / 180
		tip := point{pivot.x + length*math.Sin(a), pivot.y - length*math.Cos(a)}
		return arrow(pivot, tip, 7, 46, 24)
	}
	const barX0, barX1, barR = 28, 228, 10
	bar := func(y, used float64) []layer {
		return []layer{
			{roundRect{x0: barX0, y0: y, x1: barX1, y1: y + 2*barR, r: barR}, logoTrackColor},
			{roundRect{x0: barX0, y0: y, x1: barX0 + used*(barX1-barX0), y1: y + 2*barR, r: barR}, logoFillColor},
		}
	}
	layers := []layer{
		{logoTile, brandColor},
		{fan(-21, 196), logoArrowColor},
		{fan(21, 196), logoArrowColor},
		{fan(0, 218), logoArrowColor},
		{roundRect{x0: 0, y0: logoStripTop, x1: 256, y1: 256, r: logoTileRadius, squareTop: true}, logoStripColor},
	}
	layers = append(layers, bar(188, 0.62)...)
	return append(layers, bar(220, 0.28)...)
}

// renderLogo rasterises the logo at size px, 8×8 samples a pixel.
func renderLogo(size int) *image.NRGBA {
	const sub = 8
	type boxed struct {
		layer
		lo, hi point
	}
	var top []boxed // topmost first
	layers := logoLayers()
	for i := len(layers) - 1; i >= 0; i-- {
		lo, hi := layers[i].shape.bounds()
		top = append(top, boxed{layers[i], lo, hi})
	}
	colorAt := func(p point) (color.NRGBA, bool) {
		if !logoTile.contains(p) {
			return color.NRGBA{}, false
		}
		for _, l := range top {
			if p.x >= l.lo.x && p.x <= l.hi.x && p.y >= l.lo.y && p.y <= l.hi.y && l.shape.contains(p) {
				return l.color, true
			}
		}
		return color.NRGBA{}, false
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	unit := 256 / float64(size)
	for py := range size {
		for px := range size {
			var r, g, b, n int
			for sy := range sub {
				for sx := range sub {
					c, ok := colorAt(point{
						(float64(px) + (float64(sx)+0.5)/sub) * unit,
						(float64(py) + (float64(sy)+0.5)/sub) * unit,
					})
					if ok {
						r, g, b, n = r+int(c.R), g+int(c.G), b+int(c.B), n+1
					}
				}
			}
			if n > 0 {
				img.SetNRGBA(px, py, color.NRGBA{
					uint8((r + n/2) / n), uint8((g + n/2) / n), uint8((b + n/2) / n),
					uint8((n*255 + sub*sub/2) / (sub * sub)),
				})
			}
		}
	}
	return img
}

// logoSVG writes the logo as SVG.
func logoSVG() []byte {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">` + "\n")
	b.WriteString(`<title>Quiver</title>` + "\n")
	for _, l := range logoLayers() {
		b.WriteString(l.shape.svg(hexColor(l.color)) + "\n")
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

func hexColor(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// num formats a coordinate with at most two decimals and no trailing zeros.
func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}
