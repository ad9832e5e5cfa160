package window

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

func rowAliases(u *ui) []string {
	out := make([]string, len(u.rows))
	for i, r := range u.rows {
		out[i] = r.Alias
	}
	return out
}

func TestWelcomeWithoutAccounts(t *testing.T) {
	h := newHarness(t)
	u := h.open()
	if !u.welcome.Visible() || u.accountsPane.Visible() {
		t.Fatal("no welcome on a first run")
	}
	h.signIn(alice, 10, 10)
	h.sync()
	if u.welcome.Visible() || !u.accountsPane.Visible() {
		t.Error("the welcome stays after an account was added")
	}
}

func TestListSearchAndSort(t *testing.T) {
	h := newHarness(t)
	a := h.signIn(alice, 42, 10)
	b := h.signIn(bob, 5, 70)
	c := h.signIn(carol, 90, 95)
	ctx := context.Background()
	if err := h.app.SetTagsAndNotes(ctx, b.ID, []string{"team"}, "shared with the team"); err != nil {
		t.Fatal(err)
	}
	u := h.open()
	h.sync()
	if u.list.Length() != 3 {
		t.Fatalf("list shows %d rows", u.list.Length())
	}
	// Default order: most quota left first (the fullest window decides).
	if got, want := rowAliases(u), []string{"alice", "bob", "carol"}; !slices.Equal(got, want) {
		t.Errorf("remaining order %q, want %q", got, want)
	}
	if !u.rows[0].Recommended || u.rows[0].ID != a.ID || u.rows[2].Recommended {
		t.Errorf("recommended badge on the wrong row: %+v", u.rows)
	}
	if u.rows[2].Bars[0].Text != "5h 90% · resets 14:14 (in 2h 14m)" || u.rows[2].StateText != "running low" {
		t.Errorf("carol's row: %+v", u.rows[2])
	}

	test.Type(u.search, "TEAM")
	if got := rowAliases(u); !slices.Equal(got, []string{"bob"}) || u.list.Length() != 1 {
		t.Errorf("search by tag: %q", got)
	}
	u.search.SetText("example.com")
	if u.list.Length() != 3 {
		t.Errorf("search by email: %d rows", u.list.Length())
	}
	u.search.SetText("nobody")
	if u.list.Length() != 0 {
		t.Errorf("search with no match: %d rows", u.list.Length())
	}
	u.search.SetText("")

	u.sortSel.SetSelected("Alias")
	if got := rowAliases(u); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("alias order %q", got)
	}
	if err := h.app.SetDisabled(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	h.sync()
	u.sortSel.SetSelected("Remaining quota")
	if got := rowAliases(u); !slices.Equal(got, []string{"bob", "carol", "alice"}) {
		t.Errorf("a disabled account should sort last: %q", got)
	}

	// The selection follows the account when the rows move.
	u.list.Select(1)
	if u.selected != c.ID || u.details.title.Text != "carol" {
		t.Fatalf("selected %q, details %q", u.selected, u.details.title.Text)
	}
	u.sortSel.SetSelected("Alias")
	if u.selected != c.ID || u.details.title.Text != "carol" {
		t.Errorf("selection lost on re-sort: %q", u.selected)
	}
}

func TestManyAccountsInTheList(t *testing.T) {
	h := newHarness(t)
	u := h.open()
	st := h.app.State()
	for i := range 200 {
		st.Accounts.Accounts = append(st.Accounts.Accounts, account.Account{
			ID: "id" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Alias: "acct" + strings.Repeat("x", i),
			Usage: usage(float64(i%100), 20, time.Hour, 48*time.Hour),
		})
	}
	u.setState(st)
	if u.list.Length() != 200 {
		t.Fatalf("%d rows", u.list.Length())
	}
	u.list.ScrollToBottom()
	u.list.ScrollToTop()
}

