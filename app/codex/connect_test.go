package codex_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/codex/codextest"
)

const (
	codexBegin = "# >>> quiver (managed by 'quiver connect codex'; remove with 'quiver connect codex --undo') >>>"
	codexEnd   = "# <<< quiver <<<"
)

// codexBlockText is the managed block ConnectCodex appends, with "\n" line
// breaks; extra lines go right after the begin marker.
func codexBlockText(port, key string, extra ...string) string {
	lines := append([]string{codexBegin}, extra...)
	lines = append(lines,
		"[model_providers.quiver]",
		`name = "Quiver"`,
		`base_url = "http://127.0.0.1:`+port+`/backend-api/codex"`,
		`wire_api = "responses"`,
		"supports_websockets = false",
		"requires_openai_auth = false",
		`experimental_bearer_token = "`+key+`"`,
		codexEnd,
	)
	return strings.Join(lines, "\n") + "\n"
}

type codexFixture struct {
	name   string
	exists bool
	orig   string
	// want is the whole expected file after connecting, in terms of the
	// key (KEY) and the block (BLOCK); "" skips the exact comparison.
	want string
}

func codexFixtures() []codexFixture {
	return []codexFixture{
		{name: "missing file", want: "BLOCK_WITH_LINE"},
		{name: "empty file", exists: true, orig: "", want: "BLOCK_WITH_LINE"},
		{
			name:   "comments, tables and another provider",
			exists: true,
			orig: "# my codex config\n" +
				"model = \"gpt-5.1-codex\"  # favourite\n" +
				"approval_policy = \"on-request\"\n" +
				"\n" +
				"# features I like\n" +
				"[features]\n" +
				"web_search = true # keep\n" +
				"\n" +
				"[model_providers.other]\n" +
				"name = \"Other\"\n" +
				"base_url = \"https://example.invalid/v1\"\n",
			want: "# my codex config\n" +
				"model = \"gpt-5.1-codex\"  # favourite\n" +
				"approval_policy = \"on-request\"\n" +
				"\n" +
				"# features I like\n" +
				"model_provider = \"quiver\" # quiver\n" +
				"[features]\n" +
				"web_search = true # keep\n" +
				"\n" +
				"[model_providers.other]\n" +
				"name = \"Other\"\n" +
				"base_url = \"https://example.invalid/v1\"\n" +
				"\n" +
				"BLOCK",
		},
		{
			name:   "existing model_provider",
			exists: true,
			orig: "model_provider = \"other\"   # mine\n" +
				"model = \"o3\"\n" +
				"\n" +
				"[model_providers.other]\n" +
				"name = \"Other\"\n",
			want: "model_provider = \"quiver\" # quiver\n" +
				"model = \"o3\"\n" +
				"\n" +
				"[model_providers.other]\n" +
				"name = \"Other\"\n" +
				"\n" +
				"BLOCK_SAVED:model_provider = \"other\"   # mine",
		},
		{
			name:   "quoted model_provider key",
			exists: true,
			orig:   "\"model_provider\" = 'other'\n[model_providers.other]\nname = \"Other\"\n",
		},
		{
			name:   "no trailing newline",
			exists: true,
			orig:   "model = \"o3\"\n[tui]\nnotifications = true",
			want:   "model = \"o3\"\nmodel_provider = \"quiver\" # quiver\n[tui]\nnotifications = true\nBLOCK",
		},
		{
			name:   "no table at all",
			exists: true,
			orig:   "model = \"o3\"\n# the end",
			want:   "model = \"o3\"\n# the end\nBLOCK_WITH_LINE",
		},
		{
			name:   "CRLF line endings",
			exists: true,
			orig:   "# windows\r\nmodel = \"o3\"\r\n\r\n[features]\r\nweb_search = true\r\n",
		},
		{
			name:   "headers and keys inside strings and arrays",
			exists: true,
			orig: "instructions = \"\"\"\n" +
				"[not_a_table]\n" +
				"model_provider = \"fake\"\n" +
				"\"\"\"\n" +
				"notes = '''\n" +
				"[nor_this]\n" +
				"'''\n" +
				"matrix = [\n" +
				"  [1, 2],\n" +
				"  [3, 4],\n" +
				"]\n" +
				"[profiles.work]\n" +
				"model = \"o3\"\n",
			want: "instructions = \"\"\"\n" +
				"[not_a_table]\n" +
				"model_provider = \"fake\"\n" +
				"\"\"\"\n" +
				"notes = '''\n" +
				"[nor_this]\n" +
				"'''\n" +
				"matrix = [\n" +
				"  [1, 2],\n" +
				"  [3, 4],\n" +
				"]\n" +
				"model_provider = \"quiver\" # quiver\n" +
				"[profiles.work]\n" +
				"model = \"o3\"\n" +
				"\n" +
				"BLOCK",
		},
		{
			name:   "first line is a table",
			exists: true,
			orig:   "[features]\nweb_search = true\n\n\n",
			want:   "model_provider = \"quiver\" # quiver\n[features]\nweb_search = true\n\n\n\nBLOCK",
		},
		{
			name:   "providers defined with dotted keys",
			exists: true,
			orig:   "model_providers.other.name = \"Other\"\nmodel_providers.other.base_url = \"http://127.0.0.1:1/v1\"\n",
		},
	}
}

