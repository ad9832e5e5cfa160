package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// DesktopEntry renders e as an XDG autostart desktop entry. Exec is quoted
// per the Desktop Entry Specification: an argument with a reserved
// character is put in double quotes with ", `, $ and \ backslash-escaped, a
// literal % is doubled, and the value then gets the string escapes (\\,
// \n, \t, \r, a leading \s).
func DesktopEntry(e Entry) []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	kv := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	kv("Type", "Application")
	kv("Version", "1.0")
	kv("Name", escapeValue(e.Name))
	if e.Comment != "" {
		kv("Comment", escapeValue(e.Comment))
	}
	kv("Exec", execValue(e.Exec, e.Args))
	if e.Icon != "" {
		kv("Icon", escapeValue(e.Icon))
	}
	kv("Terminal", "false")
	kv("X-GNOME-Autostart-enabled", "true")
	return b.Bytes()
}

// hiddenDesktopEntry renders a user entry that hides a system entry of the
// same ID.
func hiddenDesktopEntry(e Entry) []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	fmt.Fprintf(&b, "Type=Application\nName=%s\nExec=%s\nHidden=true\n", escapeValue(e.Name), execValue(e.Exec, e.Args))
	return b.Bytes()
}

// execReserved are the characters that force an Exec argument into quotes.
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

func execValue(exe string, args []string) string {
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		parts = append(parts, quoteExecArg(a))
	}
	return escapeValue(strings.Join(parts, " "))
}

func quoteExecArg(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, execReserved) {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range a {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// escapeValue applies the string escapes of a desktop entry value.
func escapeValue(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' && i == 0:
			b.WriteString(`\s`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unescapeValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// desktopFields is the [Desktop Entry] group of a desktop file, values
// unescaped; localized keys are left out.
type desktopFields map[string]string

var errNoDesktopGroup = errors.New("no [Desktop Entry] group")

func parseDesktopEntry(data []byte) (desktopFields, error) {
	fields := desktopFields{}
	in, found := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			in = line == "[Desktop Entry]"
			found = found || in
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !in || !ok || strings.Contains(k, "[") {
			continue
		}
		k = strings.TrimSpace(k)
		if _, dup := fields[k]; !dup {
			fields[k] = unescapeValue(strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading desktop entry: %w", err)
	}
	if !found {
		return nil, errNoDesktopGroup
	}
	return fields, nil
}

// enabled tells whether a desktop environment will start the entry.
func (f desktopFields) enabled() bool {
	return !strings.EqualFold(f["Hidden"], "true") && !strings.EqualFold(f["X-GNOME-Autostart-enabled"], "false")
}

// splitExec splits an unescaped Exec value into its arguments: quotes and
// their escapes undone, %% made %, other field codes dropped.
func splitExec(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s) && strings.IndexByte("\"`$\\", s[i+1]) >= 0:
			i++
			cur.WriteByte(s[i])
		case quoted && c == '"':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '"':
			quoted, inArg = true, true
		case c == ' ':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in Exec %q", s)
	}
	if inArg {
		args = append(args, cur.String())
	}
	out := args[:0]
	for _, a := range args {
		if len(a) == 2 && a[0] == '%' && a[1] != '%' {
			continue // a field code such as %u
		}
		out = append(out, strings.ReplaceAll(a, "%%", "%"))
	}
	return out, nil
}