func TestDetailsShowAccount(t *testing.T) {
	h := newHarness(t)
	a := h.signIn(alice, 42, 10)
	ctx := context.Background()
	if err := h.app.SetTagsAndNotes(ctx, a.ID, []string{"team", "eu"}, "seat 4"); err != nil {
		t.Fatal(err)
	}
	u := h.open()
	h.sync()
	u.list.Select(0)
	d := u.details
	if d.tags.Text != "team, eu" || d.notes.Text != "seat 4" {
		t.Errorf("tags %q notes %q", d.tags.Text, d.notes.Text)
	}
	if !strings.Contains(d.subtitle.Text, "ChatGPT account ws-alice") || !strings.Contains(d.expiry.Text, "Access token expires") {
		t.Errorf("subtitle %q expiry %q", d.subtitle.Text, d.expiry.Text)
	}
	if slices.Contains(d.actions.Objects, fyne.CanvasObject(d.relogin)) || slices.Contains(d.actions.Objects, fyne.CanvasObject(d.takeBack)) {
		t.Error("re-login or take-back offered for a healthy account")
	}
	h.settle(func() bool { return len(d.spark.series) == 2 && len(d.spark.series[0]) == 1 })

	// Editing tags and notes saves them.
	d.tags.SetText("team, personal")
	d.notes.SetText("new note")
	test.Tap(d.saveNotes)
	h.settle(func() bool { return strings.HasSuffix(u.status.Text, ": done") })
	got, _ := h.app.Store().Resolve(a.ID)
	if !slices.Equal(got.Tags, []string{"team", "personal"}) || got.Notes != "new note" {
		t.Errorf("saved tags %q notes %q", got.Tags, got.Notes)
	}

	// An account that needs a login offers it.
	if err := h.app.Store().MarkNeedsLogin(ctx, a.ID, "refresh token reused"); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if !slices.Contains(d.actions.Objects, fyne.CanvasObject(d.relogin)) || !d.refreshTokens.Disabled() || !strings.Contains(d.lastError.Text, "refresh token reused") {
		t.Errorf("needs-login: relogin %v, error %q", d.relogin.Visible(), d.lastError.Text)
	}
}

