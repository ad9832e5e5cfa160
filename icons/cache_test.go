package icons

import (
	"bytes"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	t.Parallel()
	base := Badge{Initial: 'W', Color: AccountColor("work"), Primary: 0.421, Secondary: 0.1}
	steps := []struct {
		name        string
		b           Badge
		size        int
		wantChanged bool
	}{
		{"first call draws", base, 16, true},
		{"same badge", base, 16, false},
		{"visually identical usage", Badge{Initial: 'W', Color: AccountColor("work"), Primary: 0.423, Secondary: 0.1}, 16, false},
		{"lowercase initial draws the same", Badge{Initial: 'w', Color: AccountColor("work"), Primary: 0.421, Secondary: 0.1}, 16, false},
		{"a pixel more used", Badge{Initial: 'W', Color: AccountColor("work"), Primary: 0.5, Secondary: 0.1}, 16, true},
		{"back", base, 16, true},
		{"warn", Badge{Initial: 'W', Color: AccountColor("work"), State: Warn, Primary: 0.421, Secondary: 0.1}, 16, true},
		{"other size", Badge{Initial: 'W', Color: AccountColor("work"), State: Warn, Primary: 0.421, Secondary: 0.1}, 32, true},
		{"same again", Badge{Initial: 'W', Color: AccountColor("work"), State: Warn, Primary: 0.421, Secondary: 0.1}, 32, false},
	}
	var c Cache
	var prev []byte
	for _, st := range steps {
		got, changed := c.PNG(st.b, st.size)
		if changed != st.wantChanged {
			t.Errorf("%s: changed = %v, want %v", st.name, changed, st.wantChanged)
		}
		if want := PNG(st.b, st.size); !bytes.Equal(got, want) {
			t.Errorf("%s: cached PNG differs from PNG()", st.name)
		}
		if !changed && &got[0] != &prev[0] {
			t.Errorf("%s: unchanged, but a new slice was returned", st.name)
		}
		prev = got
	}
}

func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	var c Cache
	badges := []Badge{
		{Initial: 'A', Primary: 0.1},
		{Initial: 'B', State: Warn, Primary: 0.9},
		{State: NoAccount},
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				b := badges[(i+j)%len(badges)]
				if got := PNG(b, 22); !bytes.Equal(mustCache(&c, b), got) {
					t.Errorf("goroutine %d: cache returned another badge's PNG", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func mustCache(c *Cache, b Badge) []byte {
	png, _ := c.PNG(b, 22)
	return png
}

func BenchmarkCacheMiss(b *testing.B) {
	var c Cache
	badges := [2]Badge{{Initial: 'W', Primary: 0.42}, {Initial: 'W', Primary: 0.6}}
	for i := 0; b.Loop(); i++ {
		if _, changed := c.PNG(badges[i%2], 32); !changed {
			b.Fatal("cache hit")
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	var c Cache
	badge := Badge{Initial: 'W', Color: AccountColor("w"), Primary: 0.42, Secondary: 0.1}
	c.PNG(badge, 32)
	for b.Loop() {
		badge.Primary += 1e-9 // a new value, the same picture
		if _, changed := c.PNG(badge, 32); changed {
			b.Fatal("cache miss")
		}
	}
}
