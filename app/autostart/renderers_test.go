package autostart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

var quiver = Entry{Name: "Quiver", ID: "quiver", Label: "io.github.quiver", Exec: "/usr/local/bin/quiver",
	Comment: "Several ChatGPT accounts for the Codex CLI", Icon: "quiver"}

func TestDesktopEntryGolden(t *testing.T) {
	t.Parallel()
	want := `[Desktop Entry]
Type=Application
Version=1.0
Name=Quiver
Comment=Several ChatGPT accounts for the Codex CLI
Exec=/usr/local/bin/quiver
Icon=quiver
Terminal=false
X-GNOME-Autostart-enabled=true
`
	if got := string(DesktopEntry(quiver)); got != want {
		t.Fatalf("DesktopEntry =\n%s\nwant\n%s", got, want)
	}
}

func TestDesktopEntryExec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		exec     string
		args     []string
		wantExec string // the Exec= value as written
	}{
		{"plain", "/opt/quiver/quiver", nil, `/opt/quiver/quiver`},
		{"space", "/home/me/My Apps/quiver", nil, `"/home/me/My Apps/quiver"`},
		{"percent", "/opt/100%/quiver", nil, `/opt/100%%/quiver`},
		{"percent and space", "/opt/100% sure/quiver", []string{"--x=%u"}, `"/opt/100%% sure/quiver" --x=%%u`},
		{"double quote", `/opt/say "hi"/quiver`, nil, `"/opt/say \\"hi\\"/quiver"`},
		{"single quote", `/home/o'neil/quiver`, nil, `"/home/o'neil/quiver"`},
		{"backslash", `/opt/back\slash/quiver`, nil, `"/opt/back\\\\slash/quiver"`},
		{"dollar and backtick", "/opt/$HOME/`x`/quiver", nil, "\"/opt/\\\\$HOME/\\\\`x\\\\`/quiver\""},
		{"non-ASCII", "/home/jürgen/Прога/quiver", nil, `/home/jürgen/Прога/quiver`},
		{"newline and tab", "/opt/a\nb\tc/quiver", nil, `"/opt/a\nb\tc/quiver"`},
		{"args", "/opt/quiver", []string{"--headless", "two words", ""}, `/opt/quiver --headless "two words" ""`},
		{"shell characters", "/opt/a;b|c&d>e<f*g?h#i(j)k~l/quiver", nil, `"/opt/a;b|c&d>e<f*g?h#i(j)k~l/quiver"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := quiver
			e.Exec, e.Args = tt.exec, tt.args
			data := DesktopEntry(e)
			if !bytes.Contains(data, []byte("\nExec="+tt.wantExec+"\n")) {
				t.Fatalf("DesktopEntry has no line Exec=%s:\n%s", tt.wantExec, data)
			}
			fields, err := parseDesktopEntry(data)
			if err != nil {
				t.Fatal(err)
			}
			args, err := splitExec(fields["Exec"])
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{tt.exec}, tt.args...); !slices.Equal(args, want) {
				t.Fatalf("Exec reads back as %q, want %q", args, want)
			}
		})
	}
}

func TestDesktopEntryValues(t *testing.T) {
	t.Parallel()
	e := quiver
	e.Name = " Quiver – Konten für Codex"
	e.Comment = "line one\nline two \\ backslash"
	fields, err := parseDesktopEntry(DesktopEntry(e))
	if err != nil {
		t.Fatal(err)
	}
	if fields["Name"] != e.Name || fields["Comment"] != e.Comment {
		t.Fatalf("read back Name %q Comment %q", fields["Name"], fields["Comment"])
	}
	if !fields.enabled() {
		t.Fatal("entry reads back as disabled")
	}
	if strings.Count(string(DesktopEntry(e)), "\n") != 9 {
		t.Fatalf("a value spilled onto another line:\n%s", DesktopEntry(e))
	}
}

func TestParseDesktopEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		wantErr     bool
		wantEnabled bool
		wantExec    string
	}{
		{"hidden", "[Desktop Entry]\nExec=/a\nHidden=true\n", false, false, "/a"},
		{"gnome disabled", "[Desktop Entry]\nExec=/a\nX-GNOME-Autostart-enabled=false\n", false, false, "/a"},
		{"other groups and comments ignored", "# c\n[Desktop Action x]\nExec=/b\n[Desktop Entry]\nName[de]=x\nExec = /a %U\n", false, true, "/a"},
		{"no group", "Exec=/a\n", true, false, ""},
		{"empty", "", true, false, ""},
	}
	for _, tt := range tests {
		fields, err := parseDesktopEntry([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Fatalf("%s: err = %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err != nil {
			continue
		}
		args, err := splitExec(fields["Exec"])
		if err != nil || fields.enabled() != tt.wantEnabled || len(args) == 0 || args[0] != tt.wantExec {
			t.Fatalf("%s: enabled %v, args %q, err %v", tt.name, fields.enabled(), args, err)
		}
	}
	if _, err := splitExec(`"/unterminated`); err == nil {
		t.Fatal("splitExec accepted an unterminated quote")
	}
}

