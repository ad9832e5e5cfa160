package window

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"

	"github.com/quiver-app/quiver/app/account"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

// TestScreenshots renders the main views with Fyne's software test driver
// into $QUIVER_SCREENSHOTS_DIR (docs/window holds the committed ones):
//
//	QUIVER_SCREENSHOTS_DIR=$PWD/docs/window go test -run Screenshots ./app/window
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("QUIVER_SCREENSHOTS_DIR")
	if dir == "" {
		t.Skip("set QUIVER_SCREENSHOTS_DIR to render the docs screenshots")
	}
	now := time.Now().Truncate(time.Minute)
	h := newHarnessAt(t, now)
	shot := func(name string) {
		t.Helper()
		img := h.win.Canvas().Capture()
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}

	h.fa.Settings().SetTheme(theme.DefaultTheme())
	u := h.open()
	h.win.Resize(fyne.NewSize(1100, 860))
	shot("welcome")

	ctx := context.Background()
	seed := []struct {
		who            codextest.Identity
		alias          string
		five, week     float64
		tags           []string
		notes          string
		needs, disable bool
	}{
		{codextest.Identity{Email: "ada@work.example", AccountID: "ws-1", UserID: "u1", Plan: "pro"}, "work", 42, 18, []string{"team"}, "company seat", false, false},
		{codextest.Identity{Email: "ada.l@mail.example", AccountID: "ws-2", UserID: "u2"}, "personal", 8, 61, nil, "", false, false},
		{codextest.Identity{Email: "ada+lab@work.example", AccountID: "ws-3", UserID: "u3"}, "lab", 87, 35, []string{"team", "eu"}, "", false, false},
		{codextest.Identity{Email: "spare@mail.example", AccountID: "ws-4", UserID: "u4"}, "spare", 100, 74, nil, "", false, false},
		{codextest.Identity{Email: "old@work.example", AccountID: "ws-5", UserID: "u5", Plan: "team"}, "old-team", 0, 0, nil, "", true, false},
		{codextest.Identity{Email: "family@mail.example", AccountID: "ws-6", UserID: "u6"}, "family", 12, 5, nil, "", false, true},
	}
	// A week of history for the first account, oldest first.
	first := h.login(seed[0].who).ID
	for i := 7 * 24; i > 0; i -= 2 {
		at := now.Add(-time.Duration(i) * time.Hour)
		five := float64((i*37)%90) + 5
		week := 60 - float64(i)*0.3
		u := account.Usage{FetchedAt: at, Windows: []account.Window{
			{Kind: "5h", Seconds: 18000, UsedPercent: five, ResetAt: at.Add(3 * time.Hour)},
			{Kind: "weekly", Seconds: 604800, UsedPercent: week, ResetAt: now.Add(50 * time.Hour)},
		}}
		h.app.Store().RecordUsage(ctx, first, u)
	}
	for _, s := range seed {
		acc := h.signIn(s.who, s.five, s.week)
		if _, err := h.app.Rename(ctx, acc.ID, s.alias); err != nil {
			t.Fatal(err)
		}
		h.app.SetTagsAndNotes(ctx, acc.ID, s.tags, s.notes)
		if s.needs {
			h.app.Store().MarkNeedsLogin(ctx, acc.ID, "the refresh token was used twice (refresh_token_reused)")
		}
		if s.disable {
			h.app.SetDisabled(ctx, acc.ID, true)
		}
		if s.five >= 100 {
			h.app.Store().SetCooldown(ctx, acc.ID, now.Add(2*time.Hour+14*time.Minute))
		}
	}
	if _, err := h.app.Switch(ctx, first); err != nil {
		t.Fatal(err)
	}
	h.sync()
	u.list.Select(0)
	h.settle(func() bool { return len(u.details.spark.series) == 2 && len(u.details.spark.series[0]) > 10 })
	shot("accounts")

	u.search.SetText("team")
	shot("search")
	u.search.SetText("")

	p, err := h.app.PreviewOpenCodeExport(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	v := newExportView(u, p, "~/.local/share/opencode/auth.json")
	d := dialog.NewCustom("Export "+p.Label+" to OpenCode", "Close", v.root, h.win)
	d.Resize(fyne.NewSize(640, 600))
	d.Show()
	shot("export")
	d.Hide()

	u.tabs.SelectIndex(1)
	u.settings.keyValue = "qvr_" + "k3yPreviewOnlyXXXXXXXXXXXXXXXXXXXXXXXXX9f2a"
	u.settings.showKeyValue()
	shot("settings")

	log := "time=" + now.Add(-3*time.Minute).Format(time.RFC3339) + " level=INFO msg=\"imported new account\" account=work id=4f2a9c1e7b3d plan=pro\n" +
		"time=" + now.Add(-2*time.Minute).Format(time.RFC3339) + " level=INFO msg=\"switched auth.json to account\" account=work id=4f2a9c1e7b3d\n" +
		"time=" + now.Add(-90*time.Second).Format(time.RFC3339) + " level=WARN msg=\"proxy rotated: account limited\" from=spare to=work resets_in=2h14m\n" +
		"time=" + now.Add(-time.Minute).Format(time.RFC3339) + " level=WARN msg=\"exported account to OpenCode\" id=4f2a9c1e7b3d account=work\n" +
		"time=" + now.Format(time.RFC3339) + " level=ERROR msg=\"refreshing tokens\" account=old-team err=\"refresh_token_reused\"\n"
	os.WriteFile(h.app.Paths().LogFile(), []byte(log), 0o600)
	u.tabs.SelectIndex(2)
	h.settle(func() bool { return len(u.logs.lines) > 0 })
	shot("log")
}
