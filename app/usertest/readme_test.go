package usertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// readmeCommand is one quiver command line of README.md.
type readmeCommand struct {
	line int    // README.md line number, for messages
	text string // as written (a trailing "# comment" included)
	kind string // "sh" (fenced ```sh block), "indented" (code block) or "inline" (`code` in the text)
}

// command is the text without a trailing comment, spaces collapsed: what
// the lists below name.
func (c readmeCommand) command() string {
	cmd := c.text
	if i := strings.Index(cmd, " #"); i >= 0 {
		cmd = cmd[:i]
	}
	return strings.Join(strings.Fields(cmd), " ")
}

// cannotRunHeadless are README command lines no test can run on a headless
// Linux machine, and why. Keep it small: every other quiver line runs.
var cannotRunHeadless = map[string]string{
	"quiver open":   "opens the GUI window: needs a display",
	"quiver window": "the window process the tray starts: needs a display",
	// Not command lines, though written as code:
	"quiver autostart on|off|status": "a synopsis of three commands (on and off run where the README writes them)",
	"quiver backup":                  "names the command in the environment table; `quiver backup FILE` runs",
}

// pendingOtherBranch are README command lines that fail today because of
// bugs fixed on another branch, keyed by the command and which of its
// occurrences (1 = the first). The integrator empties this list after
// merging; do not add a line here for any other reason.
var pendingOtherBranch = map[string]map[int]string{}

// services are the README lines that run until stopped: the test waits
// until the proxy answers, then presses Ctrl-C and wants exit 0.
var services = map[string]bool{
	"quiver --headless": true,
	"quiver proxy":      true,
}

var (
	fence     = regexp.MustCompile("^```(\\w*)")
	codeSpan  = regexp.MustCompile("`([^`]+)`")
	firstWord = regexp.MustCompile(`^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(\S+)`)
)

// isQuiverCommand reports whether a line runs quiver (after environment
// assignments, if any).
func isQuiverCommand(line string) bool {
	m := firstWord.FindStringSubmatch(strings.TrimSpace(line))
	return m != nil && m[1] == "quiver"
}

// readmeCommands extracts README.md's quiver command lines in document
// order: every line of a ```sh block and of an indented code block, and
// every `code span` of the text (a span may break across lines) that runs
// quiver. Other fenced blocks (``` with no language) hold synopses and
// sample output, not command lines.
func readmeCommands(t *testing.T) (cmds []readmeCommand, others []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	inFence, fenceLang := false, ""
	var para []string // the current paragraph's lines
	paraStart := 0
	flush := func() {
		text := strings.Join(para, "\n")
		for _, m := range codeSpan.FindAllStringSubmatchIndex(text, -1) {
			span := strings.Join(strings.Fields(text[m[2]:m[3]]), " ")
			// A bare `quiver` in the text names the provider id or the
			// program; starting the tray app is not written that way.
			if span == "quiver" || !isQuiverCommand(span) {
				continue
			}
			line := paraStart + strings.Count(text[:m[0]], "\n")
			cmds = append(cmds, readmeCommand{line: line, text: span, kind: "inline"})
		}
		para = nil
	}
	prevBlank := true
	for i, l := range lines {
		n := i + 1
		if m := fence.FindStringSubmatch(l); m != nil {
			flush()
			if !inFence {
				inFence, fenceLang = true, m[1]
			} else {
				inFence = false
			}
			prevBlank = false
			continue
		}
		switch {
		case inFence:
			if fenceLang != "sh" || strings.TrimSpace(l) == "" {
				continue
			}
			if isQuiverCommand(l) {
				cmds = append(cmds, readmeCommand{line: n, text: strings.TrimSpace(l), kind: "sh"})
			} else {
				others = append(others, fmt.Sprintf("%d: %s", n, strings.TrimSpace(l)))
			}
		case strings.HasPrefix(l, "    ") && strings.TrimSpace(l) != "" && (prevBlank || len(para) == 0) && !strings.HasPrefix(strings.TrimSpace(l), "-"):
			flush()
			if isQuiverCommand(l) {
				cmds = append(cmds, readmeCommand{line: n, text: strings.TrimSpace(l), kind: "indented"})
			} else {
				others = append(others, fmt.Sprintf("%d: %s", n, strings.TrimSpace(l)))
			}
			prevBlank = false
			continue
		case strings.TrimSpace(l) == "" || strings.HasPrefix(l, "|") || strings.HasPrefix(l, "#"):
			flush()
			if strings.HasPrefix(l, "|") {
				para, paraStart = []string{l}, n
				flush()
			}
		default:
			if len(para) == 0 {
				paraStart = n
			}
			para = append(para, l)
		}
		prevBlank = strings.TrimSpace(l) == ""
	}
	flush()
	return cmds, others
}

