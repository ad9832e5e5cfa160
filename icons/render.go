package icons

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// Render draws the badge b as a size×size image (size is clamped to
// [MinSize, MaxSize]). It is pure: equal keys give equal pixels.
func Render(b Badge, size int) *image.NRGBA {
	return b.Key(size).render()
}

// PNG returns Render(b, size) encoded as PNG.
func PNG(b Badge, size int) []byte {
	return encodePNG(Render(b, size))
}

func encodePNG(img image.Image) []byte { return encodePNGWith(img, nil) }

// encodePNGWith encodes img, reusing the encoder's buffers from pool when it
// is not nil. Badges are small and flat, so the fastest compression loses
// little and keeps a redraw cheap.
func encodePNGWith(img image.Image, pool png.EncoderBufferPool) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pool}
	// Encoding an in-memory image to a bytes.Buffer cannot fail.
	if err := enc.Encode(&buf, img); err != nil {
		panic("icons: encoding png: " + err.Error())
	}
	return buf.Bytes()
}

func (k Key) render() *image.NRGBA {
	l := layoutFor(k.Size)
	s := l.size
	img := image.NewNRGBA(image.Rect(0, 0, s, s))
	fillRect(img, image.Rect(0, 0, s, l.stripTop), k.Fill)
	fillRect(img, image.Rect(0, l.stripTop, s, s), stripColor)

	g, ink := glyphFor(k.Glyph), letterColor(k.Fill)
	for y := range glyphH {
		for x := range glyphW {
			if g.set(x, y) {
				x0, y0 := l.glyphX+x*l.scale, l.glyphY+y*l.scale
				fillRect(img, image.Rect(x0, y0, x0+l.scale, y0+l.scale), ink)
			}
		}
	}

	fill := barColors[k.State]
	drawBar(img, l, l.bar1Y, k.Primary, fill)
	drawBar(img, l, l.bar2Y, k.Secondary, fill)
	roundCorners(img, l.radius)
	return img
}

// drawBar draws one bar with its top at row y: a track with the first n
// pixels filled, or, when n < 0 (unknown), a dotted track.
func drawBar(img *image.NRGBA, l layout, y, n int, fill color.NRGBA) {
	if n < 0 {
		dash := l.barH
		for x := 0; x < l.barW; x += 2 * dash {
			fillRect(img, image.Rect(l.barX+x, y, l.barX+min(x+dash, l.barW), y+l.barH), trackColor)
		}
		return
	}
	fillRect(img, image.Rect(l.barX, y, l.barX+l.barW, y+l.barH), trackColor)
	fillRect(img, image.Rect(l.barX, y, l.barX+n, y+l.barH), fill)
}

// fillRect paints r (clipped to img) with the opaque colour c.
func fillRect(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
		}
	}
}

// roundCorners makes the corners of img transparent outside a circle of
// radius r, with antialiased edges (the straight edges stay on the grid).
func roundCorners(img *image.NRGBA, r float64) {
	const sub = 4 // subsamples per pixel side
	s := img.Rect.Dx()
	n := int(r + 1)
	for cy := range n {
		for cx := range n {
			inside := 0
			for sy := range sub {
				for sx := range sub {
					dx := r - (float64(cx) + (float64(sx)+0.5)/sub)
					dy := r - (float64(cy) + (float64(sy)+0.5)/sub)
					if dx <= 0 || dy <= 0 || dx*dx+dy*dy <= r*r {
						inside++
					}
				}
			}
			if inside == sub*sub {
				continue
			}
			for _, p := range [4]image.Point{{cx, cy}, {s - 1 - cx, cy}, {cx, s - 1 - cy}, {s - 1 - cx, s - 1 - cy}} {
				i := img.PixOffset(p.X, p.Y) + 3
				img.Pix[i] = uint8(int(img.Pix[i]) * inside / (sub * sub))
			}
		}
	}
}
