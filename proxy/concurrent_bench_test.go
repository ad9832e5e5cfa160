package proxy_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// BenchmarkConcurrent64 runs 64 clients at once, first straight to the fake
// backend and then through the proxy, and reports the latency each adds at
// p50 and p99, time to first SSE byte, and requests/s with their ratio.
//
// Two upstreams: "instant" answers as fast as the machine can (the proxy
// then competes with client and backend for the same 2 cores, so the
// req/s ratio shows its CPU cost), and "realistic" spaces SSE events 2 ms
// apart, as a real model's stream is far slower still (then the proxy's
// share is its added latency, and throughput is the upstream's).
func BenchmarkConcurrent64(b *testing.B) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
	}{{"instant", 0}, {"realistic", 2 * time.Millisecond}} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, 3)
			e.backend.SetDelay(tc.delay)
			direct := func() *http.Request { return e.directRequest("acct-a") }
			proxied := func() *http.Request {
				return e.request(context.Background(), "POST", "/backend-api/codex/responses", codexBody)
			}
			const clients = 64
			perClient := max(b.N/clients, 4)
			run := func(c *http.Client, req func() *http.Request) (total, first []time.Duration, rps float64) {
				var mu sync.Mutex
				var wg sync.WaitGroup
				start := time.Now()
				for range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range perClient {
							tm := timeRequest(b, c, req())
							mu.Lock()
							total, first = append(total, tm.total), append(first, tm.firstByte)
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				return total, first, float64(len(total)) / time.Since(start).Seconds()
			}
			tune := func(c *http.Client) {
				if t, ok := c.Transport.(*http.Transport); ok {
					t.MaxIdleConnsPerHost = clients
				}
			}
			tune(e.direct)
			tune(e.client)
			run(e.direct, direct) // warm both paths' connections
			run(e.client, proxied)
			b.ResetTimer()
			dTotal, dFirst, dRPS := run(e.direct, direct)
			pTotal, pFirst, pRPS := run(e.client, proxied)
			b.StopTimer()
			added := func(p float64, a, c []time.Duration) float64 {
				return float64((percentile(c, p) - percentile(a, p)).Microseconds()) / 1000
			}
			b.ReportMetric(added(.5, dTotal, pTotal), "added-p50-ms")
			b.ReportMetric(added(.99, dTotal, pTotal), "added-p99-ms")
			b.ReportMetric(added(.5, dFirst, pFirst), "added-ttfb-p50-ms")
			b.ReportMetric(dRPS, "direct-req/s")
			b.ReportMetric(pRPS, "proxy-req/s")
			b.ReportMetric(pRPS/dRPS, "req/s-ratio")
		})
	}
}
