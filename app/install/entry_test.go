package install

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// fyneApp is the part of FyneApp.toml that describes the launcher entry.
type fyneApp struct {
	Details struct {
		Icon, Name, ID, Version string
		Build                   int
	}
	LinuxAndBSD struct {
		GenericName, Comment string
		Categories, Keywords []string
	}
}

func readFyneApp(t *testing.T) fyneApp {
	t.Helper()
	var f fyneApp
	md, err := toml.Decode(string(readRepoFile(t, "FyneApp.toml")), &f)
	if err != nil {
		t.Fatalf("FyneApp.toml: %v", err)
	}
	if !md.IsDefined("LinuxAndBSD") {
		t.Fatal("FyneApp.toml has no [LinuxAndBSD] section")
	}
	return f
}

func TestDesktopEntryAgreesWithFyneApp(t *testing.T) {
	t.Parallel()
	f := readFyneApp(t)
	e := parseEntry(t, readRepoFile(t, desktopSource))
	list := func(items []string) string { return strings.Join(items, ";") + ";" }

	if f.Details.ID != appID {
		t.Errorf("FyneApp.toml ID = %q, the entry is named %s.desktop", f.Details.ID, appID)
	}
	want := map[string]string{
		// What `fyne package -os linux` writes from FyneApp.toml.
		"Name":           f.Details.Name,
		"GenericName":    f.LinuxAndBSD.GenericName,
		"Comment":        f.LinuxAndBSD.Comment,
		"Categories":     list(f.LinuxAndBSD.Categories),
		"Keywords":       list(f.LinuxAndBSD.Keywords),
		"StartupWMClass": f.Details.Name, // GLFW's X11 class is the window title
		// What install.sh rewrites, and the icon name the login item uses.
		"Exec":    "quiver",
		"TryExec": "quiver",
		"Icon":    iconName,
		// A tray app: no terminal, no busy cursor waiting for a window.
		"Type":          "Application",
		"Terminal":      "false",
		"StartupNotify": "false",
	}
	for key, v := range want {
		if got, ok := e.values[key]; !ok || got != v {
			t.Errorf("%s: %s=%q, want %q", desktopSource, key, got, v)
		}
	}
	if f.Details.Icon != "icons/"+iconName+".png" {
		t.Errorf("FyneApp.toml Icon = %q, want the icon installed: icons/%s.png", f.Details.Icon, iconName)
	}
	validateEntry(t, filepath.Join(repoRoot(t), desktopSource))
}

func TestIconsFitTheHicolorTheme(t *testing.T) {
	t.Parallel()
	img, err := png.Decode(bytes.NewReader(readRepoFile(t, "icons/"+iconName+".png")))
	if err != nil {
		t.Fatalf("icons/%s.png: %v", iconName, err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("icons/%s.png is %dx%d; it is installed as hicolor/256x256", iconName, b.Dx(), b.Dy())
	}

	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(readRepoFile(t, "icons/"+iconName+".svg"), &svg); err != nil {
		t.Fatalf("icons/%s.svg: %v", iconName, err)
	}
	if svg.XMLName.Local != "svg" || svg.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("icons/%s.svg root is %v, want an SVG element", iconName, svg.XMLName)
	}
	if f := strings.Fields(svg.ViewBox); len(f) != 4 || f[2] != f[3] {
		t.Errorf("icons/%s.svg viewBox %q is not square", iconName, svg.ViewBox)
	}
}
