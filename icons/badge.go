package icons

import (
	"image/color"
	"math"
	"unicode"
)

// State is what the tray badge says about the active account at a glance.
type State int

const (
	// Normal: the account is usable; the badge wears the account's colour.
	Normal State = iota
	// Warn: a limit is past the warn threshold; the badge turns amber.
	Warn
	// Limited: the account hit a limit; the badge turns red.
	Limited
	// Inactive: the proxy is paused or the account needs a new login; the
	// badge is grey.
	Inactive
	// NoAccount: no account is configured yet; a grey badge with the quiver
	// arrow instead of an initial, and empty bars.
	NoAccount
)

// allStates lists every State, in order.
var allStates = [...]State{Normal, Warn, Limited, Inactive, NoAccount}

// String returns the state's lowercase name ("normal", "warn", …).
func (s State) String() string {
	switch s {
	case Normal:
		return "normal"
	case Warn:
		return "warn"
	case Limited:
		return "limited"
	case Inactive:
		return "inactive"
	case NoAccount:
		return "noaccount"
	default:
		return "unknown"
	}
}

// Badge describes the tray icon. Its zero value is a Normal badge with the
// quiver arrow on the brand colour and both windows 0 % used; set Primary
// and Secondary to Unknown when the usage is not known.
type Badge struct {
	// Initial is the active account's initial (see Initial). Letters A–Z
	// and digits are drawn (lowercase and common accented Latin letters are
	// folded to them); 0 or any other rune draws the quiver arrow.
	Initial rune
	// Color is the account's colour (see AccountColor), shown in the
	// Normal state. The zero colour means BrandColor.
	Color color.NRGBA
	// State picks the badge colour; values outside the constants draw as
	// Inactive.
	State State
	// Primary and Secondary are the used fractions (0..1) of the 5-hour
	// and the weekly window. A negative value or NaN (see Unknown) draws an
	// empty, dotted track.
	Primary, Secondary float64
}

// Unknown is a used fraction that draws an empty, dotted track.
const Unknown = -1.0

// Key is everything that is visible of a Badge at one size: two badges with
// equal keys render to identical pixels. Fractions are reduced to the number
// of filled pixels, so a change from 42.1 % to 42.3 % keeps the key.
type Key struct {
	Size  int
	State State
	Glyph rune        // the glyph actually drawn; 0 is the arrow
	Fill  color.NRGBA // the badge colour actually drawn
	// Primary and Secondary are the filled lengths in pixels; -1 is unknown.
	Primary, Secondary int
}

// Key returns what is visible of b at size px (clamped like Render).
func (b Badge) Key(size int) Key {
	size = clampSize(size)
	l := layoutFor(size)
	st := b.State
	if st < Normal || st > NoAccount {
		st = Inactive
	}
	k := Key{
		Size:      size,
		State:     st,
		Glyph:     glyphRune(b.Initial),
		Fill:      badgeColor(st, b.Color),
		Primary:   fillPixels(b.Primary, l.barW),
		Secondary: fillPixels(b.Secondary, l.barW),
	}
	if st == NoAccount {
		k.Glyph = 0
		k.Primary, k.Secondary = 0, 0
	}
	return k
}

// fillPixels is the filled length of a bar of width w for the used fraction
// f: -1 when f is unknown; otherwise rounded, but only an empty fraction is
// drawn empty and only a full one full.
func fillPixels(f float64, w int) int {
	switch {
	case math.IsNaN(f) || f < 0:
		return -1
	case f == 0:
		return 0
	case f >= 1:
		return w
	}
	n := int(math.Round(f * float64(w)))
	return min(max(n, 1), w-1)
}

// Initial returns the rune a badge shows for an account called name (its
// alias, else its email): the first letter or digit, uppercased, or 0 when
// there is none.
func Initial(name string) rune {
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
	}
	return 0
}