// expand turns a fixture's want into bytes.
func (f codexFixture) expand(port, key string) string {
	w := f.want
	switch {
	case w == "BLOCK_WITH_LINE":
		return codexBlockText(port, key, `model_provider = "quiver"`)
	case strings.HasSuffix(w, "BLOCK_WITH_LINE"):
		return strings.TrimSuffix(w, "BLOCK_WITH_LINE") + codexBlockText(port, key, `model_provider = "quiver"`)
	case strings.Contains(w, "BLOCK_SAVED:"):
		i := strings.Index(w, "BLOCK_SAVED:")
		return w[:i] + codexBlockText(port, key, "# quiver saved: "+w[i+len("BLOCK_SAVED:"):])
	case strings.HasSuffix(w, "BLOCK"):
		return strings.TrimSuffix(w, "BLOCK") + codexBlockText(port, key)
	}
	return w
}

func writeFixture(t *testing.T, dir string, f codexFixture, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, "config.toml")
	if f.exists {
		if err := os.WriteFile(path, []byte(f.orig), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

type decodedCodexConfig struct {
	ModelProvider  string                    `toml:"model_provider"`
	ModelProviders map[string]map[string]any `toml:"model_providers"`
}

// assertCodexSelectsQuiver decodes config.toml the way a TOML reader would
// and checks that model_provider resolves to Quiver's provider.
func assertCodexSelectsQuiver(t *testing.T, path, port, key string) map[string]any {
	t.Helper()
	var cfg decodedCodexConfig
	if _, err := toml.DecodeFile(path, &cfg); err != nil {
		t.Fatalf("config.toml does not parse: %v", err)
	}
	if cfg.ModelProvider != "quiver" {
		t.Fatalf("model_provider = %q, want quiver", cfg.ModelProvider)
	}
	p, ok := cfg.ModelProviders[cfg.ModelProvider]
	if !ok {
		t.Fatalf("model_provider %q names no [model_providers] entry", cfg.ModelProvider)
	}
	want := map[string]any{
		"name":                      "Quiver",
		"base_url":                  "http://127.0.0.1:" + port + "/backend-api/codex",
		"wire_api":                  "responses",
		"supports_websockets":       false,
		"requires_openai_auth":      false,
		"experimental_bearer_token": key,
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("model_providers.quiver.%s = %v, want %v", k, p[k], v)
		}
	}
	if len(p) != len(want) {
		t.Errorf("model_providers.quiver has %d fields, want %d: %v", len(p), len(want), p)
	}
	if strings.EqualFold(p["name"].(string), "openai") {
		t.Error("the provider must not be named OpenAI")
	}
	var all map[string]any
	if _, err := toml.DecodeFile(path, &all); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestConnectCodexFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range codexFixtures() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			home := filepath.Join(t.TempDir(), "codex-home")
			if f.exists {
				if err := os.MkdirAll(home, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			path := writeFixture(t, home, f, 0o600)
			key := codextest.RandomToken("qk_")
			var before map[string]any
			if f.exists {
				if _, err := toml.Decode(f.orig, &before); err != nil {
					t.Fatalf("fixture does not parse: %v", err)
				}
			}

			res, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: key})
			if err != nil {
				t.Fatalf("ConnectCodex: %v", err)
			}
			if !res.Changed || res.Path != path {
				t.Fatalf("result = %+v, want Changed at %s", res, path)
			}
			got := readFile(t, path)
			if f.want != "" {
				want := f.expand("8799", key)
				if f.name == "CRLF line endings" {
					want = strings.ReplaceAll(want, "\n", "\r\n")
				}
				if got != want {
					t.Errorf("config.toml =\n%s\nwant\n%s", got, want)
				}
			}
			if f.name == "CRLF line endings" && strings.Count(got, "\n") != strings.Count(got, "\r\n") {
				t.Errorf("a CRLF file got LF-only lines:\n%q", got)
			}
			if strings.Count(got, codexBegin) != 1 || strings.Count(got, codexEnd) != 1 {
				t.Errorf("want exactly one managed block:\n%s", got)
			}
			after := assertCodexSelectsQuiver(t, path, "8799", key)
			// Every other setting decodes as before.
			delete(after, "model_provider")
			if mp, ok := after["model_providers"].(map[string]any); ok {
				delete(mp, "quiver")
				if len(mp) == 0 {
					if _, had := before["model_providers"]; !had {
						delete(after, "model_providers")
					}
				}
			}
			if before == nil {
				before = map[string]any{}
			}
			delete(before, "model_provider")
			if !reflect.DeepEqual(after, before) {
				t.Errorf("other settings changed:\n got %v\nwant %v", after, before)
			}
			if m := fileMode(t, path); m != 0o600 {
				t.Errorf("mode = %04o, want 0600", m)
			}
			if !f.exists {
				if m := fileMode(t, home); m != 0o700 {
					t.Errorf("created directory mode = %04o, want 0700", m)
				}
				if !res.Created {
					t.Errorf("ConnectCodex of a missing file = %+v, want Created", res)
				}
				if res.Backup != "" {
					t.Errorf("backup %q of a file that did not exist", res.Backup)
				}
			} else {
				if res.Backup != path+".quiver-backup" || readFile(t, res.Backup) != f.orig {
					t.Errorf("backup %q does not hold the previous content", res.Backup)
				}
				if m := fileMode(t, res.Backup); m != 0o600 {
					t.Errorf("backup mode = %04o, want 0600", m)
				}
			}

			// Again with the same settings: nothing to do.
			res, err = codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799/", Key: key})
			if err != nil || res.Changed {
				t.Fatalf("second ConnectCodex = %+v, %v; want unchanged", res, err)
			}
			if readFile(t, path) != got {
				t.Fatal("an unchanged connect rewrote the file")
			}

			// New port and key: the block is updated in place, not repeated.
			key2 := codextest.RandomToken("qk_")
			res, err = codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:9100", Key: key2})
			if err != nil || !res.Changed {
				t.Fatalf("ConnectCodex with a new port = %+v, %v", res, err)
			}
			updated := readFile(t, path)
			if strings.Count(updated, codexBegin) != 1 || strings.Count(updated, "model_provider = \"quiver\"") != 1 {
				t.Errorf("connecting again added a second entry:\n%s", updated)
			}
			if strings.Contains(updated, key) {
				t.Error("the old key is still in the file")
			}
			assertCodexSelectsQuiver(t, path, "9100", key2)
			if f.want != "" && f.name != "CRLF line endings" {
				if want := f.expand("9100", key2); updated != want {
					t.Errorf("updated config.toml =\n%s\nwant\n%s", updated, want)
				}
			}

			// Undo gives back the user's file byte for byte.
			res, err = codex.DisconnectCodex(home)
			if err != nil || !res.Changed {
				t.Fatalf("DisconnectCodex = %+v, %v", res, err)
			}
			if !f.exists {
				// Quiver created the file: the undo removes it again.
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) || !res.Removed {
					t.Errorf("undo of a connect that created config.toml = %+v; the file: %v", res, err)
				}
				if _, err := os.Stat(path + ".quiver-created"); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("undo left the note that Quiver created the file: %v", err)
				}
			} else if restored := readFile(t, path); restored != f.orig {
				t.Errorf("after undo:\n%q\nwant\n%q", restored, f.orig)
			}
			res, err = codex.DisconnectCodex(home)
			if err != nil || res.Changed {
				t.Errorf("a second undo = %+v, %v; want unchanged", res, err)
			}
		})
	}
}

