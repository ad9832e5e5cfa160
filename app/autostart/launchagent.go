package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// LaunchAgentPlist renders e as a macOS LaunchAgent property list that
// launchd loads at login: it runs Exec with Args once (RunAtLoad), as an
// interactive process, in the graphical (Aqua) session only.
func LaunchAgentPlist(e Entry) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	str := func(s string) string {
		var esc strings.Builder
		xml.EscapeText(&esc, []byte(s))
		return "<string>" + esc.String() + "</string>"
	}
	key := func(k string) { fmt.Fprintf(&b, "\t<key>%s</key>\n", k) }
	key("Label")
	fmt.Fprintf(&b, "\t%s\n", str(e.label()))
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	for _, a := range append([]string{e.Exec}, e.Args...) {
		fmt.Fprintf(&b, "\t\t%s\n", str(a))
	}
	b.WriteString("\t</array>\n")
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("ProcessType")
	fmt.Fprintf(&b, "\t%s\n", str("Interactive"))
	key("LimitLoadToSessionType")
	fmt.Fprintf(&b, "\t%s\n", str("Aqua"))
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes()
}

// launchAgent is what Status needs from a LaunchAgent plist.
type launchAgent struct {
	label    string
	args     []string
	disabled bool
}

// parseLaunchAgent reads the top-level keys Label, ProgramArguments (or
// Program) and Disabled of an XML property list.
func parseLaunchAgent(data []byte) (launchAgent, error) {
	var la launchAgent
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth, key, inArgs := 0, "", false
	var program string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return launchAgent{}, fmt.Errorf("parsing property list: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			// depth 1 is <plist>, 2 the top <dict>, 3 its keys and values.
			switch {
			case depth == 3 && t.Name.Local == "key":
				var k string
				if err := dec.DecodeElement(&k, &t); err != nil {
					return launchAgent{}, fmt.Errorf("parsing property list: %w", err)
				}
				depth--
				key = k
				continue
			case depth == 3 && key == "ProgramArguments" && t.Name.Local == "array":
				inArgs = true
			case depth == 4 && inArgs && t.Name.Local == "string":
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return launchAgent{}, fmt.Errorf("parsing property list: %w", err)
				}
				depth--
				la.args = append(la.args, s)
			case depth == 3 && t.Name.Local == "string" && (key == "Label" || key == "Program"):
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return launchAgent{}, fmt.Errorf("parsing property list: %w", err)
				}
				depth--
				if key == "Label" {
					la.label = s
				} else {
					program = s
				}
			case depth == 3 && key == "Disabled":
				la.disabled = t.Name.Local == "true"
			}
			if depth == 3 {
				key = ""
			}
		case xml.EndElement:
			if depth == 3 && inArgs {
				inArgs = false
			}
			depth--
		}
	}
	if program != "" {
		// Program is the binary; ProgramArguments is then only argv.
		la.args = append([]string{program}, la.args...)
	}
	return la, nil
}

// launchAgentDir is ~/Library/LaunchAgents, or its stand-in in tests.
type launchAgentDir string

func (d launchAgentDir) file(e Entry) string { return filepath.Join(string(d), e.label()+".plist") }

func (d launchAgentDir) enable(e Entry) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("creating LaunchAgents directory: %w", err)
	}
	return atomicfile.WriteFile(d.file(e), LaunchAgentPlist(e), 0o644)
}

func (d launchAgentDir) disable(e Entry) error {
	if err := os.Remove(d.file(e)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing launch agent: %w", err)
	}
	return nil
}

func (d launchAgentDir) status(e Entry) (State, error) {
	path := d.file(e)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("reading launch agent: %w", err)
	}
	la, err := parseLaunchAgent(data)
	if err != nil {
		return State{}, fmt.Errorf("reading %s: %w", path, err)
	}
	st := State{Enabled: !la.disabled, Path: path}
	if len(la.args) > 0 {
		st.Exec = la.args[0]
	}
	st.Stale = missing(st.Exec)
	return st, nil
}
