package app

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseModelMap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       map[string]string
		wantErr    string
	}{
		{name: "empty", text: " \n# nothing\n", want: nil},
		{name: "separators and comments", text: "# lagging clients\ngpt-5.2-codex = gpt-5.3-codex\n  fast -> gpt-5.3-codex-low \nold→new\n\n",
			want: map[string]string{"gpt-5.2-codex": "gpt-5.3-codex", "fast": "gpt-5.3-codex-low", "old": "new"}},
		{name: "same line twice", text: "a = b\na = b", want: map[string]string{"a": "b"}},
		{name: "no separator", text: "gpt-5.2-codex gpt-5.3-codex", wantErr: "line 1"},
		{name: "empty target", text: "a =", wantErr: "line 1"},
		{name: "mapped twice", text: "a = b\na = c", wantErr: "mapped twice"},
		{name: "to itself", text: "a = a", wantErr: "itself"},
		{name: "chain", text: "a = b\nb = c", wantErr: "chain"},
		{name: "space in a name", text: "my model = b", wantErr: "space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseModelMap(tt.text)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			again, err := ParseModelMap(FormatModelMap(got))
			if err != nil || !maps.Equal(again, got) {
				t.Errorf("FormatModelMap does not read back: %q → %v, %v", FormatModelMap(got), again, err)
			}
		})
	}
}

func TestSettingsWithModelMap(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/settings.json"
	s := DefaultSettings()
	s.ModelMap = map[string]string{"gpt-5.2-codex": "gpt-5.3-codex"}
	if err := SaveSettings(path, s); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"model_map": {`) {
		t.Errorf("settings.json = %s", data)
	}
	got, err := LoadSettings(path, time.Now())
	if err != nil || !settingsEqual(got, s) {
		t.Errorf("loaded %+v, %v", got, err)
	}
	if settingsEqual(got, DefaultSettings()) {
		t.Error("settingsEqual ignores the model map")
	}
	s.ModelMap = map[string]string{"a": "b", "b": "c"}
	if err := SaveSettings(path, s); err == nil || !strings.Contains(err.Error(), "chain") {
		t.Errorf("a chained map was saved: %v", err)
	}
}

// postJSON sends body to the app's proxy and returns the status and answer.
func postJSON(t *testing.T, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The model map set in the app reaches the running proxy, applies from the
// next request, and /v1/models lists what the backend serves the accounts.
func TestProxyModelMapAndModelsFromSettings(t *testing.T) {
	w := newWorld(t, alice)
	logs := &lockedBuffer{}
	w.app.log = slog.New(slog.NewTextHandler(logs, nil))
	base, key := w.startProxy(t)
	upstream := func() (model, effort string) {
		t.Helper()
		reqs := w.backend.Requests()
		var b struct {
			Model     string `json:"model"`
			Reasoning struct {
				Effort string `json:"effort"`
			} `json:"reasoning"`
		}
		json.Unmarshal(reqs[len(reqs)-1].Body, &b)
		return b.Model, b.Reasoning.Effort
	}
	chat := `{"model":"gpt-5.2-codex-high","messages":[{"role":"user","content":"hi"}]}`

	if err := w.app.SetModelMap(map[string]string{"gpt-5.2-codex": "gpt-5.3-codex"}); err != nil {
		t.Fatal(err)
	}
	if status, body := postJSON(t, base+"/v1/chat/completions", key, chat); status != 200 {
		t.Fatalf("chat: %d %s", status, body)
	}
	if m, e := upstream(); m != "gpt-5.3-codex" || e != "high" {
		t.Errorf("backend got %q effort %q, want gpt-5.3-codex high", m, e)
	}
	if logs.lines("model map: gpt-5.2-codex → gpt-5.3-codex") != 1 {
		t.Errorf("the mapping was not logged once:\n%s", logs.b.String())
	}
	data, _ := os.ReadFile(w.app.paths.SettingsFile())
	if !strings.Contains(string(data), `"gpt-5.2-codex": "gpt-5.3-codex"`) {
		t.Errorf("settings.json lacks the map: %s", data)
	}

	if err := w.app.SetModelMap(map[string]string{"gpt-5.2-codex": "gpt-5.2"}); err != nil {
		t.Fatal(err)
	}
	if status, body := postJSON(t, base+"/v1/responses", key, `{"model":"gpt-5.2-codex-low","input":"hi"}`); status != 200 {
		t.Fatalf("responses: %d %s", status, body)
	}
	if m, e := upstream(); m != "gpt-5.2" || e != "low" {
		t.Errorf("after the map changed: backend got %q effort %q, want gpt-5.2 low", m, e)
	}
	if err := w.app.SetModelMap(map[string]string{"x": "x"}); err == nil {
		t.Error("a map to itself was accepted")
	}

	req, _ := http.NewRequest("GET", base+"/v1/models", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"gpt-5.3-codex-xhigh"`) {
		t.Errorf("/v1/models = %s", b)
	}
	if n := w.backend.ModelsRequests(); n != 1 {
		t.Errorf("%d models requests upstream, want 1", n)
	}
}