func TestConnectCodexRefusesAProviderOfTheUsers(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"table":        "model = \"o3\"\n[model_providers.quiver]\nname = \"Mine\"\nbase_url = \"http://example.invalid\"\n",
		"inline table": "model_providers = { quiver = { name = \"Mine\" } }\n",
		"dotted keys":  "model_providers.quiver.name = \"Mine\"\n",
	}
	for name, orig := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			path := filepath.Join(home, "config.toml")
			if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-123"})
			if !errors.Is(err, codex.ErrProviderConflict) {
				t.Fatalf("err = %v, want ErrProviderConflict", err)
			}
			if res.Changed || readFile(t, path) != orig {
				t.Error("the file was changed")
			}
			if _, err := os.Stat(path + ".quiver-backup"); !errors.Is(err, os.ErrNotExist) {
				t.Error("a backup was written for a refused change")
			}
		})
	}
}

func TestConnectCodexOtherProviderIDAndConflictWithIt(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	key := codextest.RandomToken("qk_")
	if _, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: key, ProviderID: "quiver-work"}); err != nil {
		t.Fatal(err)
	}
	var cfg decodedCodexConfig
	if _, err := toml.DecodeFile(filepath.Join(home, "config.toml"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ModelProvider != "quiver-work" || cfg.ModelProviders["quiver-work"]["experimental_bearer_token"] != key {
		t.Errorf("decoded %+v", cfg)
	}
}

func TestConnectCodexBadInput(t *testing.T) {
	t.Parallel()
	secret := codextest.RandomToken("qk_")
	cases := []struct {
		name string
		c    codex.CodexConnection
	}{
		{"empty key", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799"}},
		{"key with a space", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: secret + " x"}},
		{"key with a newline", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: secret + "\n[x]"}},
		{"openai id", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: secret, ProviderID: "openai"}},
		{"OpenAI id", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: secret, ProviderID: "OpenAI"}},
		{"id that is not a bare key", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: secret, ProviderID: "a.b"}},
		{"no scheme", codex.CodexConnection{ProxyURL: "127.0.0.1:8799", Key: secret}},
		{"ftp", codex.CodexConnection{ProxyURL: "ftp://127.0.0.1:8799", Key: secret}},
		{"query", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799/?a=1", Key: secret}},
		{"user info in URL", codex.CodexConnection{ProxyURL: "http://me:pw@127.0.0.1:8799", Key: secret}},
		{"fragment", codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799/#x", Key: secret}},
		{"no host", codex.CodexConnection{ProxyURL: "http:///x", Key: secret}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			_, err := codex.ConnectCodex(home, tc.c)
			if !errors.Is(err, codex.ErrInvalidConnection) {
				t.Fatalf("err = %v, want ErrInvalidConnection", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the key: %v", err)
			}
			if _, err := os.Stat(filepath.Join(home, "config.toml")); !errors.Is(err, os.ErrNotExist) {
				t.Error("a file was written")
			}
		})
	}
}

