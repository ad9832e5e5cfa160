package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/quiver-app/quiver/icons"
)

// IconPNG is the badge b at size px as the tray hands it to the tray host:
// icons.PNG with hard edges (see hardEdges).
func IconPNG(b icons.Badge, size int) ([]byte, error) {
	return hardEdges(icons.PNG(b, size))
}

// hardEdges makes every pixel of a PNG either opaque or transparent
// (alpha ≥ 50 % becomes opaque, the rest transparent).
//
// fyne.io/systray v1.12 (Linux/BSD) turns the PNG into the
// StatusNotifierItem's ARGB pixmap with the low byte of each channel of
// color.RGBA's 16-bit premultiplied value: exact for opaque and
// transparent pixels, but a translucent pixel (the badge's anti-aliased
// corners) comes out in a random colour. The badge is pixel art anyway;
// hard corners keep it crisp on light and dark panels.
func hardEdges(data []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding the badge: %w", err)
	}
	bounds := img.Bounds()
	out := image.NewNRGBA(bounds)
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A < 0x80 {
				continue // transparent
			}
			c.A = 0xff
			out.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("encoding the badge: %w", err)
	}
	return buf.Bytes(), nil
}
