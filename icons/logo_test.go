package icons

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"
)

// TestAppIconUpToDate checks the committed quiver.png and quiver.svg are
// what the code draws today (run go generate ./icons after changing it).
func TestAppIconUpToDate(t *testing.T) {
	t.Parallel()
	img, err := png.Decode(bytes.NewReader(AppIcon()))
	if err != nil {
		t.Fatalf("decoding quiver.png: %v", err)
	}
	if got := img.Bounds().Dx(); got != appIconSize || img.Bounds().Dy() != appIconSize {
		t.Fatalf("quiver.png is %v, want %dx%d", img.Bounds(), appIconSize, appIconSize)
	}
	want := renderLogo(appIconSize)
	for y := range appIconSize {
		for x := range appIconSize {
			if got := color.NRGBAModel.Convert(img.At(x, y)); got != want.NRGBAAt(x, y) {
				t.Fatalf("quiver.png is stale at (%d,%d): %v, drawn %v; run go generate ./icons", x, y, got, want.NRGBAAt(x, y))
			}
		}
	}
	if !bytes.Equal(AppIconSVG(), logoSVG()) {
		t.Fatal("quiver.svg is stale; run go generate ./icons")
	}
}

func TestAppIconShape(t *testing.T) {
	t.Parallel()
	decoded, err := png.Decode(bytes.NewReader(AppIcon()))
	if err != nil {
		t.Fatalf("decoding quiver.png: %v", err)
	}
	img, ok := decoded.(*image.NRGBA)
	if !ok {
		t.Fatalf("quiver.png decodes to %T, want *image.NRGBA", decoded)
	}
	tests := []struct {
		name  string
		x, y  int
		alpha uint8
	}{
		{"top-left corner", 0, 0, 0},
		{"bottom-right corner", 255, 255, 0},
		{"top edge middle", 128, 0, 0xff},
		{"centre", 128, 128, 0xff},
		{"strip", 10, 200, 0xff},
	}
	for _, tt := range tests {
		if got := img.NRGBAAt(tt.x, tt.y).A; got != tt.alpha {
			t.Errorf("%s (%d,%d): alpha %d, want %d", tt.name, tt.x, tt.y, got, tt.alpha)
		}
	}
	if got := img.NRGBAAt(128, 60); got != logoArrowColor {
		t.Errorf("middle arrow at (128,60) = %v, want %v", got, logoArrowColor)
	}
	if got := img.NRGBAAt(40, 198); got != logoFillColor {
		t.Errorf("5-hour bar at (40,198) = %v, want %v", got, logoFillColor)
	}
	if got := img.NRGBAAt(220, 230); got != logoTrackColor {
		t.Errorf("weekly track at (220,230) = %v, want %v", got, logoTrackColor)
	}
}

func TestAppIconSVGIsWellFormed(t *testing.T) {
	t.Parallel()
	d := xml.NewDecoder(bytes.NewReader(AppIconSVG()))
	elements := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parsing quiver.svg: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elements[se.Name.Local]++
		}
	}
	if elements["svg"] != 1 || elements["polygon"] != 3 || elements["rect"] != 5 || elements["path"] != 1 {
		t.Errorf("quiver.svg elements = %v, want one svg, 3 arrows, 5 rects and the strip", elements)
	}
}

func TestNum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		want string
	}{{0, "0"}, {-0.001, "0"}, {12, "12"}, {12.5, "12.5"}, {1.234, "1.23"}, {-3.10, "-3.1"}}
	for _, tt := range tests {
		if got := num(tt.v); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