func TestConnectCodexRefusesFilesItCannotEditSafely(t *testing.T) {
	t.Parallel()
	secret := codextest.RandomToken("sk-")
	cases := map[string]string{
		"not TOML":            "model = \"o3\"\nexperimental_bearer_token = " + secret + "\n",
		"unterminated string": "model = \"o3\ntoken = \"" + secret + "\n",
		"block without end":   "model = \"o3\"\n" + codexBegin + "\n[model_providers.quiver]\nname = \"Quiver\"\n",
		"model_provider spanning lines": "model_provider = \"\"\"\nother\"\"\"\n" +
			"[model_providers.other]\nname = \"x\"\n",
	}
	for name, orig := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			path := filepath.Join(home, "config.toml")
			if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"})
			if !errors.Is(err, codex.ErrUnsupportedConfig) {
				t.Fatalf("err = %v, want ErrUnsupportedConfig", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error quotes the file: %v", err)
			}
			if readFile(t, path) != orig {
				t.Error("the file was changed")
			}
		})
	}
}

func TestConnectCodexNarrowsAnOpenMode(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	if err := os.WriteFile(path, []byte("model = \"o3\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	key := codextest.RandomToken("qk_")
	res, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Errorf("mode = %04o, want 0600", m)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "0644") {
		t.Errorf("warnings = %q, want one about the narrowed mode", res.Warnings)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w, key) {
			t.Error("a warning shows the key")
		}
	}

	// Widened again by hand while connected: an unchanged connect narrows it.
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	res, err = codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: key})
	if err != nil || res.Changed {
		t.Fatalf("ConnectCodex = %+v, %v", res, err)
	}
	if m := fileMode(t, path); m != 0o600 || len(res.Warnings) != 1 {
		t.Errorf("mode = %04o, warnings %q; want 0600 and a warning", m, res.Warnings)
	}
}

