package window

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/account"
)

// usage builds figures with the given 5h and weekly use, resetting in
// fiveReset and weekReset.
func usage(five, week float64, fiveReset, weekReset time.Duration) *account.Usage {
	return &account.Usage{Windows: []account.Window{
		{Kind: "5h", Seconds: 18000, UsedPercent: five, ResetAt: fixedNow.Add(fiveReset)},
		{Kind: "weekly", Seconds: 604800, UsedPercent: week, ResetAt: fixedNow.Add(weekReset)},
	}}
}

func sampleAccounts() []account.Account {
	return []account.Account{
		{ID: "1", Alias: "work", Email: "w@corp.example", Tags: []string{"team", "eu"}, Usage: usage(42, 10, 2*time.Hour, 72*time.Hour), TokenExpiry: fixedNow.Add(6 * 24 * time.Hour)},
		{ID: "2", Alias: "Home", Email: "me@mail.example", Notes: "family plan", Usage: usage(5, 70, 4*time.Hour, 24*time.Hour), TokenExpiry: fixedNow.Add(2 * 24 * time.Hour)},
		{ID: "3", Alias: "spare", Email: "spare@mail.example", Usage: usage(100, 100, 30*time.Minute, 5*24*time.Hour), CooldownUntil: fixedNow.Add(30 * time.Minute)},
		{ID: "4", Alias: "old", Email: "old@corp.example", NeedsLogin: true},
	}
}

func ids(accs []account.Account) []string {
	out := make([]string, len(accs))
	for i, a := range accs {
		out[i] = a.Alias
	}
	return out
}

func TestMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"work", "Home", "spare", "old"}},
		{"  ", []string{"work", "Home", "spare", "old"}},
		{"WORK", []string{"work"}},        // alias, any case
		{"corp", []string{"work", "old"}}, // email
		{"team", []string{"work"}},        // tag
		{"family", []string{"Home"}},      // notes
		{"mail spare", []string{"spare"}}, // every term must match
		{"nobody", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, a := range sampleAccounts() {
			if Matches(a, tt.query) {
				got = append(got, a.Alias)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Matches(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestSortAccounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  SortKey
		want []string
	}{
		// Usable first by fullest window, then the limited and needs-login
		// ones (alias order among equals).
		{ByRemaining, []string{"work", "Home", "old", "spare"}},
		{ByReset, []string{"spare", "work", "Home", "old"}},
		{ByExpiry, []string{"Home", "work", "old", "spare"}},
		{ByAlias, []string{"Home", "old", "spare", "work"}},
	}
	for _, tt := range tests {
		accs := sampleAccounts()
		SortAccounts(accs, tt.key, fixedNow)
		if got := ids(accs); !slices.Equal(got, tt.want) {
			t.Errorf("sort %d = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestBars(t *testing.T) {
	t.Parallel()
	b := Bars(usage(85, 100, time.Hour, 24*time.Hour), fixedNow, 80)
	if b[0].Level != LevelWarn || b[1].Level != LevelFull || b[0].Fraction != 0.85 {
		t.Errorf("levels: %+v", b)
	}
	if b[0].Text != "5h 85% · resets 13:00 (in 1h)" {
		t.Errorf("text %q", b[0].Text)
	}
	free := &account.Usage{Windows: []account.Window{{Kind: "30d", Seconds: 2592000, UsedPercent: 12}}}
	b = Bars(free, fixedNow, 80)
	if b[0].Text != "5h —" || b[0].Level != LevelUnknown || b[1].Text != "30d 12%" {
		t.Errorf("free plan: %+v", b)
	}
	if b := Bars(nil, fixedNow, 80); b[0].Level != LevelUnknown || b[1].Text != "week —" {
		t.Errorf("no figures: %+v", b)
	}
}

func TestRows(t *testing.T) {
	t.Parallel()
	st := app.State{
		Accounts:    account.Snapshot{Accounts: sampleAccounts(), ActiveID: "2"},
		Settings:    app.DefaultSettings(),
		Recommended: "1",
	}
	rows := Rows(st, "mail", ByAlias, fixedNow)
	if len(rows) != 2 || rows[0].Alias != "Home" || !rows[0].Active || rows[0].Recommended {
		t.Fatalf("rows = %+v", rows)
	}
	if rows[0].Detail != "me@mail.example" || rows[1].StateText != "limited" {
		t.Errorf("rows = %+v", rows)
	}
	all := Rows(st, "", ByRemaining, fixedNow)
	if !all[0].Recommended || all[0].ID != "1" || all[0].StateText != "ready" {
		t.Errorf("first row %+v", all[0])
	}
}

// TestRowsManyAccounts builds the list of 200 accounts (the window keeps it
// in a virtualised widget.List; this is the part that scales with n).
func TestRowsManyAccounts(t *testing.T) {
	t.Parallel()
	st := app.State{Settings: app.DefaultSettings()}
	for i := range 200 {
		st.Accounts.Accounts = append(st.Accounts.Accounts, account.Account{
			ID: fmt.Sprint(i), Alias: fmt.Sprintf("acct-%03d", i), Tags: []string{fmt.Sprintf("group-%d", i%10)},
			Usage: usage(float64(i%100), float64(i%50), time.Hour, 48*time.Hour),
		})
	}
	if rows := Rows(st, "group-3", ByRemaining, fixedNow); len(rows) != 20 || rows[0].Alias != "acct-003" {
		t.Errorf("got %d rows, first %q", len(rows), rows[0].Alias)
	}
	if rows := Rows(st, "", ByAlias, fixedNow); len(rows) != 200 || rows[199].Alias != "acct-199" {
		t.Errorf("got %d rows", len(rows))
	}
}

func TestSparklinePoints(t *testing.T) {
	t.Parallel()
	span := 4 * time.Hour
	samples := []account.Sample{
		{At: fixedNow.Add(-5 * time.Hour), FiveHour: 50}, // before the span
		{At: fixedNow.Add(-4 * time.Hour), FiveHour: 0},  // its start
		{At: fixedNow.Add(-time.Hour), FiveHour: 150},    // clamped
		{At: fixedNow, FiveHour: 25, Weekly: 40},         // now
		{At: fixedNow.Add(time.Minute), FiveHour: 10},    // the future: a clock jump
	}
	got := SparklinePoints(samples, fixedNow, span, FiveHourUse)
	want := []Point{{0, 0}, {0.75, 1}, {1, 0.25}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if w := SparklinePoints(samples, fixedNow, span, WeeklyUse); w[2].Y != 0.4 {
		t.Errorf("weekly series %v", w)
	}
	if SparklinePoints(nil, fixedNow, span, FiveHourUse) != nil {
		t.Error("points from no samples")
	}
}
