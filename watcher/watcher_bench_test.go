package watcher

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkChangeToEvent measures the time from replacing the file to
// receiving its Event, debounce included: expect ns/op a little above the
// debounce.
func BenchmarkChangeToEvent(b *testing.B) {
	for _, debounce := range []time.Duration{DefaultDebounce, 10 * time.Millisecond} {
		b.Run("debounce="+debounce.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "auth.json")
			h := start(b, Options{Path: path, Debounce: debounce, Accept: acceptJSON})
			i := 0
			for b.Loop() {
				i++
				want := fmt.Sprintf(`{"n":%d}`, i)
				replace(b, path, want)
				h.expectData(want)
			}
		})
	}
}