func TestConnectCodexWarnsAboutReplacedProviderAndProfiles(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	orig := "model_provider = \"other\"\nprofile = \"work\"\n[profiles.work]\nmodel_provider = \"azure\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(res.Warnings, "\n")
	if !strings.Contains(joined, "`model_provider = \"other\"`") || !strings.Contains(joined, `"work"`) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestDisconnectCodexWithoutAnythingToUndo(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "missing")
	res, err := codex.DisconnectCodex(home)
	if err != nil || res.Changed {
		t.Fatalf("DisconnectCodex of a missing file = %+v, %v", res, err)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Error("undo created the Codex home")
	}

	home = t.TempDir()
	orig := "model = \"o3\" # quiver\n[features]\n"
	path := filepath.Join(home, "config.toml")
	if err := os.WriteFile(path, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = codex.DisconnectCodex(home)
	if err != nil || res.Changed || readFile(t, path) != orig {
		t.Fatalf("DisconnectCodex of an untouched file = %+v, %v", res, err)
	}
}

func TestDisconnectCodexKeepsWhatTheUserAddedAfterTheBlock(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	path := filepath.Join(home, "config.toml")
	orig := "model = \"o3\"" // no final newline
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("[projects.\"/src\"]\ntrust_level = \"trusted\"\n")
	f.Close()

	if _, err := codex.DisconnectCodex(home); err != nil {
		t.Fatal(err)
	}
	want := "model = \"o3\"\n[projects.\"/src\"]\ntrust_level = \"trusted\"\n"
	if got := readFile(t, path); got != want {
		t.Errorf("after undo:\n%q\nwant\n%q", got, want)
	}
}

func TestConnectCodexFollowsASymlinkedConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	home := filepath.Join(dir, "codex")
	dotfiles := filepath.Join(dir, "dotfiles")
	for _, d := range []string{home, dotfiles} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	target := filepath.Join(dotfiles, "config.toml")
	if err := os.WriteFile(target, []byte("model = \"o3\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(home, "config.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	res, err := codex.ConnectCodex(home, codex.CodexConnection{ProxyURL: "http://127.0.0.1:8799", Key: "k-1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != target {
		t.Errorf("Path = %s, want the link's target %s", res.Path, target)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if !strings.Contains(readFile(t, target), codexBegin) {
		t.Error("the target was not edited")
	}
}
