package codex_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

var testOpenCodeModels = []codex.OpenCodeModel{
	{ID: "gpt-5.1-codex", Name: "GPT-5.1 Codex"},
	{ID: "gpt-5.1-codex-mini"},
}

// openCodeEntry is the provider value ConnectOpenCode writes, indented for
// a member at indent with unit steps.
func openCodeEntry(indent, unit, port, key string) string {
	lines := []string{
		`{`,
		unit + `"npm": "@ai-sdk/openai",`,
		unit + `"name": "Quiver",`,
		unit + `"options": {`,
		unit + unit + `"baseURL": "http://127.0.0.1:` + port + `/v1",`,
		unit + unit + `"apiKey": "` + key + `"`,
		unit + `},`,
		unit + `"models": {`,
		unit + unit + `"gpt-5.1-codex": {`,
		unit + unit + unit + `"name": "GPT-5.1 Codex"`,
		unit + unit + `},`,
		unit + unit + `"gpt-5.1-codex-mini": {`,
		unit + unit + unit + `"name": "gpt-5.1-codex-mini"`,
		unit + unit + `}`,
		unit + `}`,
		`}`,
	}
	return strings.Join(lines, "\n"+indent)
}

type openCodeFixture struct {
	name   string
	exists bool
	orig   string
	want   string // with ENTRY(indent) written as ENTRY2 (two spaces deep) etc.; "" skips
	// exactUndo is false where undo can only restore the meaning: a file
	// that did not exist, and an empty "provider" object Quiver filled.
	exactUndo bool
}

func openCodeFixtures(port, key string) []openCodeFixture {
	entry := func(indent, unit string) string { return openCodeEntry(indent, unit, port, key) }
	return []openCodeFixture{
		{
			name: "missing file",
			want: "{\n  \"provider\": {\n    \"quiver\": " + entry("    ", "  ") + "\n  }\n}\n",
		},
		{
			name:      "empty object",
			exists:    true,
			orig:      "{}\n",
			want:      "{\n  \"provider\": {\n    \"quiver\": " + entry("    ", "  ") + "\n  }\n}\n",
			exactUndo: true,
		},
		{
			name:      "schema only",
			exists:    true,
			orig:      "{\n  \"$schema\": \"https://opencode.ai/config.json\"\n}\n",
			want:      "{\n  \"provider\": {\n    \"quiver\": " + entry("    ", "  ") + "\n  },\n  \"$schema\": \"https://opencode.ai/config.json\"\n}\n",
			exactUndo: true,
		},
		{
			name:   "comments, trailing commas and another provider",
			exists: true,
			orig: "{\n" +
				"  // my setup\n" +
				"  \"$schema\": \"https://opencode.ai/config.json\",\n" +
				"  \"model\": \"ollama/qwen\", /* default */\n" +
				"  \"provider\": { // mine\n" +
				"    \"ollama\": {\n" +
				"      \"npm\": \"@ai-sdk/openai-compatible\",\n" +
				"      \"options\": { \"baseURL\": \"http://localhost:11434/v1\" },\n" +
				"    },\n" +
				"  },\n" +
				"}\n",
			want: "{\n" +
				"  // my setup\n" +
				"  \"$schema\": \"https://opencode.ai/config.json\",\n" +
				"  \"model\": \"ollama/qwen\", /* default */\n" +
				"  \"provider\": {\n" +
				"    \"quiver\": " + entry("    ", "  ") + ", // mine\n" +
				"    \"ollama\": {\n" +
				"      \"npm\": \"@ai-sdk/openai-compatible\",\n" +
				"      \"options\": { \"baseURL\": \"http://localhost:11434/v1\" },\n" +
				"    },\n" +
				"  },\n" +
				"}\n",
			exactUndo: true,
		},
		{
			name:      "tabs and CRLF",
			exists:    true,
			orig:      "{\r\n\t\"provider\": {\r\n\t\t\"a\": {\"name\": \"A\"}\r\n\t}\r\n}",
			want:      "{\r\n\t\"provider\": {\r\n\t\t\"quiver\": " + strings.ReplaceAll(entry("\t\t", "\t"), "\n", "\r\n") + ",\r\n\t\t\"a\": {\"name\": \"A\"}\r\n\t}\r\n}",
			exactUndo: true,
		},
		{
			name:      "one line",
			exists:    true,
			orig:      `{"model":"a/b","provider":{"a":{"name":"A"}}}`,
			exactUndo: true,
		},
		{
			name:   "empty provider object",
			exists: true,
			orig:   "{\n  \"provider\": {},\n  \"model\": \"x\"\n}\n",
			want:   "{\n  \"provider\": {\n    \"quiver\": " + entry("    ", "  ") + "\n  },\n  \"model\": \"x\"\n}\n",
		},
		{
			name:      "one line with a trailing comma in an array",
			exists:    true,
			orig:      "{ \"instructions\": [\"a.md\", \"b.md\",], \"share\": \"manual\" }",
			exactUndo: true,
		},
	}
}

