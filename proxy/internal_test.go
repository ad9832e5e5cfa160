package proxy

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestSSEReader(t *testing.T) {
	t.Parallel()
	in := "event: response.created\ndata: {\"type\":\"response.created\"}\n\n" +
		"\n\n" + // stray blank lines
		"data: {\"type\":\"response.output_text.delta\",\n" + // no event line, data over two lines
		"data: \"delta\":\"x\"}\r\n\r\n" +
		": keep-alive\n\n" +
		"event: error\ndata: {\"code\":\"server_is_overloaded\"}" // cut short by EOF
	r := newSSEReader(iotest.OneByteReader(strings.NewReader(in)))
	var names, raws []string
	for {
		ev, err := r.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, ev.name)
		raws = append(raws, string(ev.raw))
	}
	want := []string{"response.created", "response.output_text.delta", "", "error"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("names = %q, want %q", names, want)
	}
	if got := strings.Join(raws, ""); got != strings.Replace(in, "\n\n\n\n", "\n\n", 1) {
		t.Errorf("raw bytes changed:\n%q", got)
	}
}

func TestSSEReaderBoundsEvents(t *testing.T) {
	t.Parallel()
	big := io.MultiReader(strings.NewReader("data: "), io.LimitReader(neverEnding('x'), maxEventSize+10))
	if _, err := newSSEReader(big).next(); !errors.Is(err, errEventTooLarge) {
		t.Errorf("err = %v, want errEventTooLarge", err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestLimitReset(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   time.Duration
	}{
		{"resets_at", nil, `{"error":{"type":"usage_limit_reached","resets_at":1700003600}}`, time.Hour},
		{"resets_at in ms", nil, `{"error":{"resets_at":1700003600000}}`, time.Hour},
		{"resets_in_seconds", nil, `{"error":{"resets_in_seconds":120}}`, 2 * time.Minute},
		{"past resets_at falls to seconds", nil, `{"error":{"resets_at":5,"resets_in_seconds":60}}`, time.Minute},
		{"retry-after seconds", h("Retry-After", "30"), `{}`, 30 * time.Second},
		{"retry-after date", h("Retry-After", now.Add(time.Hour).UTC().Format(http.TimeFormat)), ``, time.Hour},
		{"primary full", h("X-Codex-Primary-Used-Percent", "100", "X-Codex-Primary-Reset-After-Seconds", "600",
			"X-Codex-Secondary-Used-Percent", "40", "X-Codex-Secondary-Reset-After-Seconds", "60000"), ``, 10 * time.Minute},
		{"both full takes latest", h("X-Codex-Primary-Used-Percent", "100", "X-Codex-Primary-Reset-At", "1700000600",
			"X-Codex-Secondary-Used-Percent", "100", "X-Codex-Secondary-Reset-At", "1700007200"), ``, 2 * time.Hour},
		{"none full takes earliest", h("X-Codex-Primary-Reset-After-Seconds", "900", "X-Codex-Secondary-Reset-After-Seconds", "90000"), ``, 15 * time.Minute},
		{"nothing", nil, `garbage`, defaultCooldown},
		{"negative retry-after", h("Retry-After", "-5"), ``, defaultCooldown},
		{"absurd reset capped", nil, `{"error":{"resets_at":9999999999}}`, maxCooldown},
	}
	for _, tt := range tests {
		hdr := tt.header
		if hdr == nil {
			hdr = http.Header{}
		}
		got := limitReset(now, hdr, bodyError([]byte(tt.body))).Sub(now)
		if got != tt.want {
			t.Errorf("%s: reset in %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data string
		want failureKind
	}{
		{`{"type":"response.failed","response":{"error":{"code":"server_is_overloaded","message":"busy"}}}`, failOverloaded},
		{`{"type":"error","code":"usage_limit_reached","message":"limit"}`, failLimited},
		{`{"type":"error","error":{"type":"usage_limit_reached"}}`, failLimited},
		{`{"type":"error","message":"The model is at capacity. Try again."}`, failOverloaded},
		{`{"type":"response.failed","response":{"error":{"code":"context_length_exceeded"}}}`, failOther},
		{`{"type":"error","code":429,"message":"x"}`, failOther},
		{`not json`, failOther},
	}
	for _, tt := range tests {
		if got := classify(eventError([]byte(tt.data))); got != tt.want {
			t.Errorf("classify(%s) = %v, want %v", tt.data, got, tt.want)
		}
	}
	if classify(nil) != failOther {
		t.Error("nil error classified")
	}
}

func TestTurnStore(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := newTurnStore(3, time.Minute)
	s.remember("", "a", now)
	s.remember("t0", "", now)
	if s.len() != 0 {
		t.Fatal("empty state or account remembered")
	}
	for i, acc := range []string{"a", "b", "c", "d"} {
		s.remember("t"+string(rune('0'+i)), acc, now)
	}
	if s.len() != 3 || s.lookup("t0", now) != "" || s.lookup("t3", now) != "d" {
		t.Errorf("capacity not kept: len %d", s.len())
	}
	if got := s.lookup("t1", now.Add(2*time.Minute)); got != "" {
		t.Errorf("expired entry returned %q", got)
	}
	s.remember("t9", "z", now.Add(2*time.Minute)) // sweeps the expired
	if s.len() != 1 {
		t.Errorf("expired entries kept: len %d", s.len())
	}
}

func TestLoopbackHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST:8799": true, "127.0.0.1": true, "127.0.0.1:8799": true, "127.9.9.9:1": true,
		"[::1]": true, "[::1]:8799": true, "::1": true,
		"": false, "localhost.evil.com": false, "0.0.0.0:8799": false, "10.0.0.1": false, "[::]:8799": false,
		"evil.com:8799": false, "127.0.0.1.nip.io": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
