package proxy_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// timing is one request's latency and time to its first body byte.
type timing struct{ total, firstByte time.Duration }

func timeRequest(b *testing.B, c *http.Client, req *http.Request) timing {
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	one := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, one); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
	return timing{total: time.Since(start), firstByte: first}
}

// directRequest goes to the fake backend with an account's credentials.
func (e *env) directRequest(account string) *http.Request {
	req, _ := http.NewRequest("POST", e.backend.URL+"/codex/responses", strings.NewReader(codexBody))
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Chatgpt-Account-Id", account)
	req.Header.Set("Content-Type", "application/json")
	return req
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func sum(ds []time.Duration) (t time.Duration) {
	for _, d := range ds {
		t += d
	}
	return t
}

// reportPair reports p50/p99 of a baseline and a measured series, and
// their ratios.
func reportPair(b *testing.B, name, baseName, measuredName string, direct, proxied []time.Duration) {
	dp50, pp50 := percentile(direct, .5), percentile(proxied, .5)
	dp99, pp99 := percentile(direct, .99), percentile(proxied, .99)
	b.ReportMetric(float64(dp50.Microseconds()), name+"-"+baseName+"-p50-µs")
	b.ReportMetric(float64(pp50.Microseconds()), name+"-"+measuredName+"-p50-µs")
	b.ReportMetric(float64(dp99.Microseconds()), name+"-"+baseName+"-p99-µs")
	b.ReportMetric(float64(pp99.Microseconds()), name+"-"+measuredName+"-p99-µs")
	b.ReportMetric(float64(pp50)/float64(dp50), name+"-p50-ratio")
	b.ReportMetric(float64(pp99)/float64(dp99), name+"-p99-ratio")
}

// BenchmarkProxyOverhead alternates direct and proxied requests to the same
// fake backend and reports latency, time to first SSE byte and requests/s
// (sequential), with proxied/direct ratios.
func BenchmarkProxyOverhead(b *testing.B) {
	e := newEnv(b, 3)
	var dTotal, pTotal, dFirst, pFirst []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := timeRequest(b, e.direct, e.directRequest("acct-a"))
		p := timeRequest(b, e.client, e.request(context.Background(), "POST", "/backend-api/codex/responses", codexBody))
		dTotal, pTotal = append(dTotal, d.total), append(pTotal, p.total)
		dFirst, pFirst = append(dFirst, d.firstByte), append(pFirst, p.firstByte)
	}
	b.StopTimer()
	reportPair(b, "latency", "direct", "proxy", dTotal, pTotal)
	reportPair(b, "ttfb", "direct", "proxy", dFirst, pFirst)
	dRPS := float64(len(dTotal)) / sum(dTotal).Seconds()
	pRPS := float64(len(pTotal)) / sum(pTotal).Seconds()
	b.ReportMetric(dRPS, "direct-req/s")
	b.ReportMetric(pRPS, "proxy-req/s")
	b.ReportMetric(pRPS/dRPS, "req/s-ratio")
}

// BenchmarkFailoverOverhead compares a proxied request whose first account
// answers 429 (and fails over) with one that needs no failover.
func BenchmarkFailoverOverhead(b *testing.B) {
	e := newEnv(b, 2)
	e.backend.SetLimited("acct-a", 24*time.Hour)
	var plain, failover []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.pool.SetCooldown("q-a", time.Now().Add(time.Hour)) // the pool knows: straight to b
		plain = append(plain, timeRequest(b, e.client, e.request(context.Background(), "POST", "/backend-api/codex/responses", codexBody)).total)
		e.pool.SetCooldown("q-a", time.Time{}) // the pool forgot: a answers 429 first
		failover = append(failover, timeRequest(b, e.client, e.request(context.Background(), "POST", "/backend-api/codex/responses", codexBody)).total)
	}
	b.StopTimer()
	reportPair(b, "failover", "plain", "failover", plain, failover)
}

// BenchmarkIdleStreamMemory opens b.N streams (at most 1000: file
// descriptors) that stay open without
// traffic, first straight to the backend and then through the proxy, and
// reports the heap and stack each costs (client and backend included in
// both, so the difference is the proxy's share).
func BenchmarkIdleStreamMemory(b *testing.B) {
	e := newEnv(b, 1)
	n := min(b.N, 1000)
	measure := func(open func(ctx context.Context) *http.Response) float64 {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		before := memInUse()
		resps := make([]*http.Response, 0, n)
		for range n {
			e.backend.Next("acct-a", codextest.Script{Hang: true, FailAfter: 1})
			resp := open(ctx)
			if _, err := io.ReadFull(resp.Body, make([]byte, 1)); err != nil {
				b.Fatal(err)
			}
			resps = append(resps, resp)
		}
		after := memInUse()
		cancel()
		for _, r := range resps {
			r.Body.Close()
		}
		return float64(after-before) / float64(n)
	}
	b.ResetTimer()
	direct := measure(func(ctx context.Context) *http.Response {
		resp, err := e.direct.Do(e.directRequest("acct-a").WithContext(ctx))
		if err != nil {
			b.Fatal(err)
		}
		return resp
	})
	proxied := measure(func(ctx context.Context) *http.Response {
		resp, err := e.client.Do(e.request(ctx, "POST", "/backend-api/codex/responses", codexBody))
		if err != nil {
			b.Fatal(err)
		}
		return resp
	})
	b.StopTimer()
	b.ReportMetric(direct, "direct-B/stream")
	b.ReportMetric(proxied, "proxy-B/stream")
	b.ReportMetric(proxied-direct, "proxy-added-B/stream")
	b.ReportMetric(proxied/direct, "mem-ratio")
}

func memInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse + m.StackInuse)
}

// BenchmarkLoad is the long leak check: b.N mixed requests (a third of them
// canceled), then the goroutine count must come back to where it was.
// Run it with -benchtime 10000x.
func BenchmarkLoad(b *testing.B) {
	e := newEnv(b, 3)
	e.codex()
	e.client.CloseIdleConnections()
	e.srv.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	base := runtime.NumGoroutine()
	baseFDs := openFiles(b)
	b.ResetTimer()
	start := time.Now()
	drive(b, e, b.N)
	elapsed := time.Since(start)
	b.StopTimer()
	leaked := settle(b, e, base)
	fds := openFiles(b) - baseFDs
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(max(leaked, 0)), "goroutines-leaked")
	b.ReportMetric(float64(max(fds, 0)), "files-leaked")
	if leaked > 3 || fds > 3 {
		b.Fatalf("%d goroutines and %d open files leaked", leaked, fds)
	}
}