func TestLaunchAgentPlistGolden(t *testing.T) {
	t.Parallel()
	e := quiver
	e.Exec = "/Applications/Quiver.app/Contents/MacOS/quiver"
	want := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>io.github.quiver</string>
	<key>ProgramArguments</key>
	<array>
		<string>/Applications/Quiver.app/Contents/MacOS/quiver</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
</dict>
</plist>
`
	if got := string(LaunchAgentPlist(e)); got != want {
		t.Fatalf("LaunchAgentPlist =\n%s\nwant\n%s", got, want)
	}
}

func TestLaunchAgentPlistEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		exec string
		args []string
	}{
		{"space", "/Users/me/My Apps/quiver", nil},
		{"markup", `/Users/a&b/<x>/"q'/quiver`, []string{"--a=<b>&c"}},
		{"non-ASCII", "/Users/jürgen/Программы/quiver", []string{"ü"}},
		{"percent", "/Users/me/100%/quiver", []string{"%u"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := quiver
			e.Exec, e.Args = tt.exec, tt.args
			data := LaunchAgentPlist(e)
			// Well-formed: a strict decoder reads it to the end.
			dec := xml.NewDecoder(bytes.NewReader(data))
			for {
				if _, err := dec.Token(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("not well-formed XML: %v\n%s", err, data)
				}
			}
			la, err := parseLaunchAgent(data)
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{tt.exec}, tt.args...); !slices.Equal(la.args, want) || la.label != "io.github.quiver" || la.disabled {
				t.Fatalf("read back %+v, want args %q", la, want)
			}
		})
	}
}

func TestParseLaunchAgent(t *testing.T) {
	t.Parallel()
	const head = `<?xml version="1.0"?><plist version="1.0"><dict>`
	tests := []struct {
		name         string
		in           string
		wantArgs     []string
		wantDisabled bool
		wantErr      bool
	}{
		{"Program and Disabled", head + `<key>Label</key><string>x</string><key>Program</key><string>/bin/q</string>` +
			`<key>ProgramArguments</key><array><string>q</string><string>-v</string></array><key>Disabled</key><true/></dict></plist>`,
			[]string{"/bin/q", "q", "-v"}, true, false},
		{"nested dicts ignored", head + `<key>EnvironmentVariables</key><dict><key>Label</key><string>no</string></dict>` +
			`<key>ProgramArguments</key><array><string>/bin/q</string></array><key>Disabled</key><false/></dict></plist>`,
			[]string{"/bin/q"}, false, false},
		{"broken", head + `<key>Label</key><string>x</dict>`, nil, false, true},
	}
	for _, tt := range tests {
		la, err := parseLaunchAgent([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Fatalf("%s: err = %v", tt.name, err)
		}
		if err == nil && (!slices.Equal(la.args, tt.wantArgs) || la.disabled != tt.wantDisabled) {
			t.Fatalf("%s: got %+v", tt.name, la)
		}
	}
}

func TestRunValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		exec string
		args []string
		want string
	}{
		{"plain", `C:\Users\me\AppData\Local\Programs\Quiver\quiver.exe`, nil, `"C:\Users\me\AppData\Local\Programs\Quiver\quiver.exe"`},
		{"spaces", `C:\Program Files\Quiver\quiver.exe`, []string{"--headless"}, `"C:\Program Files\Quiver\quiver.exe" --headless`},
		{"non-ASCII", `C:\Users\Jürgen\quiver.exe`, []string{"Ä b"}, `"C:\Users\Jürgen\quiver.exe" "Ä b"`},
		{"empty arg", `C:\q.exe`, []string{""}, `"C:\q.exe" ""`},
		{"quote in arg", `C:\q.exe`, []string{`say "hi"`}, `"C:\q.exe" "say \"hi\""`},
		{"backslashes before quote", `C:\q.exe`, []string{`a\\"b`}, `"C:\q.exe" "a\\\\\"b"`},
		{"trailing backslash", `C:\q.exe`, []string{`C:\dir with space\`}, `"C:\q.exe" "C:\dir with space\\"`},
		{"backslash without quote stays", `C:\q.exe`, []string{`C:\plain\path`}, `"C:\q.exe" C:\plain\path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := quiver
			e.Exec, e.Args = tt.exec, tt.args
			got := RunValue(e)
			if got != tt.want {
				t.Fatalf("RunValue = %s, want %s", got, tt.want)
			}
			if args := commandLineToArgv(got); !slices.Equal(args, append([]string{tt.exec}, tt.args...)) {
				t.Fatalf("Windows reads %q back as %q", got, args)
			}
			if exe := runValueExec(got); exe != tt.exec {
				t.Fatalf("runValueExec = %q, want %q", exe, tt.exec)
			}
		})
	}
}

// commandLineToArgv splits a command line by the rules CommandLineToArgvW
// documents: argv[0] up to its closing quote; then 2n backslashes and a
// quote are n backslashes and a quote toggle, 2n+1 backslashes and a quote
// are n backslashes and a literal quote, other backslashes are literal.
func commandLineToArgv(s string) []string {
	var args []string
	exe := runValueExec(s)
	args = append(args, exe)
	rest := s[len(exe)+2:]
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '\\':
			n := 0
			for i < len(rest) && rest[i] == '\\' {
				n++
				i++
			}
			if i < len(rest) && rest[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					quoted = !quoted
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			inArg = true
		case c == '"':
			quoted, inArg = !quoted, true
		case (c == ' ' || c == '\t') && !quoted:
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
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

func TestRunValueExec(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`"C:\Program Files\Q\q.exe" --x`: `C:\Program Files\Q\q.exe`,
		`C:\q.exe --x`:                   `C:\q.exe`,
		`  C:\q.exe`:                     `C:\q.exe`,
		`"C:\unterminated`:               `C:\unterminated`,
		``:                               ``,
	}
	for in, want := range tests {
		if got := runValueExec(in); got != want {
			t.Errorf("runValueExec(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStartupApprovedDisabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data []byte
		want bool
	}{
		{nil, false},
		{[]byte{0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
		{[]byte{0x03, 0, 0, 0, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x01}, true},
		{[]byte{0x01}, true},
	}
	for _, tt := range tests {
		if got := startupApprovedDisabled(tt.data); got != tt.want {
			t.Errorf("startupApprovedDisabled(% x) = %v, want %v", tt.data, got, tt.want)
		}
	}
}
