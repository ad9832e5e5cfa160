package codextest

import (
	"net/http"
	"strings"
	"sync"
)

// BackendModel is one entry of the fake's GET /codex/models answer.
type BackendModel struct {
	Slug       string
	Efforts    []string // supported_reasoning_levels, in this order
	Visibility string   // "list" when empty; the real backend also says "hide"
}

// DefaultBackendModels is what the fake serves until SetModels: newer than
// the proxy's built-in list (gpt-5.3-codex), with a hidden model.
func DefaultBackendModels() []BackendModel {
	return []BackendModel{
		{Slug: "gpt-5.3-codex", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "gpt-5.2-codex", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "gpt-5.1-codex-mini", Efforts: []string{"medium", "high"}},
		{Slug: "gpt-5.2", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "codex-auto-review", Efforts: []string{"medium"}, Visibility: "hide"},
	}
}

// backendModels is the scripted state of the models endpoint.
type backendModels struct {
	mu     sync.Mutex
	list   []BackendModel
	status int    // when non-zero: answer this status with raw
	raw    string // the scripted body
}

// SetModels makes GET /codex/models answer list (in the real backend's
// shape) from now on, ending a SetModelsAnswer script.
func (b *Backend) SetModels(list []BackendModel) {
	b.models.mu.Lock()
	defer b.models.mu.Unlock()
	b.models.list, b.models.status, b.models.raw = list, 0, ""
}

// SetModelsAnswer makes GET /codex/models answer status with body as it
// is (application/json), e.g. 500 or a 200 that is not JSON, until
// SetModels.
func (b *Backend) SetModelsAnswer(status int, body string) {
	b.models.mu.Lock()
	defer b.models.mu.Unlock()
	b.models.status, b.models.raw = status, body
}

// ModelsRequests counts the GET /codex/models requests received.
func (b *Backend) ModelsRequests() int {
	n := 0
	for _, r := range b.Requests() {
		if r.Path == "/codex/models" {
			n++
		}
	}
	return n
}

// handleModels answers like chatgpt.com/backend-api/codex/models: it
// wants the bearer, chatgpt-account-id and a client_version query, and
// answers {"models":[…]} with fields the proxy does not read (as the
// real one does).
func (b *Backend) handleModels(w http.ResponseWriter, r *http.Request) {
	i := b.record(r, nil)
	sw := &backendStatusWriter{ResponseWriter: w}
	defer func() { b.setStatus(i, sw.status) }()
	if _, ok := b.authorize(sw, r); !ok {
		return
	}
	if r.URL.Query().Get("client_version") == "" {
		backendErrorParam(sw, http.StatusBadRequest, "client_version is required", "client_version")
		return
	}
	b.models.mu.Lock()
	list, status, raw := b.models.list, b.models.status, b.models.raw
	b.models.mu.Unlock()
	if status != 0 {
		sw.Header().Set("Content-Type", "application/json")
		sw.WriteHeader(status)
		sw.Write([]byte(raw))
		return
	}
	models := []any{}
	for n, m := range list {
		levels := []any{}
		for _, e := range m.Efforts {
			levels = append(levels, map[string]any{"effort": e, "description": strings.ToUpper(e[:1]) + e[1:] + " reasoning"})
		}
		vis := m.Visibility
		if vis == "" {
			vis = "list"
		}
		def := "medium"
		if len(m.Efforts) > 0 && !containsString(m.Efforts, def) {
			def = m.Efforts[0]
		}
		models = append(models, map[string]any{
			"slug": m.Slug, "display_name": strings.ToUpper(m.Slug[:1]) + m.Slug[1:], "description": "a model",
			"default_reasoning_level": def, "supported_reasoning_levels": levels,
			"shell_type": "shell_command", "visibility": vis, "supported_in_api": true, "priority": n,
			"context_window": 272000, "truncation_policy": map[string]any{"mode": "tokens", "limit": 10000},
			"base_instructions": "You are Codex.", "experimental_supported_tools": []any{},
		})
	}
	sw.Header().Set("Etag", `W/"fake-models"`)
	backendJSON(sw, http.StatusOK, map[string]any{"models": models})
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