var lineComment = regexp.MustCompile(`(^|[^:])//.*$`)

// decodeJSONC decodes a JSON document the test wrote without comments, or
// strips the simple comments the fixtures use.
func decodeJSONC(t *testing.T, s string) map[string]any {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = lineComment.ReplaceAllString(l, "$1")
		if i := strings.Index(l, "/*"); i >= 0 {
			l = l[:i] + l[strings.Index(l, "*/")+2:]
		}
		lines = append(lines, l)
	}
	clean := strings.Join(lines, "\n")
	for _, tc := range []string{",\n}", ",\n  }", ",\n    }", ",]"} {
		clean = strings.ReplaceAll(clean, tc, strings.TrimPrefix(tc, ","))
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(clean), &v); err != nil {
		t.Fatalf("decoding %q: %v", clean, err)
	}
	return v
}

func TestConnectOpenCodeFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range openCodeFixtures("", "") {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "opencode")
			path := filepath.Join(dir, "opencode.json")
			if f.exists {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(f.orig), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			key := codextest.RandomToken("qk_")
			conn := codex.OpenCodeConnection{ProxyURL: "http://127.0.0.1:8799", Key: key, Models: testOpenCodeModels}
			f.want = wantFor(f.name, "8799", key)

			res, err := codex.ConnectOpenCode(path, conn)
			if err != nil {
				t.Fatalf("ConnectOpenCode: %v", err)
			}
			if !res.Changed || res.Path != path {
				t.Fatalf("result = %+v", res)
			}
			got := readFile(t, path)
			if f.want != "" && got != f.want {
				t.Errorf("opencode.json =\n%s\nwant\n%s", got, f.want)
			}
			if m := fileMode(t, path); m != 0o600 {
				t.Errorf("mode = %04o, want 0600", m)
			}
			if !f.exists {
				if m := fileMode(t, dir); m != 0o700 {
					t.Errorf("created directory mode = %04o, want 0700", m)
				}
			} else if readFile(t, res.Backup) != f.orig {
				t.Error("the backup does not hold the previous content")
			}
			assertOpenCodeProvider(t, decodeJSONC(t, strings.ReplaceAll(got, "\r\n", "\n")), "8799", key)

			// Same settings: nothing to do. New ones: replaced in place.
			if res, err := codex.ConnectOpenCode(path, conn); err != nil || res.Changed {
				t.Fatalf("second ConnectOpenCode = %+v, %v", res, err)
			}
			key2 := codextest.RandomToken("qk_")
			conn2 := codex.OpenCodeConnection{ProxyURL: "http://127.0.0.1:9100", Key: key2, Models: testOpenCodeModels}
			if res, err := codex.ConnectOpenCode(path, conn2); err != nil || !res.Changed {
				t.Fatalf("ConnectOpenCode with a new port = %+v, %v", res, err)
			}
			updated := readFile(t, path)
			if strings.Count(updated, `"quiver"`) != 1 || strings.Contains(updated, key) {
				t.Errorf("connecting again did not replace the entry:\n%s", updated)
			}
			if want := wantFor(f.name, "9100", key2); want != "" && updated != want {
				t.Errorf("updated opencode.json =\n%s\nwant\n%s", updated, want)
			}
			assertOpenCodeProvider(t, decodeJSONC(t, strings.ReplaceAll(updated, "\r\n", "\n")), "9100", key2)

			// Undo.
			res, err = codex.DisconnectOpenCode(path)
			if err != nil || !res.Changed {
				t.Fatalf("DisconnectOpenCode = %+v, %v", res, err)
			}
			if !f.exists {
				// Quiver created the file: the undo removes it again.
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) || !res.Removed {
					t.Errorf("undo of a connect that created opencode.json = %+v; the file: %v", res, err)
				}
				if res, err := codex.DisconnectOpenCode(path); err != nil || res.Changed {
					t.Errorf("a second undo = %+v, %v", res, err)
				}
				return
			}
			restored := readFile(t, path)
			if strings.Contains(restored, "quiver") {
				t.Errorf("undo left Quiver's entry:\n%s", restored)
			}
			if f.exactUndo && restored != f.orig {
				t.Errorf("after undo:\n%q\nwant\n%q", restored, f.orig)
			}
			orig := f.orig
			if !f.exists {
				orig = "{}"
			}
			gotVal := decodeJSONC(t, strings.ReplaceAll(restored, "\r\n", "\n"))
			wantVal := decodeJSONC(t, strings.ReplaceAll(orig, "\r\n", "\n"))
			if p, ok := wantVal["provider"].(map[string]any); ok && len(p) == 0 {
				delete(wantVal, "provider") // an empty provider object goes with Quiver's entry
			}
			if !jsonEqual(gotVal, wantVal) {
				t.Errorf("after undo the settings are %v, want %v", gotVal, wantVal)
			}
			if res, err := codex.DisconnectOpenCode(path); err != nil || res.Changed {
				t.Errorf("a second undo = %+v, %v", res, err)
			}
		})
	}
}

