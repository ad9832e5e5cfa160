package icons

import (
	"image/color"
	"math"
	"testing"
	"unicode/utf8"
)

func TestKey(t *testing.T) {
	t.Parallel()
	base := Badge{Initial: 'w', Color: AccountColor("work"), State: Normal, Primary: 0.421, Secondary: 0.1}
	with := func(f func(*Badge)) Badge { b := base; f(&b); return b }
	tests := []struct {
		name string
		b    Badge
		size int
		same bool
	}{
		{"identical", base, 16, true},
		{"tiny usage change", with(func(b *Badge) { b.Primary = 0.423 }), 16, true},
		{"same letter in other case", with(func(b *Badge) { b.Initial = 'W' }), 16, true},
		{"usage change of a pixel", with(func(b *Badge) { b.Primary = 0.5 }), 16, false},
		{"weekly usage change", with(func(b *Badge) { b.Secondary = 0.3 }), 16, false},
		{"usage known then unknown", with(func(b *Badge) { b.Secondary = Unknown }), 16, false},
		{"other letter", with(func(b *Badge) { b.Initial = 'P' }), 16, false},
		{"other colour", with(func(b *Badge) { b.Color = color.NRGBA{1, 2, 3, 255} }), 16, false},
		{"other state", with(func(b *Badge) { b.State = Warn }), 16, false},
		{"other size", base, 32, false},
	}
	want := base.Key(16)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.b.Key(tt.size); (got == want) != tt.same {
				t.Errorf("Key = %+v, base %+v; equal = %v, want %v", got, want, got == want, tt.same)
			}
		})
	}
}

func TestKeyIgnoresWhatIsNotDrawn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b Badge
	}{
		{"account colour while limited",
			Badge{State: Limited, Color: AccountColor("a"), Initial: 'A'},
			Badge{State: Limited, Color: AccountColor("b"), Initial: 'A'}},
		{"account colour while inactive",
			Badge{State: Inactive, Color: accountPalette[0]},
			Badge{State: Inactive, Color: accountPalette[1]}},
		{"letter and usage without an account",
			Badge{State: NoAccount, Initial: 'A', Primary: 0.2},
			Badge{State: NoAccount, Initial: 'B', Primary: 0.9}},
		{"out-of-range state is inactive",
			Badge{State: State(42), Initial: 'A'},
			Badge{State: Inactive, Initial: 'A'}},
		{"unknown usage spelled two ways",
			Badge{Primary: math.NaN(), Initial: 'A'},
			Badge{Primary: Unknown, Initial: 'A'}},
		{"over-full is full",
			Badge{Primary: 3, Initial: 'A'},
			Badge{Primary: 1, Initial: 'A'}},
		{"unsupported runes all draw the arrow",
			Badge{Initial: '中'},
			Badge{Initial: '☃'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, size := range allSizes {
				if ka, kb := tt.a.Key(size), tt.b.Key(size); ka != kb {
					t.Errorf("at %d px: keys differ: %+v vs %+v", size, ka, kb)
				}
			}
		})
	}
}

func TestFillPixels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		w    int
		want int
	}{
		{0, 14, 0},
		{0.0001, 14, 1}, // anything used shows
		{0.5, 14, 7},
		{0.42, 14, 6},
		{0.9999, 14, 13}, // only a full window fills the bar
		{1, 14, 14},
		{2, 14, 14},
		{-1, 14, -1},
		{math.NaN(), 14, -1},
		{math.Inf(1), 14, 14},
	}
	for _, tt := range tests {
		if got := fillPixels(tt.f, tt.w); got != tt.want {
			t.Errorf("fillPixels(%v, %d) = %d, want %d", tt.f, tt.w, got, tt.want)
		}
	}
}

