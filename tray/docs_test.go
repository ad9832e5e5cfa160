package tray

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/icons"
)

var update = flag.Bool("update", false, "rewrite the renders in docs/tray")

// docSizes are the panel sizes the renders show.
var docSizes = []int{16, 22, 24, 32}

// docStates are the tray's states as the app reports them, one a row of
// docs/tray/states.png.
func docStates() []struct {
	name string
	st   app.State
} {
	return []struct {
		name string
		st   app.State
	}{
		{"normal", state("id-work", work, personal)},
		{"warn", state("id-personal", work, personal)},
		{"limited", state("id-limited", limited, work)},
		{"paused", paused(state("id-work", work))},
		{"needs-login", state("id-out", loggedOut, work)},
		{"unknown-limits", state("id-fresh", fresh)},
		{"no-account", state("")},
	}
}

// TestUpdateDocs writes docs/tray when run with -update; otherwise it
// skips. The renders come from the same functions the tray uses.
func TestUpdateDocs(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite docs/tray")
	}
	dir := filepath.Join("..", "docs", "tray")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, img image.Image) {
		t.Helper()
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("states.png", statesSheet(t))
	write("menu.png", menuRender(t))
}

// Panel colours the renders show the icon on.
var (
	lightPanel = color.NRGBA{0xf0, 0xf0, 0xf0, 0xff}
	darkPanel  = color.NRGBA{0x20, 0x20, 0x20, 0xff}
)

// statesSheet is every doc state (rows) at every doc size (columns), once
// on a light and once on a dark panel, each icon drawn at its own size as
// IconPNG makes it.
func statesSheet(t *testing.T) *image.NRGBA {
	const gap = 6
	states := docStates()
	colW := docSizes[len(docSizes)-1] + gap
	half := gap + len(docSizes)*colW
	rowH := docSizes[len(docSizes)-1] + gap
	sheet := image.NewNRGBA(image.Rect(0, 0, 2*half, gap+len(states)*rowH))
	draw.Draw(sheet, image.Rect(0, 0, half, sheet.Bounds().Dy()), image.NewUniform(lightPanel), image.Point{}, draw.Src)
	draw.Draw(sheet, image.Rect(half, 0, 2*half, sheet.Bounds().Dy()), image.NewUniform(darkPanel), image.Point{}, draw.Src)
	for row, s := range states {
		b := BadgeFor(s.st, now)
		for col, size := range docSizes {
			icon := iconImage(t, b, size)
			for _, x0 := range []int{0, half} {
				at := image.Pt(x0+gap+col*colW+(colW-gap-size)/2, gap+row*rowH+(rowH-gap-size)/2)
				draw.Draw(sheet, icon.Bounds().Add(at), icon, image.Point{}, draw.Over)
			}
		}
	}
	return sheet
}

// menuRender is the menu model for three accounts drawn by Fyne's own menu
// widget (software renderer, light theme), under a dark panel strip with
// the tray icon: a picture of BuildMenu's output, not of a desktop's menu.
func menuRender(t *testing.T) image.Image {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.LightTheme())
	st := state("id-work", work, personal, limited)
	items := BuildMenu(st, View{Now: now, Window: true, Autostart: true})
	fm := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			fm = append(fm, fyne.NewMenuItemSeparator())
			continue
		}
		mi := fyne.NewMenuItem(it.Label, func() {})
		mi.Checked, mi.Disabled = it.Checked, it.Disabled
		fm = append(fm, mi)
	}
	menu := widget.NewMenu(fyne.NewMenu("Quiver", fm...))
	w := test.NewTempWindow(t, menu)
	w.SetPadded(false)
	w.Resize(menu.MinSize())
	shot := w.Canvas().Capture()

	const panelH, iconSize, pad = 30, 22, 4
	bounds := shot.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, bounds.Dx(), panelH+bounds.Dy()))
	draw.Draw(out, image.Rect(0, 0, bounds.Dx(), panelH), image.NewUniform(darkPanel), image.Point{}, draw.Src)
	icon := iconImage(t, BadgeFor(st, now), iconSize)
	at := image.Pt(bounds.Dx()-iconSize-3*pad, (panelH-iconSize)/2)
	draw.Draw(out, icon.Bounds().Add(at), icon, image.Point{}, draw.Over)
	draw.Draw(out, bounds.Add(image.Pt(0, panelH)), shot, bounds.Min, draw.Src)
	return out
}

// iconImage is the tray's icon for b at size px.
func iconImage(t *testing.T, b icons.Badge, size int) image.Image {
	t.Helper()
	data, err := IconPNG(b, size)
	if err != nil {
		t.Fatal(err)
	}
	return decodePNG(t, data)
}

func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestHardEdges: the tray's icon has no translucent pixel (fyne.io/systray
// would garble it) and keeps the badge's opaque pixels as they are.
func TestHardEdges(t *testing.T) {
	t.Parallel()
	for _, s := range docStates() {
		for _, size := range docSizes {
			b := BadgeFor(s.st, now)
			got := iconImage(t, b, size)
			soft := decodePNG(t, icons.PNG(b, size))
			opaque := 0
			for y := range size {
				for x := range size {
					g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
					if g.A != 0 && g.A != 0xff {
						t.Fatalf("%s at %d px: pixel (%d,%d) has alpha %d", s.name, size, x, y, g.A)
					}
					if o := color.NRGBAModel.Convert(soft.At(x, y)).(color.NRGBA); o.A == 0xff {
						opaque++
						if g != o {
							t.Fatalf("%s at %d px: opaque pixel (%d,%d) changed from %v to %v", s.name, size, x, y, o, g)
						}
					}
				}
			}
			if opaque < size*size/2 {
				t.Errorf("%s at %d px: only %d opaque pixels", s.name, size, opaque)
			}
		}
	}
	if _, err := hardEdges([]byte("not a png")); err == nil {
		t.Error("hardEdges accepted bytes that are not a PNG")
	}
}