func wantFor(name, port, key string) string {
	for _, f := range openCodeFixtures(port, key) {
		if f.name == name {
			return f.want
		}
	}
	return ""
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func assertOpenCodeProvider(t *testing.T, cfg map[string]any, port, key string) {
	t.Helper()
	providers, _ := cfg["provider"].(map[string]any)
	p, _ := providers["quiver"].(map[string]any)
	if p == nil {
		t.Fatalf("no provider.quiver in %v", cfg)
	}
	opts, _ := p["options"].(map[string]any)
	models, _ := p["models"].(map[string]any)
	if p["npm"] != "@ai-sdk/openai" || p["name"] != "Quiver" ||
		opts["baseURL"] != "http://127.0.0.1:"+port+"/v1" || opts["apiKey"] != key || len(models) != 2 {
		t.Errorf("provider.quiver = %v", p)
	}
}

func TestConnectOpenCodeRefusals(t *testing.T) {
	t.Parallel()
	secret := codextest.RandomToken("sk-")
	cases := []struct {
		name string
		orig string
		want error
	}{
		{"the user's own quiver provider", `{"provider": {"quiver": {"name": "Mine", "options": {"apiKey": "` + secret + `"}}}}`, codex.ErrProviderConflict},
		{"a lookalike pointing elsewhere", `{"provider": {"quiver": {"npm": "@ai-sdk/openai", "name": "Quiver", "options": {"baseURL": "https://example.invalid/v1"}}}}`, codex.ErrProviderConflict},
		{"not JSON", `{"provider": {"a": ` + secret + `}}`, codex.ErrUnsupportedConfig},
		{"unterminated", `{"provider": {"a": "` + secret, codex.ErrUnsupportedConfig},
		{"unterminated comment", "{} /* " + secret, codex.ErrUnsupportedConfig},
		{"not an object", `["a"]`, codex.ErrUnsupportedConfig},
		{"provider is not an object", `{"provider": "x"}`, codex.ErrUnsupportedConfig},
		{"provider twice", `{"provider": {}, "provider": {"a": {}}}`, codex.ErrUnsupportedConfig},
		{"quiver twice", `{"provider": {"quiver": {}, "quiver": {}}}`, codex.ErrUnsupportedConfig},
		{"garbage after the object", `{} {}`, codex.ErrUnsupportedConfig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "opencode.json")
			if err := os.WriteFile(path, []byte(tc.orig), 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := codex.ConnectOpenCode(path, codex.OpenCodeConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the file: %v", err)
			}
			if res.Changed || readFile(t, path) != tc.orig {
				t.Error("the file was changed")
			}
		})
	}
}

