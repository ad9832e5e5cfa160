package icons

import (
	"hash/fnv"
	"image/color"
	"math"
)

// accountPalette holds the account colours: saturated, dark enough for a
// white letter (contrast ≥ 4.5:1), and away from the amber, red and grey
// that mean warn, limited and inactive.
var accountPalette = [...]color.NRGBA{
	{0x1e, 0x66, 0xd0, 0xff}, // blue
	{0x00, 0x79, 0x6b, 0xff}, // teal
	{0x2e, 0x7d, 0x32, 0xff}, // green
	{0x6a, 0x3f, 0xc8, 0xff}, // purple
	{0x8e, 0x24, 0xaa, 0xff}, // violet
	{0x02, 0x6c, 0xa8, 0xff}, // cerulean
	{0x39, 0x49, 0xab, 0xff}, // indigo
}

// brandColor is Quiver's own colour (see BrandColor).
var brandColor = color.NRGBA{0x39, 0x49, 0xab, 0xff}

// BrandColor returns Quiver's own colour, worn by a badge without an account
// colour and by the application icon.
func BrandColor() color.NRGBA { return brandColor }

// Colours of the parts that do not depend on the account.
var (
	warnColor     = color.NRGBA{0xf2, 0xa1, 0x00, 0xff} // amber badge
	limitedColor  = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff} // red badge
	inactiveColor = color.NRGBA{0x76, 0x76, 0x76, 0xff} // grey badge
	stripColor    = color.NRGBA{0x26, 0x26, 0x26, 0xff} // behind the bars
	trackColor    = color.NRGBA{0x55, 0x55, 0x55, 0xff} // empty bar
	white         = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	darkLetter    = color.NRGBA{0x1c, 0x1c, 0x1c, 0xff} // letter on amber
)

// barColors are the bar fills by state, bright enough on the dark strip.
var barColors = [...]color.NRGBA{
	Normal:    {0x4c, 0xd9, 0x64, 0xff}, // green
	Warn:      {0xff, 0xb3, 0x20, 0xff}, // amber
	Limited:   {0xff, 0x5a, 0x4f, 0xff}, // red
	Inactive:  {0xb4, 0xb4, 0xb4, 0xff}, // grey
	NoAccount: {0xb4, 0xb4, 0xb4, 0xff},
}

// AccountColor returns a colour for the account with the given id (use the
// stable local account id, not the alias): the same id always gets the same
// colour, different ids are spread over a small palette.
func AccountColor(id string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(id))
	return accountPalette[h.Sum32()%uint32(len(accountPalette))]
}

// badgeColor is the colour of the badge in state st for an account colour c.
func badgeColor(st State, c color.NRGBA) color.NRGBA {
	switch st {
	case Normal:
		if c.A == 0 {
			return brandColor
		}
		c.A = 0xff // the tile is opaque so it reads on any panel
		return c
	case Warn:
		return warnColor
	case Limited:
		return limitedColor
	default:
		return inactiveColor
	}
}

// letterColor is white, or near-black on a light badge (amber).
func letterColor(badge color.NRGBA) color.NRGBA {
	if luminance(badge) > 0.35 {
		return darkLetter
	}
	return white
}

// luminance is the WCAG relative luminance of c.
func luminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}
