package proxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/quiver-app/quiver/app/codex/codextest"
	"github.com/quiver-app/quiver/proxy"
)

// modelIDs asks the proxy's /v1/models.
func (e *env) modelIDs() []string {
	e.t.Helper()
	resp, body := e.do(e.request(context.Background(), "GET", "/v1/models", ""))
	var list struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object string }
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || list.Object != "list" {
		e.t.Fatalf("/v1/models: %d %q", resp.StatusCode, body)
	}
	var ids []string
	for _, m := range list.Data {
		if m.Object != "model" {
			e.t.Errorf("entry %q has object %q", m.ID, m.Object)
		}
		ids = append(ids, m.ID)
	}
	return ids
}

func checkIDs(t *testing.T, ids, want, wantNot []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(ids, w) {
			t.Errorf("/v1/models lacks %s: %v", w, ids)
		}
	}
	for _, w := range wantNot {
		if slices.Contains(ids, w) {
			t.Errorf("/v1/models lists %s: %v", w, ids)
		}
	}
}

func TestModelsListsWhatTheBackendServes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	ids := e.modelIDs()
	checkIDs(t, ids,
		[]string{"gpt-5.3-codex", "gpt-5.3-codex-low", "gpt-5.3-codex-xhigh", "gpt-5.1-codex-mini", "gpt-5.1-codex-mini-high", "gpt-5.2-medium"},
		[]string{"gpt-5.1-codex-mini-low", "codex-auto-review", "codex-auto-review-medium", "gpt-5-codex", "gpt-5.1-codex-max"})
	if ids[0] != "gpt-5.3-codex" {
		t.Errorf("the backend's order is lost: %v", ids)
	}

	var got []codextest.BackendRequest
	for _, r := range e.backend.Requests() {
		if r.Path == "/codex/models" {
			got = append(got, r)
		}
	}
	if len(got) != 1 || got[0].Method != "GET" || got[0].Auths != 1 || got[0].AccountID == "" || got[0].Status != 200 {
		t.Fatalf("backend models requests = %+v", got)
	}
	e.checkLeasesReturned()
	if k := e.kinds(); len(k) != 1 || !strings.HasSuffix(k[0], ":success") {
		t.Errorf("reports = %v, want one success", k)
	}

	// Cached: a second client asking does not reach the backend.
	checkIDs(t, e.modelIDs(), []string{"gpt-5.3-codex-high"}, nil)
	if n := e.backend.ModelsRequests(); n != 1 {
		t.Errorf("%d models requests upstream after two /v1/models, want 1 (cached)", n)
	}
}

func TestModelsFallBackToTheBuiltinList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		accounts int
		status   int
		body     string
	}{
		{name: "server error", accounts: 1, status: 500, body: `{"error":{"message":"boom"}}`},
		{name: "HTML page", accounts: 1, status: 200, body: codextest.ChallengePage},
		{name: "empty list", accounts: 1, status: 200, body: `{"models":[]}`},
		{name: "token refused", accounts: 1, status: 401, body: `{"error":{"code":"token_expired"}}`},
		{name: "no account to ask with", accounts: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.accounts)
			if tt.status != 0 {
				e.backend.SetModelsAnswer(tt.status, tt.body)
			}
			for range 2 {
				checkIDs(t, e.modelIDs(),
					[]string{"gpt-5.1-codex", "gpt-5.1-codex-high", "gpt-5.1-codex-max-xhigh", "gpt-5-minimal", "gpt-5.1-codex-mini-medium"},
					[]string{"gpt-5.3-codex", "gpt-5.1-codex-mini-low"})
			}
			want := 0
			if tt.accounts > 0 {
				want = 1
			}
			if n := e.backend.ModelsRequests(); n != want {
				t.Errorf("%d models requests upstream, want %d (no retry on every request)", n, want)
			}
			if n := strings.Count(e.logs.String(), "model list is unavailable"); n != 1 {
				t.Errorf("the failure was logged %d times, want once:\n%s", n, e.logs.String())
			}
			e.checkLeasesReturned()
		})
	}
}