func TestDisconnectOpenCodeLeavesTheUsersProviderAlone(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opencode.json")
	orig := `{"provider": {"quiver": {"name": "Mine"}}}`
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := codex.DisconnectOpenCode(path); !errors.Is(err, codex.ErrProviderConflict) {
		t.Errorf("err = %v, want ErrProviderConflict", err)
	}
	if readFile(t, path) != orig {
		t.Error("the file was changed")
	}
	for _, content := range []string{"", `{"model": "x"}`, `{"provider": {"a": {}}}`} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if res, err := codex.DisconnectOpenCode(path); err != nil || res.Changed || readFile(t, path) != content {
			t.Errorf("undo of %q = %+v, %v", content, res, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "none", "opencode.json")
	if res, err := codex.DisconnectOpenCode(missing); err != nil || res.Changed {
		t.Errorf("undo of a missing file = %+v, %v", res, err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("undo created the file")
	}
}

func TestConnectOpenCodeDefaultModelsAndBadInput(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "opencode.json")
	if _, err := codex.ConnectOpenCode(path, codex.OpenCodeConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"}); err != nil {
		t.Fatal(err)
	}
	cfg := decodeJSONC(t, readFile(t, path))
	models := cfg["provider"].(map[string]any)["quiver"].(map[string]any)["models"].(map[string]any)
	if len(models) != len(codex.DefaultOpenCodeModels()) || models["gpt-5.1-codex"] == nil {
		t.Errorf("models = %v", models)
	}

	secret := codextest.RandomToken("qk_")
	for _, c := range []codex.OpenCodeConnection{
		{ProxyURL: "http://127.0.0.1:8799"},
		{ProxyURL: "http://127.0.0.1:8799", Key: secret + "\n"},
		{ProxyURL: "127.0.0.1", Key: secret},
		{ProxyURL: "http://127.0.0.1:8799", Key: secret, ProviderID: "openai"},
		{ProxyURL: "http://127.0.0.1:8799", Key: secret, Models: []codex.OpenCodeModel{{Name: "no id"}}},
	} {
		p := filepath.Join(t.TempDir(), "opencode.json")
		_, err := codex.ConnectOpenCode(p, c)
		if !errors.Is(err, codex.ErrInvalidConnection) {
			t.Errorf("ConnectOpenCode(%+v) err = %v, want ErrInvalidConnection", c.Models, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the key: %v", err)
		}
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Error("a file was written")
		}
	}
}

func TestDefaultOpenCodeConfigPath(t *testing.T) {
	// t.Setenv: not parallel.
	xdg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", xdg)
	t.Setenv("OPENCODE_CONFIG", "")
	dir := filepath.Join(xdg, "opencode")
	if got, want := codex.DefaultOpenCodeConfigPath(), filepath.Join(dir, "opencode.json"); got != want {
		t.Errorf("with no file: %s, want %s", got, want)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.json", "opencode.json", "opencode.jsonc"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, want := codex.DefaultOpenCodeConfigPath(), filepath.Join(dir, name); got != want {
			t.Errorf("with %s present: %s, want %s", name, got, want)
		}
	}
	custom := filepath.Join(t.TempDir(), "custom.json")
	t.Setenv("OPENCODE_CONFIG", custom)
	if got := codex.DefaultOpenCodeConfigPath(); got != custom {
		t.Errorf("with OPENCODE_CONFIG: %s, want %s", got, custom)
	}

	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("OPENCODE_CONFIG", "")
	t.Setenv("XDG_CONFIG_HOME", "relative/is/ignored")
	if got, want := codex.DefaultOpenCodeConfigPath(), filepath.Join(home, ".config", "opencode", "opencode.json"); got != want {
		t.Errorf("without XDG_CONFIG_HOME: %s, want %s", got, want)
	}
	t.Setenv("XDG_DATA_HOME", "")
	if got, want := codex.DefaultOpenCodeAuthPath(), filepath.Join(home, ".local", "share", "opencode", "auth.json"); got != want {
		t.Errorf("auth path %s, want %s", got, want)
	}
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	if got, want := codex.DefaultOpenCodeAuthPath(), filepath.Join(data, "opencode", "auth.json"); got != want {
		t.Errorf("auth path %s, want %s", got, want)
	}
}