func TestExportDialog(t *testing.T) {
	tests := []struct {
		name   string
		plant  func(h *harness) string // returns the account id
		wantID string                  // "" = no accountId
	}{
		{"ChatGPT account id known", func(h *harness) string { return h.signIn(alice, 1, 1).ID }, "ws-alice"},
		{"ChatGPT account id unknown", func(h *harness) string { a, _ := h.plantWithoutWorkspace(); return a.ID }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			id := tt.plant(h)
			u := h.open()
			h.sync()
			ctx := context.Background()
			sec, err := h.app.Store().Tokens(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			p, err := h.app.PreviewOpenCodeExport(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "opencode", "auth.json")
			v := newExportView(u, p, path)

			// Truncated previews, never the tokens.
			if v.access.Text == "" || len([]rune(v.access.Text)) > 11 || !strings.HasPrefix(sec.Access, strings.Split(v.access.Text, "…")[0]) {
				t.Errorf("access preview %q", v.access.Text)
			}
			if len([]rune(v.refresh.Text)) > 11 || strings.Contains(v.refresh.Text, sec.Refresh) {
				t.Errorf("refresh preview %q", v.refresh.Text)
			}
			markup := test.RenderObjectToMarkup(v.root)
			for _, tok := range []string{sec.Access, sec.Refresh, sec.Refresh[:12], sec.Access[:20]} {
				if strings.Contains(markup, tok) {
					t.Fatal("the dialog shows token material")
				}
			}
			if !strings.Contains(v.warning.Text, "live credentials") || !strings.Contains(v.single.Text, "single-use") {
				t.Errorf("warning %q / %q", v.warning.Text, v.single.Text)
			}
			if tt.wantID != "" && !strings.Contains(v.idLine.Text, tt.wantID) {
				t.Errorf("id line %q", v.idLine.Text)
			}
			if tt.wantID == "" && !strings.Contains(v.idLine.Text, "left out") {
				t.Errorf("id line %q", v.idLine.Text)
			}

			// Copy, keeping the account in Quiver.
			v.choice.SetSelected(choiceKeep)
			test.Tap(v.copyBtn)
			h.settle(func() bool { return v.result.Text != "" })
			var got map[string]map[string]any
			if err := json.Unmarshal([]byte(h.fa.Clipboard().Content()), &got); err != nil {
				t.Fatalf("clipboard: %v (%s)", err, v.result.Text)
			}
			oa := got["openai"]
			accountID, has := oa["accountId"]
			if oa["type"] != "oauth" || oa["refresh"] != sec.Refresh || oa["access"] != sec.Access || has != (tt.wantID != "") || (has && accountID != tt.wantID) {
				t.Errorf("clipboard holds %v (accountId %v)", keys(oa), accountID)
			}
			if acc, _ := h.app.Store().Resolve(id); acc.Exported {
				t.Error("kept account marked exported")
			}

			// Save, handing the account over.
			v.choice.SetSelected(choiceHandOver)
			v.result.SetText("")
			test.Tap(v.saveBtn)
			h.settle(func() bool { return v.result.Text != "" })
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatalf("%v (%s)", err, v.result.Text)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("saved with mode %v", fi.Mode().Perm())
			}
			if acc, _ := h.app.Store().Resolve(id); !acc.Exported {
				t.Error("handed-over account not marked exported")
			}
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSettingsRoundTrip(t *testing.T) {
	h := newHarness(t)
	u := h.open()
	s := u.settings
	s.strategy.SetSelected(app.StrategyRoundRobin)
	s.warn.SetValue(70)
	s.warn.OnChangeEnded(70)
	s.notifications.SetChecked(false)
	s.autoSwitch.SetChecked(true)
	s.listen.SetText("127.0.0.1:9123")
	s.applyListen()
	s.chatgptURL.SetText("http://127.0.0.1:9999/backend-api")
	s.applyUpstreams()

	want := app.Settings{Strategy: app.StrategyRoundRobin, WarnPercent: 70, Notifications: false, AutoSwitch: true,
		ProxyListen: "127.0.0.1:9123", ChatGPTBaseURL: "http://127.0.0.1:9999/backend-api"}
	check := func(where string, got app.Settings) {
		t.Helper()
		if got.Strategy != want.Strategy || got.WarnPercent != want.WarnPercent || got.Notifications != want.Notifications ||
			got.AutoSwitch != want.AutoSwitch || got.ProxyListen != want.ProxyListen || got.ChatGPTBaseURL != want.ChatGPTBaseURL {
			t.Errorf("%s: %+v", where, got)
		}
	}
	check("app", h.app.Settings())
	onDisk, err := app.LoadSettings(h.app.Paths().SettingsFile(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	check("settings.json", onDisk)

	// A new window shows what was saved.
	fresh := newSettingsView(u)
	fresh.show(h.app.State())
	if fresh.strategy.Selected != app.StrategyRoundRobin || fresh.warn.Value != 70 || fresh.notifications.Checked ||
		!fresh.autoSwitch.Checked || fresh.listen.Text != "127.0.0.1:9123" || fresh.chatgptURL.Text != want.ChatGPTBaseURL {
		t.Error("a fresh settings view does not show the saved settings")
	}

	// Filling the widgets from a State saves nothing.
	before, _ := os.ReadFile(h.app.Paths().SettingsFile())
	fresh.show(h.app.State())
	after, _ := os.ReadFile(h.app.Paths().SettingsFile())
	if string(before) != string(after) {
		t.Error("showing settings rewrote them")
	}

	// Refused input changes nothing.
	s.listen.SetText("0.0.0.0:80")
	s.applyListen()
	if h.app.Settings().ProxyListen != "127.0.0.1:9123" {
		t.Error("a non-loopback address was saved")
	}
}

func TestProxyKeyShownTruncated(t *testing.T) {
	h := newHarness(t)
	u := h.open()
	u.settings.loadKey()
	h.settle(func() bool { return u.settings.keyValue != "" })
	key := u.settings.keyValue
	if strings.Contains(u.settings.key.Text, key) || u.settings.key.Text == "" {
		t.Errorf("key shown as %q", u.settings.key.Text)
	}
	test.Tap(u.settings.showKey)
	if u.settings.key.Text != key {
		t.Error("Show does not show the key")
	}
}

func TestRefreshAllStop(t *testing.T) {
	h := newHarness(t)
	h.signIn(alice, 1, 1)
	h.signIn(bob, 1, 1)
	h.signIn(carol, 1, 1)
	u := h.open()
	h.sync()
	started := make(chan string, 3)
	u.refreshOne = func(ctx context.Context, id string) error {
		started <- id
		<-ctx.Done() // a fetch that hangs until stopped
		return ctx.Err()
	}
	test.Tap(u.refreshAllBtn)
	h.settle(func() bool { return strings.HasPrefix(u.progressText.Text, "Refreshing limits 1/3") })
	if !u.stopBtn.Visible() || !u.refreshAllBtn.Disabled() || !u.progress.Visible() {
		t.Error("no progress or Stop while refreshing")
	}
	test.Tap(u.stopBtn)
	h.settle(func() bool { return strings.Contains(u.status.Text, "stopped") })
	if u.status.Text != "Refresh stopped after 0 of 3 accounts." {
		t.Errorf("status %q", u.status.Text)
	}
	if len(started) != 1 {
		t.Errorf("%d fetches started, want 1", len(started))
	}
	if u.stopBtn.Visible() || u.refreshAllBtn.Disabled() {
		t.Error("Stop still shown after the queue ended")
	}
}

func TestRefreshAllCompletes(t *testing.T) {
	h := newHarness(t)
	h.signIn(alice, 1, 1)
	b := h.signIn(bob, 1, 1)
	if err := h.app.Store().MarkNeedsLogin(context.Background(), b.ID, "x"); err != nil {
		t.Fatal(err)
	}
	u := h.open()
	h.sync()
	done := make(chan string, 3)
	u.refreshOne = func(_ context.Context, id string) error { done <- id; return nil }
	test.Tap(u.refreshAllBtn)
	h.settle(func() bool { return strings.HasPrefix(u.status.Text, "Refreshed") })
	if u.status.Text != "Refreshed the limits of 1 accounts." || len(done) != 1 {
		t.Errorf("status %q, %d fetched (needs-login skipped?)", u.status.Text, len(done))
	}
}

func TestLogTab(t *testing.T) {
	h := newHarness(t)
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJl"
	log := "time=1 level=DEBUG msg=poll\ntime=2 level=INFO msg=\"switched\" account=work\ntime=3 level=WARN msg=\"odd\" token=" + jwt + "\n"
	if err := os.WriteFile(h.app.Paths().LogFile(), []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	u := h.open()
	u.logs.reload()
	h.settle(func() bool { return len(u.logs.lines) > 0 })
	if len(u.logs.lines) != 2 || strings.Contains(strings.Join(u.logs.lines, "\n"), jwt) {
		t.Errorf("lines %q", u.logs.lines)
	}
	u.logs.level.SetSelected("WARN")
	if len(u.logs.lines) != 1 {
		t.Errorf("WARN and above: %q", u.logs.lines)
	}
}

func TestManagerShowHidesOnClose(t *testing.T) {
	h := newHarness(t)
	m := New(h.fa, h.app, nil)
	m.do = h.q.do
	m.Show()
	t.Cleanup(func() {
		m.Close()
		m.ui.bg.Wait()
	})
	h.settle(func() bool { return m.ui.settings.keyValue != "" }) // the key loaded in the background
	w := m.ui.win
	if w.Title() != "Quiver" {
		t.Errorf("title %q", w.Title())
	}
	m.Show() // raising again reuses the one window
	if m.ui.win != w {
		t.Error("a second Show made another window")
	}
}
