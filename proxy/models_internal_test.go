package proxy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseModels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    []Model // nil: an error
		wantErr string
	}{
		{name: "real shape with unknown fields",
			body: `{"models":[{"slug":"gpt-5.3-codex","display_name":"GPT-5.3-Codex","supported_reasoning_levels":[{"effort":"low","description":"x"},{"effort":"xhigh"}],"default_reasoning_level":"medium","visibility":"list","priority":1,"truncation_policy":{"mode":"tokens"}}],"etag":"x"}`,
			want: []Model{{Slug: "gpt-5.3-codex", Efforts: []string{"low", "xhigh"}}}},
		{name: "hidden, no visibility, efforts as strings, duplicates",
			body: `{"models":[{"slug":"a","visibility":"hide"},{"slug":"b","supported_reasoning_levels":["high","high"]},{"slug":"a"}]}`,
			want: []Model{{Slug: "a", Hidden: true}, {Slug: "b", Efforts: []string{"high"}}}},
		{name: "unreadable entries are skipped",
			body: `{"models":[42,{"slug":""},{"slug":"has space"},{"slug":7},{"slug":"ok","supported_reasoning_levels":[{"effort":5},"low"]}]}`,
			want: []Model{{Slug: "ok", Efforts: []string{"low"}}}},
		{name: "not JSON", body: `<html>Just a moment...</html>`, wantErr: "not JSON"},
		{name: "models not a list", body: `{"models":{"slug":"x"}}`, wantErr: "not JSON"},
		{name: "no models field", body: `{"data":[]}`, wantErr: "no usable model"},
		{name: "empty list", body: `{"models":[]}`, wantErr: "no usable model"},
		{name: "nothing usable", body: `{"models":[{"name":"x"}]}`, wantErr: "no usable model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseModels([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one with %q (models %v)", err, tt.wantErr, got)
				}
				return
			}
			if err != nil || !slices.EqualFunc(got, tt.want, func(a, b Model) bool {
				return a.Slug == b.Slug && a.Hidden == b.Hidden && slices.Equal(a.Efforts, b.Efforts)
			}) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// scriptedFetch answers a catalog's fetches from a queue and counts them.
type scriptedFetch struct {
	mu      sync.Mutex
	answers []fetchAnswer
	calls   int
}

type fetchAnswer struct {
	models []Model
	err    error
}

func (f *scriptedFetch) push(models []Model, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, fetchAnswer{models, err})
}

func (f *scriptedFetch) fetch(context.Context) ([]Model, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if len(f.answers) == 0 {
		return nil, errors.New("no scripted answer")
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	return a.models, a.err
}

func (f *scriptedFetch) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestCatalog(f *scriptedFetch, clock *testClock, logs *lockedBuffer) *modelCatalog {
	return &modelCatalog{
		fetch: f.fetch, builtin: []Model{{Slug: "builtin"}}, ttl: time.Hour, retry: 5 * time.Minute,
		now: clock.Now, log: slog.New(slog.NewTextHandler(logs, nil)),
	}
}

// settle waits until no fetch runs.
func (c *modelCatalog) settle(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	done := c.fetching
	c.mu.Unlock()
	if done != nil {
		<-done
	}
}

func slugs(models []Model) string {
	var s []string
	for _, m := range models {
		s = append(s, m.Slug)
	}
	return strings.Join(s, ",")
}

func TestModelCatalogCachesAndRefreshesInBackground(t *testing.T) {
	t.Parallel()
	f, clock, logs := &scriptedFetch{}, &testClock{now: time.Unix(1e9, 0)}, &lockedBuffer{}
	c := newTestCatalog(f, clock, logs)
	ctx := context.Background()
	check := func(step, want string, wantUpstream bool, wantCalls int) {
		t.Helper()
		got, up := c.list(ctx)
		if slugs(got) != want || up != wantUpstream {
			t.Errorf("%s: list = %s (upstream %v), want %s (%v)", step, slugs(got), up, want, wantUpstream)
		}
		c.settle(t)
		if n := f.count(); n != wantCalls {
			t.Errorf("%s: %d fetches, want %d", step, n, wantCalls)
		}
	}

	f.push([]Model{{Slug: "first"}}, nil)
	check("first use waits for the fetch", "first", true, 1)
	clock.advance(59 * time.Minute)
	check("within the TTL: cached", "first", true, 1)

	clock.advance(2 * time.Minute)
	f.push([]Model{{Slug: "second"}}, nil)
	check("TTL over: the stale list is served while it refreshes", "first", true, 2)
	check("the refreshed list", "second", true, 2)

	clock.advance(2 * time.Hour)
	f.push(nil, errors.New("HTTP 502"))
	check("a failed refresh starts in the background", "second", true, 3)
	check("the cached list is kept after it", "second", true, 3)
	clock.advance(4 * time.Minute)
	check("no new fetch before the retry delay", "second", true, 3)
	clock.advance(2 * time.Minute)
	f.push(nil, errors.New("HTTP 502"))
	check("retried after the delay", "second", true, 4)
	if n := strings.Count(logs.String(), "model list is unavailable"); n != 1 {
		t.Errorf("the same failure was logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "serves the list fetched at") {
		t.Errorf("the log does not say the cached list is served:\n%s", logs.String())
	}
}

func TestModelCatalogFallsBackToBuiltin(t *testing.T) {
	t.Parallel()
	f, clock, logs := &scriptedFetch{}, &testClock{now: time.Unix(1e9, 0)}, &lockedBuffer{}
	c := newTestCatalog(f, clock, logs)
	ctx := context.Background()

	f.push(nil, errors.New("the models answer is not JSON"))
	if got, up := c.list(ctx); slugs(got) != "builtin" || up {
		t.Fatalf("list = %s (upstream %v), want the built-in list", slugs(got), up)
	}
	if got, _ := c.list(ctx); slugs(got) != "builtin" || f.count() != 1 {
		t.Errorf("within the retry delay: list %s after %d fetches, want builtin after 1", slugs(got), f.count())
	}
	clock.advance(6 * time.Minute)
	f.push(nil, errors.New("HTTP 500"))
	c.list(ctx)
	clock.advance(6 * time.Minute)
	f.push([]Model{{Slug: "late"}}, nil)
	if got, up := c.list(ctx); slugs(got) != "late" || !up || f.count() != 3 {
		t.Errorf("after the backend recovered: list %s (upstream %v) after %d fetches", slugs(got), up, f.count())
	}
	out := logs.String()
	if strings.Count(out, "model list is unavailable") != 2 || !strings.Contains(out, "serves the built-in list") ||
		!strings.Contains(out, "model list fetched from the backend") {
		t.Errorf("log:\n%s", out)
	}
}

func TestModelCatalogSharesOneFetch(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls int
	var mu sync.Mutex
	c := &modelCatalog{
		fetch: func(ctx context.Context) ([]Model, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			<-release
			return []Model{{Slug: "x"}}, nil
		},
		builtin: []Model{{Slug: "builtin"}}, ttl: time.Hour, retry: time.Minute, now: time.Now,
		log: slog.New(slog.DiscardHandler),
	}
	var wg sync.WaitGroup
	results := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, _ := c.list(context.Background())
			results <- slugs(got)
		}()
	}
	// Every caller is waiting on the one fetch; then it answers.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("no fetch started")
		}
		c.mu.Lock()
		running := c.fetching != nil
		c.mu.Unlock()
		if running {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(results)
	for r := range results {
		if r != "x" {
			t.Errorf("a caller got %q", r)
		}
	}
	if calls != 1 {
		t.Errorf("%d fetches for 8 concurrent first uses, want 1", calls)
	}
}
