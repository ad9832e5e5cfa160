package window

import (
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/quiver-app/quiver/app"
)

// The model map editor saves through the app (settings.json), shows what
// is saved, and refuses a map the proxy could not use.
func TestSettingsModelMapEditor(t *testing.T) {
	h := newHarness(t)
	u := h.open()
	s := u.settings

	test.Type(s.modelMap, "gpt-5.2-codex = gpt-5.3-codex\nfast -> gpt-5.3-codex-low")
	s.applyModelMap()
	want := map[string]string{"gpt-5.2-codex": "gpt-5.3-codex", "fast": "gpt-5.3-codex-low"}
	h.settle(func() bool { return maps.Equal(h.app.Settings().ModelMap, want) })
	onDisk, err := app.LoadSettings(h.app.Paths().SettingsFile(), time.Now())
	if err != nil || !maps.Equal(onDisk.ModelMap, want) {
		t.Fatalf("settings.json holds %v, %v", onDisk.ModelMap, err)
	}

	fresh := newSettingsView(u)
	fresh.show(h.app.State())
	if fresh.modelMap.Text != "fast = gpt-5.3-codex-low\ngpt-5.2-codex = gpt-5.3-codex\n" {
		t.Errorf("a fresh view shows %q", fresh.modelMap.Text)
	}

	// A chain is refused and nothing is saved.
	before, _ := os.ReadFile(h.app.Paths().SettingsFile())
	s.modelMap.SetText("a = b\nb = c")
	s.applyModelMap()
	after, _ := os.ReadFile(h.app.Paths().SettingsFile())
	if string(before) != string(after) || !maps.Equal(h.app.Settings().ModelMap, want) {
		t.Error("a chained map was saved")
	}

	// Clearing the editor removes the map.
	s.modelMap.SetText("")
	s.applyModelMap()
	h.settle(func() bool { return h.app.Settings().ModelMap == nil })
	if data, _ := os.ReadFile(h.app.Paths().SettingsFile()); strings.Contains(string(data), "model_map") {
		t.Errorf("settings.json still has a model map: %s", data)
	}
}