// TestReadmeCommandLines runs every quiver command line of README.md, as
// written and in the order written, in a new user's sandbox: the Codex CLI
// signed in as work@example.com, secrets in the encrypted file, OpenAI's
// servers faked on 127.0.0.1. Each must exit 0. A sign-in (`quiver add`)
// is completed by the test playing the browser, as the fake auth server's
// next login (a new account first, then work again).
func TestReadmeCommandLines(t *testing.T) {
	cmds, others := readmeCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("found only %d quiver command lines in README.md: the extraction is broken", len(cmds))
	}
	for _, o := range others {
		t.Logf("not a quiver command, not run here: %s", o)
	}
	s := newSandbox(t)
	s.codexLogin(work)
	s.backend.SetUsage(work.AccountID, 84, 31)
	signIns := []codextest.Identity{personal}

	seen := map[string]int{}
	for _, c := range cmds {
		cmd := c.command()
		seen[cmd]++
		occurrence := seen[cmd]
		t.Run(fmt.Sprintf("README.md:%d %s", c.line, cmd), func(t *testing.T) {
			if why, ok := cannotRunHeadless[cmd]; ok {
				t.Skipf("cannot run headless: %s", why)
			}
			if why, ok := pendingOtherBranch[cmd][occurrence]; ok {
				t.Skipf("pending another branch: %s", why)
			}
			if strings.HasPrefix(cmd, "quiver add") {
				next := work
				if len(signIns) > 0 {
					next, signIns = signIns[0], signIns[1:]
				}
				s.auth.NextLogin(next)
			}
			var r result
			if services[cmd] {
				r = s.service(c.text)
			} else {
				r = s.shell(c.text)
			}
			if r.code != 0 {
				t.Errorf("README.md line %d (%s) exits %d, want 0:\n%v", c.line, c.kind, r.code, r)
			}
		})
	}

	// The lists name only lines the README has.
	for cmd := range cannotRunHeadless {
		if seen[cmd] == 0 {
			t.Errorf("cannotRunHeadless names %q, which README.md no longer has", cmd)
		}
	}
	for cmd, occ := range pendingOtherBranch {
		for n := range occ {
			if seen[cmd] < n {
				t.Errorf("pendingOtherBranch names occurrence %d of %q; README.md has %d", n, cmd, seen[cmd])
			}
		}
	}
}

// TestReadmeExtraction checks the extraction on a README of known shape.
func TestReadmeExtraction(t *testing.T) {
	t.Parallel()
	cmds, _ := readmeCommands(t)
	has := func(text, kind string) bool {
		for _, c := range cmds {
			if c.command() == text && c.kind == kind {
				return true
			}
		}
		return false
	}
	for _, want := range []struct{ text, kind string }{
		{"quiver connect codex --undo", "sh"},                                          // a ```sh block
		{"quiver export opencode work -o ~/.local/share/opencode/auth.json", "inline"}, // a span broken across lines
		{"quiver list", "inline"},
	} {
		if !has(want.text, want.kind) {
			t.Errorf("README.md extraction misses %q (%s); got %v", want.text, want.kind, cmds)
		}
	}
	for _, c := range cmds {
		if strings.Contains(c.text, "ALIAS  PLAN") || strings.HasPrefix(c.text, "quiver list [--json]") {
			t.Errorf("took a synopsis or sample output for a command line: %+v", c)
		}
	}
}
