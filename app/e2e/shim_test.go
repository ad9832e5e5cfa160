package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// instructionsShim stands between Quiver and the fake backend and adds an
// empty "instructions" field to model turns that have none.
//
// Why: the Codex CLI 0.169 no longer sends "instructions"; its base
// instructions travel as developer messages in "input". The real backend
// must take that (the CLI works against chatgpt.com), but codextest.Backend
// still refuses it with 400 "Instructions are required", as the backend did
// for older clients. The shim keeps this test about Quiver and the real
// clients; Filled says how many turns needed it, and the tests log that
// count so that the shim goes once the fake accepts these bodies.
type instructionsShim struct {
	URL    string
	filled atomic.Int64
}

func newInstructionsShim(t *testing.T, upstream string) *instructionsShim {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	s := &instructionsShim{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
		},
		FlushInterval: -1,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, responsesPath) {
			s.fill(r)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// fill adds "instructions": "" to r's JSON body when it has none.
func (s *instructionsShim) fill(r *http.Request) {
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err != nil || json.Unmarshal(body, &fields) != nil {
		return
	}
	if _, ok := fields["instructions"]; ok {
		return
	}
	fields["instructions"] = json.RawMessage(`""`)
	filled, err := json.Marshal(fields)
	if err != nil {
		return
	}
	s.filled.Add(1)
	r.Body = io.NopCloser(bytes.NewReader(filled))
	r.ContentLength = int64(len(filled))
	r.Header.Set("Content-Length", strconv.Itoa(len(filled)))
}

// Filled counts the turns that had no instructions.
func (s *instructionsShim) Filled() int64 { return s.filled.Load() }

func TestInstructionsShim(t *testing.T) {
	t.Parallel()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	}))
	t.Cleanup(echo.Close)
	shim := newInstructionsShim(t, echo.URL)
	tests := []struct {
		name, path, body, want string
		filled                 int64
	}{
		{"missing is filled", responsesPath, `{"input":[]}`, `{"input":[],"instructions":""}`, 1},
		{"present is kept", responsesPath, `{"instructions":"x","input":[]}`, `{"instructions":"x","input":[]}`, 0},
		{"not JSON is passed on", responsesPath, `not json`, `not json`, 0},
		{"other paths are passed on", "/wham/usage", `{"input":[]}`, `{"input":[]}`, 0},
	}
	for _, tt := range tests {
		before := shim.Filled()
		resp, err := http.Post(shim.URL+tt.path, "application/json", strings.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != tt.want {
			t.Errorf("%s: upstream got %s, want %s", tt.name, got, tt.want)
		}
		if n := shim.Filled() - before; n != tt.filled {
			t.Errorf("%s: Filled grew by %d, want %d", tt.name, n, tt.filled)
		}
	}
}
