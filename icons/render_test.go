package icons

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/bits"
	"testing"
)

var allSizes = []int{16, 22, 24, 32, 48, 64, 256}

func TestRenderSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		size, want int
	}{
		{16, 16}, {22, 22}, {24, 24}, {32, 32}, {48, 48}, {64, 64}, {256, 256},
		{17, 17}, {0, MinSize}, {-5, MinSize}, {8, MinSize}, {100000, MaxSize},
	}
	for _, tt := range tests {
		for _, st := range allStates {
			img := Render(Badge{Initial: 'Q', State: st, Primary: 0.5, Secondary: Unknown}, tt.size)
			if got := img.Bounds(); got != image.Rect(0, 0, tt.want, tt.want) {
				t.Errorf("Render(%v, %d) bounds = %v, want %dx%d", st, tt.size, got, tt.want, tt.want)
			}
		}
	}
}

// TestRenderOnGrid checks the picture is pixel-exact at every size: only the
// rounded corners have partly transparent pixels, every opaque pixel has one
// of the colours the parts are painted with (no blended edges), and the
// glyph covers exactly its ink pixels times the scale squared.
func TestRenderOnGrid(t *testing.T) {
	t.Parallel()
	for _, size := range append(allSizes, 17, 30, 100) {
		for _, st := range allStates {
			b := Badge{Initial: 'R', Color: AccountColor("acct-1"), State: st, Primary: 0.37, Secondary: 0.8}
			k := b.Key(size)
			l := layoutFor(size)
			img := Render(b, size)
			palette := map[color.NRGBA]bool{
				k.Fill: true, letterColor(k.Fill): true, stripColor: true,
				trackColor: true, barColors[k.State]: true,
			}
			corner := int(math.Ceil(l.radius))
			letterPixels := 0
			for y := range size {
				for x := range size {
					c := img.NRGBAAt(x, y)
					inCorner := (x < corner || x >= size-corner) && (y < corner || y >= size-corner)
					if c.A != 0xff {
						if !inCorner {
							t.Fatalf("size %d %v: pixel (%d,%d) alpha %d outside the corners", size, st, x, y, c.A)
						}
						continue
					}
					if !palette[c] {
						t.Fatalf("size %d %v: pixel (%d,%d) = %v is not a painted colour", size, st, x, y, c)
					}
					if c == letterColor(k.Fill) && y < l.stripTop {
						letterPixels++
					}
				}
			}
			ink := 0
			for _, row := range glyphFor(k.Glyph) {
				ink += bits.OnesCount8(row)
			}
			if want := ink * l.scale * l.scale; letterPixels != want {
				t.Errorf("size %d %v: %d letter pixels, want %d (ink %d × scale %d²)", size, st, letterPixels, want, ink, l.scale)
			}
		}
	}
}

// filledRun is the number of pixels of colour fill from the left end of the
// bar whose top row is y.
func filledRun(img *image.NRGBA, l layout, y int, fill color.NRGBA) int {
	n := 0
	for x := l.barX; x < l.barX+l.barW && img.NRGBAAt(x, y+l.barH/2) == fill; x++ {
		n++
	}
	return n
}

func TestBarFillProportional(t *testing.T) {
	t.Parallel()
	fractions := []float64{0, 0.004, 0.1, 0.25, 0.421, 0.5, 0.75, 0.9, 0.999, 1, 1.7}
	for _, size := range allSizes {
		l := layoutFor(size)
		for _, st := range []State{Normal, Warn, Limited, Inactive} {
			for _, f := range fractions {
				rest := math.Max(0, 1-f)
				img := Render(Badge{Initial: 'B', State: st, Primary: f, Secondary: rest}, size)
				for _, bar := range []struct {
					y    int
					used float64
				}{{l.bar1Y, f}, {l.bar2Y, rest}} {
					got := filledRun(img, l, bar.y, barColors[st])
					want := math.Min(bar.used, 1) * float64(l.barW)
					switch {
					case bar.used <= 0 && got != 0,
						bar.used >= 1 && got != l.barW,
						bar.used > 0 && got == 0,
						bar.used < 1 && got == l.barW,
						math.Abs(float64(got)-want) > 1:
						t.Errorf("size %d %v used %.3f: %d of %d pixels filled, want about %.1f", size, st, bar.used, got, l.barW, want)
					}
					// The rest of the bar is track.
					for x := l.barX + got; x < l.barX+l.barW; x++ {
						if c := img.NRGBAAt(x, bar.y); c != trackColor {
							t.Fatalf("size %d %v used %.3f: pixel (%d,%d) = %v, want track", size, st, bar.used, x, bar.y, c)
						}
					}
				}
			}
		}
	}
}

func TestUnknownBarIsDotted(t *testing.T) {
	t.Parallel()
	for _, size := range allSizes {
		for _, unknown := range []float64{Unknown, -0.01, math.NaN(), math.Inf(-1)} {
			l := layoutFor(size)
			img := Render(Badge{Initial: 'U', Primary: unknown, Secondary: 0.5}, size)
			y := l.bar1Y + l.barH/2
			track, strip := 0, 0
			for x := l.barX; x < l.barX+l.barW; x++ {
				switch img.NRGBAAt(x, y) {
				case trackColor:
					track++
				case stripColor:
					strip++
				default:
					t.Fatalf("size %d: unknown bar pixel (%d,%d) = %v", size, x, y, img.NRGBAAt(x, y))
				}
			}
			if track == 0 || strip == 0 {
				t.Errorf("size %d: unknown bar has %d track and %d gap pixels, want dots", size, track, strip)
			}
			if got := filledRun(img, l, l.bar2Y, barColors[Normal]); got == 0 {
				t.Errorf("size %d: the known bar beside an unknown one is empty", size)
			}
		}
	}
}