func TestOpenCodeAuth(t *testing.T) {
	t.Parallel()
	exp := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	withID := codextest.Identity{Email: "a@example.com", AccountID: "acc-chatgpt-1", UserID: "user-1"}
	noID := codextest.Identity{Email: "b@example.com", UserID: "user-2"}
	refresh := codextest.RandomToken("rt_")
	cases := []struct {
		name   string
		tokens codex.Tokens
		param  string
		wantID string // "" means the field is absent
	}{
		{"given id", codex.Tokens{AccessToken: codextest.MintJWT(noID, exp), RefreshToken: refresh}, "acc-given", "acc-given"},
		{"id from auth.json", codex.Tokens{AccessToken: codextest.MintJWT(noID, exp), RefreshToken: refresh, AccountID: "acc-file"}, "", "acc-file"},
		{"id from the tokens' claims", codex.Tokens{IDToken: codextest.MintJWT(withID, exp), AccessToken: codextest.MintJWT(withID, exp), RefreshToken: refresh}, "", "acc-chatgpt-1"},
		{"no id anywhere", codex.Tokens{IDToken: codextest.MintJWT(noID, exp), AccessToken: codextest.MintJWT(noID, exp), RefreshToken: refresh}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := codex.OpenCodeAuth(tc.tokens, tc.param)
			if err != nil {
				t.Fatal(err)
			}
			var file map[string]map[string]any
			if err := json.Unmarshal(data, &file); err != nil {
				t.Fatal(err)
			}
			if len(file) != 1 || file["openai"] == nil {
				t.Fatalf("top level = %v, want only openai", file)
			}
			e := file["openai"]
			if e["type"] != "oauth" || e["refresh"] != tc.tokens.RefreshToken || e["access"] != tc.tokens.AccessToken {
				t.Errorf("entry = %v", e)
			}
			if e["expires"] != float64(exp.UnixMilli()) {
				t.Errorf("expires = %v, want %d (epoch ms)", e["expires"], exp.UnixMilli())
			}
			id, present := e["accountId"]
			switch {
			case tc.wantID == "" && present:
				t.Errorf("accountId = %v, want it left out", id)
			case tc.wantID != "" && id != tc.wantID:
				t.Errorf("accountId = %v, want %s", id, tc.wantID)
			}
			if want := map[bool]int{true: 5, false: 4}[tc.wantID != ""]; len(e) != want {
				t.Errorf("entry has %d fields, want %d: %v", len(e), want, e)
			}
		})
	}
}

func TestOpenCodeAuthRefusesIncompleteLogins(t *testing.T) {
	t.Parallel()
	access := codextest.MintJWT(codextest.Identity{AccountID: "a"}, time.Now().Add(time.Hour))
	refresh := codextest.RandomToken("rt_")
	noExp := "eyJhbGciOiJub25lIn0." + "eyJzdWIiOiJ4In0" + ".c2ln"
	for name, tok := range map[string]codex.Tokens{
		"no refresh token":   {AccessToken: access},
		"no access token":    {RefreshToken: refresh},
		"opaque access":      {AccessToken: "not-a-jwt-" + refresh, RefreshToken: refresh},
		"access without exp": {AccessToken: noExp, RefreshToken: refresh},
	} {
		_, err := codex.OpenCodeAuth(tok, "")
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), refresh) || strings.Contains(err.Error(), access) {
			t.Errorf("%s: the error shows a token: %v", name, err)
		}
	}
}