func TestModelsKeepTheCachedListWhenARefreshFails(t *testing.T) {
	t.Parallel()
	// A TTL of 1ns makes every use after the first start a background
	// refresh; the answer served is the cached one, never awaited.
	e := newEnv(t, 1, func(c *proxy.Config) { c.ModelsTTL = 1 })
	checkIDs(t, e.modelIDs(), []string{"gpt-5.3-codex"}, nil)

	e.backend.SetModels([]codextest.BackendModel{{Slug: "gpt-6-codex", Efforts: []string{"high"}}})
	checkIDs(t, e.modelIDs(), []string{"gpt-5.3-codex"}, []string{"gpt-6-codex"}) // stale, refreshing behind
	waitFor(t, "the background refresh", func() bool { return slices.Contains(e.modelIDs(), "gpt-6-codex-high") })

	e.backend.SetModelsAnswer(502, "<html>bad gateway</html>")
	before := e.backend.ModelsRequests()
	waitFor(t, "a failed refresh", func() bool {
		checkIDs(t, e.modelIDs(), []string{"gpt-6-codex", "gpt-6-codex-high"}, []string{"gpt-5.1-codex"})
		return e.backend.ModelsRequests() > before && strings.Contains(e.logs.String(), "model list is unavailable")
	})
	checkIDs(t, e.modelIDs(), []string{"gpt-6-codex-high"}, []string{"gpt-5.1-codex"})
	if !strings.Contains(e.logs.String(), "serves the list fetched at") {
		t.Errorf("log:\n%s", e.logs.String())
	}
}

// upstreamModel sends body to route and returns the model and
// reasoning.effort the backend received.
func (e *env) upstreamModel(route, body string) (model, effort string) {
	e.t.Helper()
	resp, got := e.do(e.request(context.Background(), "POST", route, body))
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s: %d %q", route, resp.StatusCode, got)
	}
	up := e.lastBody()
	model, _ = up["model"].(string)
	if r, ok := up["reasoning"].(map[string]any); ok {
		effort, _ = r["effort"].(string)
	}
	return model, effort
}

// v1Body is a minimal request for route with model and, when effort is
// set, the client's own reasoning effort.
func v1Body(route, model, effort string) string {
	if route == "/v1/responses" {
		r := ""
		if effort != "" {
			r = fmt.Sprintf(`,"reasoning":{"effort":%q,"summary":"detailed"}`, effort)
		}
		return fmt.Sprintf(`{"model":%q,"input":"hi"%s}`, model, r)
	}
	r := ""
	if effort != "" {
		r = fmt.Sprintf(`,"reasoning_effort":%q`, effort)
	}
	return fmt.Sprintf(`{"model":%q,"messages":[{"role":"user","content":"hi"}]%s}`, model, r)
}

var v1Routes = []string{"/v1/responses", "/v1/chat/completions"}

func TestModelEffortSuffix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		backendDown       bool
		model, effort     string // what the client sends
		wantModel, wantEf string // what the backend receives
		wantFetch         bool   // whether the model list was needed
	}{
		{name: "suffix the backend lists", model: "gpt-5.3-codex-high", wantModel: "gpt-5.3-codex", wantEf: "high", wantFetch: true},
		{name: "xhigh", model: "gpt-5.3-codex-xhigh", wantModel: "gpt-5.3-codex", wantEf: "xhigh", wantFetch: true},
		{name: "effort the model lacks stays in the name", model: "gpt-5.1-codex-mini-low", wantModel: "gpt-5.1-codex-mini-low", wantFetch: true},
		{name: "unknown base stays", model: "gpt-9-high", wantModel: "gpt-9-high", wantFetch: true},
		{name: "the request's own effort wins", model: "gpt-5.3-codex-xhigh", effort: "low", wantModel: "gpt-5.3-codex", wantEf: "low", wantFetch: true},
		{name: "plain name: no list needed", model: "gpt-5.3-codex", wantModel: "gpt-5.3-codex"},
		{name: "not an effort", model: "gpt-5.1-codex-mini", wantModel: "gpt-5.1-codex-mini"},
		{name: "list unavailable: any of the five", backendDown: true, model: "gpt-7-codex-minimal", wantModel: "gpt-7-codex", wantEf: "minimal", wantFetch: true},
		{name: "list unavailable: not an effort", backendDown: true, model: "gpt-7-codex-max", wantModel: "gpt-7-codex-max"},
	}
	for _, route := range v1Routes {
		for _, tt := range tests {
			t.Run(route+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, 1)
				if tt.backendDown {
					e.backend.SetModelsAnswer(503, `{"error":{"message":"down"}}`)
				}
				model, effort := e.upstreamModel(route, v1Body(route, tt.model, tt.effort))
				if model != tt.wantModel || effort != tt.wantEf {
					t.Errorf("backend got model %q effort %q, want %q %q", model, effort, tt.wantModel, tt.wantEf)
				}
				if fetched := e.backend.ModelsRequests() > 0; fetched != tt.wantFetch {
					t.Errorf("model list fetched: %v, want %v", fetched, tt.wantFetch)
				}
				if route == "/v1/responses" && tt.effort != "" {
					if r := e.lastBody()["reasoning"].(map[string]any); r["summary"] != "detailed" {
						t.Errorf("the client's reasoning object was not kept: %v", r)
					}
				}
			})
		}
	}
}

func TestModelEffortSuffixKeepsReasoningFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	e.upstreamModel("/v1/responses", `{"model":"gpt-5.3-codex-high","input":"hi","reasoning":{"summary":"concise"}}`)
	r, _ := e.lastBody()["reasoning"].(map[string]any)
	if r["effort"] != "high" || r["summary"] != "concise" {
		t.Errorf("reasoning = %v", r)
	}
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/responses", `{"model":7,"input":"hi"}`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a model that is not a string: %d %q", resp.StatusCode, body)
	}
}

// modelMap is a map the test changes while the proxy runs.
type modelMap struct {
	mu sync.Mutex
	m  map[string]string
}

func (m *modelMap) get() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m
}

func (m *modelMap) set(v map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m = v
}

func TestModelMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, model       string
		wantModel, wantEf string
		wantLog           string
	}{
		{name: "mapped", model: "gpt-5.2-codex", wantModel: "gpt-5.3-codex", wantLog: "model map: gpt-5.2-codex → gpt-5.3-codex"},
		{name: "mapped base with a suffix", model: "gpt-5.2-codex-high", wantModel: "gpt-5.3-codex", wantEf: "high", wantLog: "model map: gpt-5.2-codex → gpt-5.3-codex"},
		{name: "alias to a suffixed name", model: "fast", wantModel: "gpt-5.3-codex", wantEf: "low", wantLog: "model map: fast → gpt-5.3-codex-low"},
		{name: "no chains", model: "a", wantModel: "b", wantLog: "model map: a → b"},
		{name: "unmapped", model: "gpt-5.2", wantModel: "gpt-5.2"},
	}
	for _, route := range v1Routes {
		for _, tt := range tests {
			t.Run(route+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				mm := &modelMap{m: map[string]string{
					"gpt-5.2-codex": "gpt-5.3-codex", "fast": "gpt-5.3-codex-low", "a": "b", "b": "c",
				}}
				e := newEnv(t, 1, func(c *proxy.Config) { c.ModelMap = mm.get })
				for range 3 {
					model, effort := e.upstreamModel(route, v1Body(route, tt.model, ""))
					if model != tt.wantModel || effort != tt.wantEf {
						t.Fatalf("backend got model %q effort %q, want %q %q", model, effort, tt.wantModel, tt.wantEf)
					}
				}
				logs := e.logs.String()
				if tt.wantLog == "" {
					if strings.Contains(logs, "model map:") {
						t.Errorf("a mapping was logged:\n%s", logs)
					}
					return
				}
				if n := strings.Count(logs, tt.wantLog); n != 1 {
					t.Errorf("%q logged %d times for 3 requests, want once:\n%s", tt.wantLog, n, logs)
				}
			})
		}
	}
}

func TestModelMapChangesWithoutRestart(t *testing.T) {
	t.Parallel()
	mm := &modelMap{}
	e := newEnv(t, 1, func(c *proxy.Config) { c.ModelMap = mm.get })
	body := v1Body("/v1/chat/completions", "gpt-5.2-codex", "")
	if m, _ := e.upstreamModel("/v1/chat/completions", body); m != "gpt-5.2-codex" {
		t.Fatalf("no map: backend got %q", m)
	}
	mm.set(map[string]string{"gpt-5.2-codex": "gpt-5.3-codex"})
	if m, _ := e.upstreamModel("/v1/chat/completions", body); m != "gpt-5.3-codex" {
		t.Errorf("after the map changed: backend got %q", m)
	}
	// The Codex CLI's passthrough keeps its own model names.
	e.codex()
	if m := e.lastBody()["model"]; m != "gpt-5.1-codex" {
		t.Errorf("passthrough model = %v", m)
	}
}

func TestModelEffortSuffixNeverSplitsAKnownName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	e.backend.SetModels([]codextest.BackendModel{
		{Slug: "gpt-x", Efforts: []string{"high", "low"}},
		{Slug: "gpt-x-high", Efforts: []string{"medium"}},
	})
	for _, route := range v1Routes {
		if m, ef := e.upstreamModel(route, v1Body(route, "gpt-x-high", "")); m != "gpt-x-high" || ef != "" {
			t.Errorf("%s: backend got %q effort %q, want the listed gpt-x-high as it is", route, m, ef)
		}
		if m, ef := e.upstreamModel(route, v1Body(route, "gpt-x-low", "")); m != "gpt-x" || ef != "low" {
			t.Errorf("%s: backend got %q effort %q, want gpt-x low", route, m, ef)
		}
	}
	checkIDs(t, e.modelIDs(), []string{"gpt-x", "gpt-x-high", "gpt-x-low", "gpt-x-high-medium"}, nil)
}
