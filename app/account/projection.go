package account

import (
	"time"
)

// projectionSpan is how far back the usage rate is measured.
const projectionSpan = time.Hour

// ProjectLimit estimates when a window reaches 100% at the pace of the
// recent samples ("at this rate you hit the limit at 16:40"). pick selects
// the window's figure from a sample (FiveHour or Weekly). It reports false
// when there is no rising trend, too little history in the current window,
// or the limit would come only after the window resets anyway.
func ProjectLimit(history []Sample, pick func(Sample) float64, w Window, now time.Time) (time.Time, bool) {
	if w.UsedPercent >= 100 {
		return time.Time{}, false
	}
	windowStart := time.Time{}
	if !w.ResetAt.IsZero() && w.Seconds > 0 {
		windowStart = w.ResetAt.Add(-time.Duration(w.Seconds) * time.Second)
	}
	from := now.Add(-projectionSpan)
	if windowStart.After(from) {
		from = windowStart // a reset in between: the old window's use says nothing
	}
	var first *Sample
	for i := range history {
		if !history[i].At.Before(from) && !history[i].At.After(now) {
			first = &history[i]
			break
		}
	}
	if first == nil {
		return time.Time{}, false
	}
	elapsed := now.Sub(first.At)
	rise := w.UsedPercent - pick(*first)
	if elapsed < 10*time.Minute || rise <= 0 {
		return time.Time{}, false
	}
	perSecond := rise / elapsed.Seconds()
	at := now.Add(time.Duration((100 - w.UsedPercent) / perSecond * float64(time.Second)))
	if !w.ResetAt.IsZero() && !at.Before(w.ResetAt) {
		return time.Time{}, false
	}
	return at, true
}

// FiveHourOf and WeeklyOf pick a window's figure from a history sample.
func FiveHourOf(s Sample) float64 { return s.FiveHour }

// WeeklyOf picks the weekly figure of a sample.
func WeeklyOf(s Sample) float64 { return s.Weekly }
