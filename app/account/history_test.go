package account

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestHistoryFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := "abc123abc123"
	t0 := time.Now().Add(-10 * 24 * time.Hour).UTC()
	// Ten days at one sample every three minutes: compacted as it grows.
	for i := 0; i < 10*24*60; i += 3 {
		if err := e.store.appendHistory(id, Sample{At: t0.Add(time.Duration(i) * time.Minute), FiveHour: float64(i % 100)}); err != nil {
			t.Fatal(err)
		}
		if i == 5001 { // a crash mid-line leaves a partial last line
			f, _ := os.OpenFile(e.store.historyPath(id), os.O_APPEND|os.O_WRONLY, 0o600)
			f.WriteString(`{"at":"2026-`)
			f.WriteString("\n")
			f.Close()
		}
	}
	h, err := e.store.History(id)
	if err != nil {
		t.Fatal(err)
	}
	if max := int(historyKeep/historyStep) + 1; len(h) > max || len(h) < max-2 {
		t.Fatalf("%d samples, want about %d", len(h), max)
	}
	data, _ := os.ReadFile(e.store.historyPath(id))
	if lines := strings.Count(string(data), "\n"); lines > maxHistoryLines+1 {
		t.Fatalf("history file holds %d lines: never compacted", lines)
	}
	if fi, _ := os.Stat(e.store.historyPath(id)); fi.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v", fi.Mode().Perm())
	}
}