// badgePixel is a pixel of the badge that no glyph covers.
func badgePixel(img *image.NRGBA, l layout) color.NRGBA {
	return img.NRGBAAt(l.barX, l.stripTop-1)
}

func TestStateColors(t *testing.T) {
	t.Parallel()
	states := []State{Normal, Warn, Limited, Inactive}
	for _, size := range allSizes {
		l := layoutFor(size)
		badges := map[color.NRGBA]State{}
		fills := map[color.NRGBA]State{}
		for _, st := range states {
			img := Render(Badge{Initial: 'S', Color: AccountColor("x"), State: st, Primary: 1, Secondary: 1}, size)
			bc, fc := badgePixel(img, l), img.NRGBAAt(l.barX, l.bar1Y)
			if other, dup := badges[bc]; dup {
				t.Errorf("size %d: %v and %v badges are both %v", size, other, st, bc)
			}
			if other, dup := fills[fc]; dup {
				t.Errorf("size %d: %v and %v bars are both %v", size, other, st, fc)
			}
			badges[bc], fills[fc] = st, st
		}
	}
}

func TestNormalWearsAccountColor(t *testing.T) {
	t.Parallel()
	l := layoutFor(24)
	for _, id := range []string{"a", "b", "work", "personal"} {
		img := Render(Badge{Initial: 'A', Color: AccountColor(id), State: Normal}, 24)
		if got, want := badgePixel(img, l), AccountColor(id); got != want {
			t.Errorf("account %q: badge %v, want its colour %v", id, got, want)
		}
	}
	img := Render(Badge{Initial: 'A'}, 24)
	if got := badgePixel(img, l); got != brandColor {
		t.Errorf("no account colour: badge %v, want the brand colour %v", got, brandColor)
	}
	translucent := AccountColor("a")
	translucent.A = 0x40
	img = Render(Badge{Initial: 'A', Color: translucent}, 24)
	if got := badgePixel(img, l); got.A != 0xff {
		t.Errorf("translucent account colour: badge %v, want it opaque", got)
	}
}

func TestGreyStatesAreGreyscale(t *testing.T) {
	t.Parallel()
	for _, st := range []State{Inactive, NoAccount, State(-1), State(99)} {
		for _, size := range allSizes {
			img := Render(Badge{Initial: 'G', Color: AccountColor("x"), State: st, Primary: 0.6, Secondary: Unknown}, size)
			for i := 0; i < len(img.Pix); i += 4 {
				if r, g, b := img.Pix[i], img.Pix[i+1], img.Pix[i+2]; r != g || g != b {
					t.Fatalf("%v at %d px: pixel %d is (%d,%d,%d), not grey", st, size, i/4, r, g, b)
				}
			}
		}
	}
}

func TestLightAndDarkPanels(t *testing.T) {
	t.Parallel()
	// The tile is opaque, so what matters is that each part stands out from
	// what surrounds it: the letter from the badge, the fill and the track
	// from the strip.
	for _, st := range allStates {
		fill := badgeColor(st, AccountColor("x"))
		if r := contrast(letterColor(fill), fill); r < 4.5 {
			t.Errorf("%v: letter on badge contrast %.2f, want ≥ 4.5", st, r)
		}
		if r := contrast(barColors[st], stripColor); r < 4.5 {
			t.Errorf("%v: bar on strip contrast %.2f, want ≥ 4.5", st, r)
		}
		if r := contrast(barColors[st], trackColor); r < 2 {
			t.Errorf("%v: bar on track contrast %.2f, want ≥ 2", st, r)
		}
	}
	if r := contrast(trackColor, stripColor); r < 1.5 {
		t.Errorf("track on strip contrast %.2f, want ≥ 1.5", r)
	}
}

func contrast(a, b color.NRGBA) float64 {
	la, lb := luminance(a)+0.05, luminance(b)+0.05
	return math.Max(la, lb) / math.Min(la, lb)
}

func TestPNGDecodesToRender(t *testing.T) {
	t.Parallel()
	b := Badge{Initial: 'P', Color: AccountColor("p"), State: Warn, Primary: 0.9, Secondary: 0.3}
	for _, size := range allSizes {
		img, err := png.Decode(bytes.NewReader(PNG(b, size)))
		if err != nil {
			t.Fatalf("decoding PNG at %d px: %v", size, err)
		}
		want := Render(b, size)
		for y := range size {
			for x := range size {
				if got := color.NRGBAModel.Convert(img.At(x, y)); got != want.NRGBAAt(x, y) {
					t.Fatalf("%d px: PNG pixel (%d,%d) = %v, Render has %v", size, x, y, got, want.NRGBAAt(x, y))
				}
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	badge := Badge{Initial: 'W', Color: AccountColor("w"), State: Warn, Primary: 0.83, Secondary: 0.4}
	for _, size := range []int{16, 32, 256} {
		b.Run(itoa(size), func(b *testing.B) {
			for b.Loop() {
				Render(badge, size)
			}
		})
	}
}

func BenchmarkPNG(b *testing.B) {
	badge := Badge{Initial: 'W', Color: AccountColor("w"), State: Warn, Primary: 0.83, Secondary: 0.4}
	for b.Loop() {
		PNG(badge, 32)
	}
}