func TestInitial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want rune
	}{
		{"work", 'W'},
		{"Personal", 'P'},
		{"  _bob@example.com", 'B'},
		{"2nd account", '2'},
		{"élodie", 'É'},
		{"", 0},
		{"@@@", 0},
	}
	for _, tt := range tests {
		if got := Initial(tt.name); got != tt.want {
			t.Errorf("Initial(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestGlyphRune(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want rune
	}{
		{'A', 'A'}, {'z', 'Z'}, {'0', '0'}, {'9', '9'},
		{'É', 'E'}, {'é', 'E'}, {'ñ', 'N'}, {'Ø', 'O'}, {'ý', 'Y'}, {'ç', 'C'},
		{0, 0}, {'?', 0}, {'中', 0}, {'÷', 0}, {'ß', 0}, {utf8.RuneError, 0}, {-1, 0},
	}
	for _, tt := range tests {
		if got := glyphRune(tt.in); got != tt.want {
			t.Errorf("glyphRune(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFont(t *testing.T) {
	t.Parallel()
	if a, b := utf8.RuneCountInString(foldFrom), len(foldTo); a != b {
		t.Fatalf("foldFrom has %d runes, foldTo %d", a, b)
	}
	seen := map[glyph]rune{}
	runes := []rune{0}
	for r := 'A'; r <= 'Z'; r++ {
		runes = append(runes, r)
	}
	for r := '0'; r <= '9'; r++ {
		runes = append(runes, r)
	}
	for _, r := range runes {
		g := glyphFor(r)
		var cols, rows uint8
		for y, row := range g {
			if row>>glyphW != 0 {
				t.Errorf("glyph %q row %d is wider than %d", r, y, glyphW)
			}
			cols |= row
			if row != 0 {
				rows++
			}
		}
		// Every glyph uses the full 5x7 box, so they all line up.
		if cols != 1<<glyphW-1 && r != 'I' && r != '1' && r != 'T' && r != 'Y' {
			t.Errorf("glyph %q does not span the width: columns %05b", r, cols)
		}
		if rows != glyphH {
			t.Errorf("glyph %q has %d of %d rows inked", r, rows, glyphH)
		}
		if other, dup := seen[g]; dup {
			t.Errorf("glyphs %q and %q are the same", other, r)
		}
		seen[g] = r
	}
}

func TestAccountColor(t *testing.T) {
	t.Parallel()
	if AccountColor("work") != AccountColor("work") {
		t.Fatal("AccountColor is not stable")
	}
	used := map[color.NRGBA]bool{}
	for i := range 200 {
		c := AccountColor("account-" + itoa(i))
		if c.A != 0xff {
			t.Fatalf("AccountColor gave a translucent %v", c)
		}
		used[c] = true
	}
	if len(used) != len(accountPalette) {
		t.Errorf("200 ids used %d of %d colours", len(used), len(accountPalette))
	}
	for _, c := range accountPalette {
		if r := contrast(c, white); r < 4.5 {
			t.Errorf("account colour %v: white letter contrast %.2f, want ≥ 4.5", c, r)
		}
		// Saturated (not grey) and from green through violet: no amber,
		// orange, red or pink that would read as warn or limited.
		if h, s := hueSat(c); s < 0.5 || h < 100 || h > 300 {
			t.Errorf("account colour %v (hue %.0f°, saturation %.2f) could be mistaken for a state", c, h, s)
		}
	}
}

// hueSat returns the HSV hue (degrees) and saturation of c.
func hueSat(c color.NRGBA) (hue, sat float64) {
	r, g, b := float64(c.R)/255, float64(c.G)/255, float64(c.B)/255
	hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	if hi == lo {
		return 0, 0
	}
	d := hi - lo
	switch hi {
	case r:
		hue = math.Mod((g-b)/d, 6)
	case g:
		hue = (b-r)/d + 2
	default:
		hue = (r-g)/d + 4
	}
	hue *= 60
	if hue < 0 {
		hue += 360
	}
	return hue, d / hi
}

func TestStateString(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, st := range allStates {
		names[st.String()] = true
	}
	if len(names) != len(allStates) || names["unknown"] {
		t.Errorf("state names %v are not distinct", names)
	}
	if got := State(99).String(); got != "unknown" {
		t.Errorf("State(99).String() = %q", got)
	}
}
