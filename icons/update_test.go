package icons

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite quiver.png, quiver.svg and the previews in docs/icons")

// previewSizes are the sizes shown in docs/icons.
var previewSizes = []int{16, 22, 24, 32, 48, 64}

// sampleBadges are one typical badge per state, as shown in docs/icons.
func sampleBadges() []Badge {
	return []Badge{
		{Initial: 'W', Color: accountPalette[0], State: Normal, Primary: 0.42, Secondary: 0.10},
		{Initial: 'P', Color: accountPalette[3], State: Warn, Primary: 0.85, Secondary: 0.55},
		{Initial: 'A', Color: accountPalette[1], State: Limited, Primary: 1, Secondary: 0.72},
		{Initial: 'M', Color: accountPalette[2], State: Inactive, Primary: 0.30, Secondary: Unknown},
		{State: NoAccount},
	}
}

// Panel colours the contact sheet shows the badges on.
var (
	lightPanel = color.NRGBA{0xf2, 0xf2, 0xf2, 0xff}
	darkPanel  = color.NRGBA{0x1e, 0x1e, 0x1e, 0xff}
)

// TestUpdateAssets writes the generated files when run with -update (see
// go:generate in doc.go); otherwise it checks nothing and skips.
func TestUpdateAssets(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite the generated icons")
	}
	docs := filepath.Join("..", "docs", "icons")
	if err := os.MkdirAll(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path string, data []byte) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range sampleBadges() {
		for _, size := range previewSizes {
			write(filepath.Join(docs, b.State.String()+"-"+itoa(size)+".png"), PNG(b, size))
		}
	}
	write(filepath.Join(docs, "states.png"), encodePNG(contactSheet()))
	var icon bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&icon, renderLogo(appIconSize)); err != nil {
		t.Fatal(err)
	}
	write("quiver.png", icon.Bytes())
	write("quiver.svg", logoSVG())
}

// contactSheet shows every sample badge at every preview size, once on a
// light and once on a dark panel.
func contactSheet() *image.NRGBA {
	const gap = 8
	badges := sampleBadges()
	w := gap
	for _, s := range previewSizes {
		w += s + gap
	}
	rowH := previewSizes[len(previewSizes)-1] + gap
	h := 2 * (gap + len(badges)*rowH)
	sheet := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p, panel := range []color.NRGBA{lightPanel, darkPanel} {
		top := p * h / 2
		draw.Draw(sheet, image.Rect(0, top, w, top+h/2), &image.Uniform{panel}, image.Point{}, draw.Src)
		for i, b := range badges {
			x, y := gap, top+gap+i*rowH
			for _, s := range previewSizes {
				r := image.Rect(x, y, x+s, y+s)
				draw.Draw(sheet, r, Render(b, s), image.Point{}, draw.Over)
				x += s + gap
			}
		}
	}
	return sheet
}

func itoa(n int) string { return strconv.Itoa(n) }
