package app

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// maxModelMapEntries bounds the model map.
const maxModelMapEntries = 200

// ValidateModelMap reports the first invalid entry of a model map: both
// names are 1 to 128 printable characters without spaces, no name maps to
// itself, and no target is mapped again (the proxy applies the map once).
func ValidateModelMap(m map[string]string) error {
	if len(m) > maxModelMapEntries {
		return fmt.Errorf("the model map has %d entries; at most %d", len(m), maxModelMapEntries)
	}
	for _, from := range slices.Sorted(maps.Keys(m)) {
		to := m[from]
		for _, name := range []string{from, to} {
			if err := validModelName(name); err != nil {
				return fmt.Errorf("model map %q → %q: %w", from, to, err)
			}
		}
		if from == to {
			return fmt.Errorf("model map: %q maps to itself", from)
		}
		if next, ok := m[to]; ok {
			return fmt.Errorf("model map: %q → %q → %q is a chain; map %q to %q directly", from, to, next, from, next)
		}
	}
	return nil
}

func validModelName(s string) error {
	if s == "" {
		return fmt.Errorf("a model name is empty")
	}
	if len(s) > 128 {
		return fmt.Errorf("a model name is longer than 128 characters")
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("%q has a space or a character a model name does not have", s)
		}
	}
	return nil
}

// ParseModelMap reads a model map written one mapping a line, as
// "from = to" ("->" and "→" work too); blank lines and lines starting with
// # are skipped. The result is validated.
func ParseModelMap(text string) (map[string]string, error) {
	m := map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var from, to string
		var ok bool
		for _, sep := range []string{"→", "->", "="} {
			if from, to, ok = strings.Cut(line, sep); ok {
				break
			}
		}
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("line %d: %q is not \"from = to\"", n+1, line)
		}
		if prev, dup := m[from]; dup && prev != to {
			return nil, fmt.Errorf("line %d: %q is mapped twice (to %q and %q)", n+1, from, prev, to)
		}
		m[from] = to
	}
	if err := ValidateModelMap(m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// FormatModelMap writes m the way ParseModelMap reads it, sorted.
func FormatModelMap(m map[string]string) string {
	var b strings.Builder
	for _, from := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s = %s\n", from, m[from])
	}
	return b.String()
}

// SetModelMap replaces the proxy's model map and saves it; a running proxy
// applies it from its next request, without a restart.
func (a *App) SetModelMap(m map[string]string) error {
	if err := ValidateModelMap(m); err != nil {
		return err
	}
	m = maps.Clone(m)
	if len(m) == 0 {
		m = nil
	}
	_, err := a.UpdateSettings(func(s *Settings) { s.ModelMap = m })
	return err
}

// modelMap is what the proxy reads for each request.
func (a *App) modelMap() map[string]string { return a.Settings().ModelMap }

// settingsEqual compares settings (the model map makes == unusable).
func settingsEqual(x, y Settings) bool {
	xm, ym := x.ModelMap, y.ModelMap
	x.ModelMap, y.ModelMap = nil, nil
	return reflect.DeepEqual(x, y) && maps.Equal(xm, ym)
}
