package account

import (
	"testing"
	"time"
)

func TestProjectLimit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	five := func(pct float64, resetIn time.Duration) Window {
		return Window{Kind: "5h", Seconds: 18000, UsedPercent: pct, ResetAt: now.Add(resetIn)}
	}
	hist := func(pairs ...any) []Sample {
		var h []Sample
		for i := 0; i < len(pairs); i += 2 {
			h = append(h, Sample{At: now.Add(-pairs[i].(time.Duration)), FiveHour: pairs[i+1].(float64)})
		}
		return h
	}
	tests := []struct {
		name string
		h    []Sample
		w    Window
		want time.Duration // from now; 0 = no projection
	}{
		{"20 points in 40 min: the last 40 in 80 min", hist(40*time.Minute, 40.0, 20*time.Minute, 50.0), five(60, 4*time.Hour), 80 * time.Minute},
		{"would hit only after the reset", hist(40*time.Minute, 40.0), five(60, time.Hour), 0},
		{"flat use", hist(40*time.Minute, 60.0), five(60, 4*time.Hour), 0},
		{"too little history", hist(5*time.Minute, 55.0), five(60, 4*time.Hour), 0},
		{"samples before the window's start are ignored", hist(50*time.Minute, 10.0), five(60, 4*time.Hour+30*time.Minute+15*time.Minute), 0},
		{"already limited", hist(40*time.Minute, 40.0), five(100, 4*time.Hour), 0},
		{"no history", nil, five(60, 4*time.Hour), 0},
	}
	for _, tt := range tests {
		at, ok := ProjectLimit(tt.h, FiveHourOf, tt.w, now)
		switch {
		case tt.want == 0 && ok:
			t.Errorf("%s: projected %v, want none", tt.name, at.Sub(now))
		case tt.want != 0 && (!ok || at.Sub(now).Round(time.Minute) != tt.want):
			t.Errorf("%s: projected %v (%v), want %v", tt.name, at.Sub(now), ok, tt.want)
		}
	}
}
