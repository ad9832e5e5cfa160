package codextest

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

func TestBackendModels(t *testing.T) {
	t.Parallel()
	b := NewBackend(t)
	get := func(query, token, account string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", b.URL+"/codex/models"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if account != "" {
			req.Header.Set("Chatgpt-Account-Id", account)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		name, query, token, account string
		want                        int
	}{
		{"no bearer", "?client_version=0.169.0", "", "acct", 401},
		{"no account", "?client_version=0.169.0", "at", "", 400},
		{"no client_version", "", "at", "acct", 400},
		{"well formed", "?client_version=0.169.0", "at", "acct", 200},
	}
	for _, tt := range tests {
		if got, body := get(tt.query, tt.token, tt.account); got != tt.want {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, got, tt.want, body)
		}
	}
	_, body := get("?client_version=1", "at", "acct")
	var answer struct {
		Models []struct {
			Slug       string `json:"slug"`
			Visibility string `json:"visibility"`
			Levels     []struct {
				Effort string `json:"effort"`
			} `json:"supported_reasoning_levels"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(body), &answer); err != nil || len(answer.Models) != len(DefaultBackendModels()) {
		t.Fatalf("answer %q: %v", body, err)
	}
	if m := answer.Models[0]; m.Slug != "gpt-5.3-codex" || m.Visibility != "list" || len(m.Levels) != 4 || m.Levels[3].Effort != "xhigh" {
		t.Errorf("first model = %+v", m)
	}

	b.SetModelsAnswer(500, "oops")
	if got, body := get("?client_version=1", "at", "acct"); got != 500 || body != "oops" {
		t.Errorf("scripted answer: %d %q", got, body)
	}
	b.SetModels([]BackendModel{{Slug: "x", Efforts: []string{"high"}, Visibility: "hide"}})
	if _, body := get("?client_version=1", "at", "acct"); json.Unmarshal([]byte(body), &answer) != nil ||
		len(answer.Models) != 1 || answer.Models[0].Visibility != "hide" {
		t.Errorf("after SetModels: %q", body)
	}
	if n := b.ModelsRequests(); n != 7 {
		t.Errorf("ModelsRequests = %d, want 7", n)
	}
}