func TestWriteOpenCodeAuth(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(240 * time.Hour)
	tok := codex.Tokens{AccessToken: codextest.MintJWT(codextest.Identity{AccountID: "acc-1"}, exp), RefreshToken: codextest.RandomToken("rt_")}
	data, err := codex.OpenCodeAuth(tok, "")
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "share", "opencode")
	path := filepath.Join(dir, "auth.json")
	if err := codex.WriteOpenCodeAuth(path, data); err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Errorf("mode = %04o, want 0600", m)
	}
	if m := fileMode(t, dir); m != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", m)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &got); err != nil || got["openai"]["refresh"] != tok.RefreshToken {
		t.Fatalf("saved %v, %v", got, err)
	}

	// Other providers' logins stay; a looser mode is narrowed.
	other := `{"anthropic": {"type": "api", "key": "k"}, "openai": {"type": "api", "key": "old"}}`
	if err := os.WriteFile(path, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := codex.WriteOpenCodeAuth(path, data); err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal([]byte(readFile(t, path)), &got); err != nil {
		t.Fatal(err)
	}
	if got["anthropic"]["key"] != "k" || got["openai"]["type"] != "oauth" || got["openai"]["accountId"] != "acc-1" {
		t.Errorf("merged file = %v", got)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Errorf("mode = %04o, want 0600", m)
	}

	// A file that is not a JSON object is never overwritten.
	bad := "not json " + tok.RefreshToken
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err = codex.WriteOpenCodeAuth(path, data)
	if !errors.Is(err, codex.ErrUnsupportedConfig) || strings.Contains(err.Error(), tok.RefreshToken) {
		t.Errorf("err = %v, want ErrUnsupportedConfig without the file's content", err)
	}
	if readFile(t, path) != bad {
		t.Error("an unreadable auth.json was overwritten")
	}
	if err := codex.WriteOpenCodeAuth(path, []byte(`["x"]`)); !errors.Is(err, codex.ErrUnsupportedConfig) {
		t.Errorf("saving a non-object: err = %v", err)
	}
}

func TestPreviewToken(t *testing.T) {
	t.Parallel()
	long := codextest.MintJWT(codextest.Identity{AccountID: "a"}, time.Now())
	cases := []struct {
		tok, want string
	}{
		{"", ""},
		{"abc", "…"},
		{"abcdefghij", "ab…ij"},
		{"sk-proj-0123456789abcdefghijklmnopqrstuvwxyz", "sk-pro…wxyz"},
		{long, long[:6] + "…" + long[len(long)-4:]},
	}
	for _, tc := range cases {
		if got := codex.PreviewToken(tc.tok); got != tc.want {
			t.Errorf("PreviewToken(%q) = %q, want %q", tc.tok, got, tc.want)
		}
	}
	for n := 0; n < 200; n++ {
		tok := strings.Repeat("x", n)
		shown := strings.Count(codex.PreviewToken(tok), "x")
		if shown > 10 || (n > 0 && shown*2 > n) {
			t.Errorf("PreviewToken of %d characters shows %d of them", n, shown)
		}
	}
}

func TestDisconnectOpenCodeWhereverTheEntryMoved(t *testing.T) {
	t.Parallel()
	entry := `{"npm": "@ai-sdk/openai", "name": "Quiver", "options": {"baseURL": "http://localhost:8799/v1", "apiKey": "k"}, "models": {}}`
	cases := []struct{ orig, want string }{
		{
			orig: "{\"provider\": {\"a\": {}, /* keep */ \"quiver\": " + entry + "}}",
			want: "{\"provider\": {\"a\": {} /* keep */}}",
		},
		{
			orig: "{\"provider\": {\"a\": {},\n  \"quiver\": " + entry + ",\n  // keep\n  \"b\": 1}}",
			want: "{\"provider\": {\"a\": {},\n  // keep\n  \"b\": 1}}",
		},
		{
			orig: "{\"x\": 1, \"provider\": {\"quiver\": " + entry + ",}, // keep\n}",
			want: "{\"x\": 1, // keep\n}",
		},
		{
			orig: "{\"provider\": {\n  \"quiver\": " + entry + "\n}}",
			want: "{}",
		},
	}
	for _, tc := range cases {
		path := filepath.Join(t.TempDir(), "opencode.jsonc")
		if err := os.WriteFile(path, []byte(tc.orig), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := codex.DisconnectOpenCode(path)
		if err != nil || !res.Changed {
			t.Fatalf("DisconnectOpenCode(%q) = %+v, %v", tc.orig, res, err)
		}
		if got := readFile(t, path); got != tc.want {
			t.Errorf("undo of\n%q\n= %q\nwant %q", tc.orig, got, tc.want)
		}
	}
}
