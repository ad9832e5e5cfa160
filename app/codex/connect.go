package codex

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// This file points the Codex CLI at Quiver's proxy: a provider entry in
// $CODEX_HOME/config.toml, written by a careful textual edit that keeps every
// other byte of the user's file (comments, order, line endings) as it was.
//
// What Quiver adds is fenced by marker comments at the end of the file:
//
//	# >>> quiver (managed by 'quiver connect codex'; remove with 'quiver connect codex --undo') >>>
//	# quiver saved: model_provider = "their-old-provider"
//	[model_providers.quiver]
//	name = "Quiver"
//	base_url = "http://127.0.0.1:8799/backend-api/codex"
//	...
//	# <<< quiver <<<
//
// plus one top-level line, `model_provider = "quiver" # quiver`, which must
// stand before the first table header (TOML puts every key after a header
// into that table). It replaces the user's own model_provider line when there
// is one; that line is kept verbatim in the block ("quiver saved:") so that
// undo puts it back. When the file has no table at all, the line goes inside
// the block instead.
//
// The proxy key travels as `experimental_bearer_token`. Of the fields the
// Codex CLI offers (codex-rs/model-provider-info: env_key, env_http_headers,
// http_headers, experimental_bearer_token, requires_openai_auth), it is the
// one that needs no environment variable and replaces the Authorization
// header: the CLI resolves provider auth as env_key, then
// experimental_bearer_token, then the ChatGPT login in auth.json. With a
// static x-api-key header instead, the CLI would still attach the user's
// ChatGPT access token from auth.json to every request to the proxy. The
// CLI then runs in API-key mode (requires_openai_auth = false), so it skips
// the ChatGPT-only side calls too.

// DefaultProviderID is the provider id Quiver registers with the clients.
const DefaultProviderID = "quiver"

const (
	codexBeginMarker = "# >>> quiver (managed by 'quiver connect codex'; remove with 'quiver connect codex --undo') >>>"
	codexEndMarker   = "# <<< quiver <<<"
	codexSavedPrefix = "# quiver saved: "
	codexLineMarker  = " # quiver"
	backupSuffix     = ".quiver-backup"
)

var (
	// ErrInvalidConnection is returned for connection settings that cannot
	// be written (an empty key, a reserved provider id, a bad proxy URL).
	ErrInvalidConnection = errors.New("invalid connection settings")
	// ErrProviderConflict is returned when the user's config already
	// defines a provider with Quiver's id that Quiver did not write. Nothing
	// is changed.
	ErrProviderConflict = errors.New("the config already defines a provider with that id")
	// ErrUnsupportedConfig is returned when a config file cannot be edited
	// safely: it does not parse, or the edit would touch the user's own
	// settings. Nothing is changed.
	ErrUnsupportedConfig = errors.New("config file cannot be edited safely")
)

// ConnectResult says what ConnectCodex, ConnectOpenCode and their undo did.
type ConnectResult struct {
	Path     string   // the file edited (symlinks resolved)
	Backup   string   // copy of the content before this change; "" when nothing was backed up
	Changed  bool     // false when the file already said what was asked
	Created  bool     // the file did not exist: Quiver created it (its undo removes it again)
	Removed  bool     // an undo removed the file Quiver had created, since nothing else was left in it
	Warnings []string // things the user should know (a narrowed mode, a profile that overrides)
}

// CodexConnection says where the Codex CLI finds Quiver's proxy.
type CodexConnection struct {
	ProxyURL   string // e.g. http://127.0.0.1:8799
	Key        string // the proxy key
	ProviderID string // DefaultProviderID when empty
}

// CodexConfigPath returns the config.toml inside a Codex home.
func CodexConfigPath(codexHome string) string { return filepath.Join(codexHome, "config.toml") }

// ConnectCodex adds (or updates) Quiver's provider in codexHome/config.toml
// and makes it the model_provider. Running it again with new settings
// rewrites the managed block in place; with the same settings it changes
// nothing. The file is created (0600, directory 0700) when missing; it is
// kept 0600 since it now holds the proxy key.
func ConnectCodex(codexHome string, c CodexConnection) (ConnectResult, error) {
	c, err := c.normalized()
	if err != nil {
		return ConnectResult{}, err
	}
	return editConfig(CodexConfigPath(codexHome), true, func(old []byte) ([]byte, []string, error) {
		return connectCodexConfig(old, c)
	})
}

// DisconnectCodex removes what ConnectCodex added and restores the user's
// own model_provider line. A file Quiver never touched is left alone.
func DisconnectCodex(codexHome string) (ConnectResult, error) {
	return editConfig(CodexConfigPath(codexHome), false, func(old []byte) ([]byte, []string, error) {
		orig, _, err := stripCodexManaged(old)
		return orig, nil, err
	})
}

func (c CodexConnection) normalized() (CodexConnection, error) {
	var err error
	c.ProviderID, c.ProxyURL, err = normalizeConnection(c.ProviderID, c.ProxyURL, c.Key)
	return c, err
}

// normalizeConnection checks what every client connection has: the
// provider id (DefaultProviderID when empty), the proxy URL and the key.
func normalizeConnection(providerID, proxyURL, key string) (string, string, error) {
	if providerID == "" {
		providerID = DefaultProviderID
	}
	if err := checkProviderID(providerID); err != nil {
		return providerID, proxyURL, err
	}
	u, err := normalizeProxyURL(proxyURL)
	if err != nil {
		return providerID, proxyURL, err
	}
	return providerID, u, checkProxyKey(key)
}

var providerIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkProviderID refuses ids the clients treat specially. The Codex CLI
// switches to ChatGPT workspace discovery for its "openai" provider, which
// sends traffic to chatgpt.com; the others are its built-in providers.
func checkProviderID(id string) error {
	if !providerIDPattern.MatchString(id) {
		return fmt.Errorf("%w: provider id %q must be 1-64 letters, digits, '-' or '_'", ErrInvalidConnection, id)
	}
	switch strings.ToLower(id) {
	case "openai", "ollama", "ollama-chat", "lmstudio", "amazon-bedrock", "oss":
		return fmt.Errorf("%w: provider id %q is reserved by the client", ErrInvalidConnection, id)
	}
	return nil
}

func normalizeProxyURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w: proxy URL %q is not an http(s) URL like http://127.0.0.1:8799", ErrInvalidConnection, raw)
	}
	s := strings.TrimRight(u.String(), "/")
	for _, r := range s {
		if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
			return "", fmt.Errorf("%w: proxy URL %q has characters a config file cannot hold plainly", ErrInvalidConnection, raw)
		}
	}
	return s, nil
}

// checkProxyKey accepts what can go into an HTTP header as it is. The error
// never quotes the key.
func checkProxyKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: the proxy key is empty", ErrInvalidConnection)
	}
	if len(key) > 4096 {
		return fmt.Errorf("%w: the proxy key is too long", ErrInvalidConnection)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return fmt.Errorf("%w: the proxy key has a character that cannot go into an HTTP header", ErrInvalidConnection)
		}
	}
	return nil
}

// editConfig reads path (following a symlink to its target), lets edit
// compute the new content, and writes it atomically after keeping the old
// content in path.quiver-backup. holdsSecret keeps the file at 0600.
func editConfig(path string, holdsSecret bool, edit func(old []byte) ([]byte, []string, error)) (ConnectResult, error) {
	target, err := resolveConfigPath(path)
	if err != nil {
		return ConnectResult{}, err
	}
	res := ConnectResult{Path: target}
	name := filepath.Base(target)
	old, err := os.ReadFile(target)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("reading %s: %w", name, err)
	}
	if !exists && !holdsSecret {
		return res, nil // nothing to undo
	}
	var mode fs.FileMode = 0o600
	if exists {
		info, err := os.Stat(target)
		if err != nil {
			return res, fmt.Errorf("reading %s: %w", name, err)
		}
		mode = info.Mode().Perm()
	}
	updated, warnings, err := edit(old)
	if err != nil {
		return res, err
	}
	res.Warnings = warnings
	perm := mode
	if holdsSecret && mode&0o077 != 0 {
		perm = 0o600
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s was readable by others (mode %04o); narrowed to 0600 since it holds the proxy key", name, mode))
	}
	if !holdsSecret && createdByQuiver(target) && emptyConfig(updated) {
		// Undo of a connect that created the file: remove it again
		// rather than leave an empty config behind.
		if err := os.Remove(target); err != nil {
			return res, fmt.Errorf("removing %s: %w", name, err)
		}
		os.Remove(target + createdSuffix)
		res.Changed, res.Removed = true, true
		return res, nil
	}
	if exists && bytes.Equal(updated, old) {
		if perm != mode {
			if err := os.Chmod(target, perm); err != nil {
				return res, fmt.Errorf("narrowing the mode of %s: %w", name, err)
			}
		}
		return res, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return res, fmt.Errorf("creating %s: %w", filepath.Dir(target), err)
	}
	if exists {
		res.Backup = target + backupSuffix
		if err := atomicfile.WriteFile(res.Backup, old, 0o600); err != nil {
			return ConnectResult{Path: target}, fmt.Errorf("backing up %s: %w", name, err)
		}
	}
	if err := atomicfile.WriteFile(target, updated, perm); err != nil {
		return res, fmt.Errorf("writing %s: %w", name, err)
	}
	res.Changed = true
	switch {
	case !exists:
		res.Created = true
		if err := atomicfile.WriteFile(target+createdSuffix, []byte(createdNote), 0o600); err != nil {
			return res, fmt.Errorf("noting that Quiver created %s: %w", name, err)
		}
	case !holdsSecret:
		// The undo left the user's own settings: the file is theirs now.
		os.Remove(target + createdSuffix)
	}
	return res, nil
}

// createdSuffix names the note that Quiver created a config file (it did
// not exist before `quiver connect`), so that the undo may remove it.
const (
	createdSuffix = ".quiver-created"
	createdNote   = "Quiver created the file beside this one (`quiver connect`); `quiver connect --undo` removes it while it holds nothing but Quiver's entry.\n"
)

func createdByQuiver(target string) bool {
	_, err := os.Stat(target + createdSuffix)
	return err == nil
}

// emptyConfig reports whether a config holds nothing: only white space
// (config.toml), or an empty JSON object (OpenCode's config).
func emptyConfig(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return true
	}
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// resolveConfigPath follows a symlinked config (dotfile managers link them)
// so that the atomic rename replaces the target, not the link.
func resolveConfigPath(path string) (string, error) { return atomicfile.ResolveLink(path) }

// connectCodexConfig returns old with Quiver's provider in it.
func connectCodexConfig(old []byte, c CodexConnection) ([]byte, []string, error) {
	orig, _, err := stripCodexManaged(old)
	if err != nil {
		return nil, nil, err
	}
	origDoc, err := decodeTOML(orig)
	if err != nil {
		return nil, nil, err
	}
	if providers, ok := origDoc["model_providers"].(map[string]any); ok {
		if _, taken := providers[c.ProviderID]; taken {
			return nil, nil, fmt.Errorf("%w: config.toml defines model_providers.%s itself; rename or remove it, then connect again", ErrProviderConflict, c.ProviderID)
		}
	}
	lines := scanTOML(orig)
	eol := lineEnding(orig)
	managedLine := fmt.Sprintf("model_provider = %s%s", tomlString(c.ProviderID), codexLineMarker)

	var out bytes.Buffer
	var saved string
	lineInBlock := false
	switch i, hdr := topLevelKey(lines, orig, modelProviderKey), firstHeader(lines); {
	case i >= 0:
		l := lines[i]
		if !l.closed {
			return nil, nil, fmt.Errorf("%w: the model_provider line continues over several lines", ErrUnsupportedConfig)
		}
		saved = string(orig[l.start:l.end])
		out.Write(orig[:l.start])
		out.WriteString(managedLine)
		out.Write(orig[l.end:])
	case hdr >= 0:
		at := lines[hdr].start
		out.Write(orig[:at])
		out.WriteString(managedLine + eol)
		out.Write(orig[at:])
	default:
		out.Write(orig)
		lineInBlock = true
	}
	if len(orig) > 0 {
		// One line break: it ends a last line that had none, or leaves a
		// blank line before the block. Undo takes exactly this one away.
		out.WriteString(eol)
	}
	out.WriteString(codexBlock(c, saved, lineInBlock, eol))
	updated := out.Bytes()

	if err := checkCodexEdit(origDoc, updated, c); err != nil {
		return nil, nil, err
	}
	return updated, codexWarnings(origDoc, saved), nil
}

func codexBlock(c CodexConnection, saved string, withProviderLine bool, eol string) string {
	lines := []string{codexBeginMarker}
	if saved != "" {
		lines = append(lines, codexSavedPrefix+saved)
	}
	if withProviderLine {
		lines = append(lines, "model_provider = "+tomlString(c.ProviderID))
	}
	lines = append(lines,
		"[model_providers."+c.ProviderID+"]",
		`name = "Quiver"`,
		"base_url = "+tomlString(c.ProxyURL+"/backend-api/codex"),
		`wire_api = "responses"`,
		"supports_websockets = false",
		"requires_openai_auth = false",
		"experimental_bearer_token = "+tomlString(c.Key),
		codexEndMarker,
	)
	return strings.Join(lines, eol) + eol
}

func codexProviderValues(c CodexConnection) map[string]any {
	return map[string]any{
		"name":                      "Quiver",
		"base_url":                  c.ProxyURL + "/backend-api/codex",
		"wire_api":                  "responses",
		"supports_websockets":       false,
		"requires_openai_auth":      false,
		"experimental_bearer_token": c.Key,
	}
}

// checkCodexEdit proves the edit did what it should and nothing else: the
// new file parses, selects the provider, defines it as intended, and every
// other setting decodes exactly as before.
func checkCodexEdit(origDoc map[string]any, updated []byte, c CodexConnection) error {
	doc, err := decodeTOML(updated)
	if err != nil {
		return fmt.Errorf("%w: the edited file would not parse (%v); nothing written", ErrUnsupportedConfig, err)
	}
	if doc["model_provider"] != c.ProviderID {
		return fmt.Errorf("%w: model_provider would not select %s; nothing written", ErrUnsupportedConfig, c.ProviderID)
	}
	providers, _ := doc["model_providers"].(map[string]any)
	if !reflect.DeepEqual(providers[c.ProviderID], codexProviderValues(c)) {
		return fmt.Errorf("%w: the provider entry would not read back as written; nothing written", ErrUnsupportedConfig)
	}
	delete(providers, c.ProviderID)
	if _, had := origDoc["model_providers"]; !had && len(providers) == 0 {
		delete(doc, "model_providers")
	}
	delete(doc, "model_provider")
	if v, had := origDoc["model_provider"]; had {
		doc["model_provider"] = v
	}
	if !reflect.DeepEqual(doc, origDoc) {
		return fmt.Errorf("%w: the edit would change other settings; nothing written", ErrUnsupportedConfig)
	}
	return nil
}

func codexWarnings(origDoc map[string]any, saved string) []string {
	var w []string
	if saved != "" {
		w = append(w, fmt.Sprintf("replaced your line `%s`; 'quiver connect codex --undo' puts it back", strings.TrimSpace(saved)))
	}
	if name, ok := origDoc["profile"].(string); ok {
		profiles, _ := origDoc["profiles"].(map[string]any)
		if p, _ := profiles[name].(map[string]any); p != nil {
			if _, sets := p["model_provider"]; sets {
				w = append(w, fmt.Sprintf("the active profile %q sets its own model_provider, which Codex uses instead of Quiver's", name))
			}
		}
	}
	return w
}

// stripCodexManaged removes everything ConnectCodex added and puts back the
// model_provider line it replaced. found reports whether there was any.
func stripCodexManaged(content []byte) (orig []byte, found bool, err error) {
	lines := scanTOML(content)
	var saved []string
	var cut [][2]int
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !l.stmt || string(content[l.start:l.end]) != codexBeginMarker {
			continue
		}
		end := -1
		for j := i + 1; j < len(lines); j++ {
			text := string(content[lines[j].start:lines[j].end])
			if lines[j].stmt && text == codexEndMarker {
				end = j
				break
			}
			if lines[j].stmt && strings.HasPrefix(text, codexSavedPrefix) {
				saved = append(saved, strings.TrimPrefix(text, codexSavedPrefix))
			}
		}
		if end < 0 {
			return nil, false, fmt.Errorf("%w: config.toml has the start of Quiver's block but not its end; fix or remove it by hand", ErrUnsupportedConfig)
		}
		from, to := l.start, lines[end].next
		if to == len(content) && i > 0 {
			from = lines[i-1].end // the line break Quiver added before the block
		}
		cut = append(cut, [2]int{from, to})
		i = end
	}
	var buf bytes.Buffer
	prev := 0
	for _, c := range cut {
		buf.Write(content[prev:c[0]])
		prev = c[1]
	}
	buf.Write(content[prev:])
	orig = buf.Bytes()
	found = len(cut) > 0

	// The managed model_provider line: restore what it replaced, or drop it.
	lines = scanTOML(orig)
	var out bytes.Buffer
	prev = 0
	for _, l := range lines {
		if !l.stmt || !managedProviderLine.Match(orig[l.start:l.end]) {
			continue
		}
		found = true
		out.Write(orig[prev:l.start])
		if len(saved) > 0 {
			out.WriteString(saved[0])
			saved = saved[1:]
			prev = l.end
		} else {
			prev = l.next
		}
	}
	out.Write(orig[prev:])
	return out.Bytes(), found, nil
}

var (
	managedProviderLine = regexp.MustCompile(`^[ \t]*model_provider[ \t]*=.*#[ \t]*quiver[ \t]*$`)
	modelProviderKey    = regexp.MustCompile(`^[ \t]*(?:model_provider|"model_provider"|'model_provider')[ \t]*=`)
)

func decodeTOML(data []byte) (map[string]any, error) {
	doc := map[string]any{}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			// The message alone can quote the offending value; say where.
			return nil, fmt.Errorf("%w: config.toml is not valid TOML (line %d); fix it first", ErrUnsupportedConfig, perr.Position.Line)
		}
		return nil, fmt.Errorf("%w: config.toml is not valid TOML; fix it first", ErrUnsupportedConfig)
	}
	return doc, nil
}

// tomlLine is one physical line of a TOML document.
type tomlLine struct {
	start, end, next int  // end excludes the line break; next is where the next line starts
	stmt             bool // begins outside any string, array or inline table
	header           bool // a [table] or [[array]] header (only when stmt)
	closed           bool // ends outside any multi-line string, array or inline table
}

// scanTOML splits a TOML document into lines and tells which of them begin
// a statement, so that a line inside a multi-line string or array is never
// taken for a header or a key. It does not validate; the decoder does.
func scanTOML(b []byte) []tomlLine {
	const (
		normal = iota
		mlBasic
		mlLiteral
	)
	var lines []tomlLine
	mode, depth := normal, 0
	i := 0
	for i < len(b) {
		l := tomlLine{start: i, stmt: mode == normal && depth == 0}
		eol := bytes.IndexByte(b[i:], '\n')
		lineEnd := len(b)
		if eol >= 0 {
			lineEnd = i + eol
		}
		l.next = lineEnd
		if eol >= 0 {
			l.next = lineEnd + 1
		}
		l.end = lineEnd
		if l.end > l.start && b[l.end-1] == '\r' {
			l.end--
		}
		if l.stmt {
			if t := bytes.TrimLeft(b[l.start:l.end], " \t\ufeff"); len(t) > 0 && t[0] == '[' {
				l.header = true
			}
		}
		j := l.start
		for j < lineEnd {
			switch mode {
			case mlBasic, mlLiteral:
				q := byte('"')
				if mode == mlLiteral {
					q = '\''
				}
				if mode == mlBasic && b[j] == '\\' {
					j += 2
					continue
				}
				if b[j] == q {
					run := 0
					for j+run < lineEnd && b[j+run] == q {
						run++
					}
					j += run
					if run >= 3 {
						mode = normal
					}
					continue
				}
				j++
			default:
				switch c := b[j]; c {
				case '#':
					j = lineEnd
					continue
				case '"', '\'':
					if j+2 < lineEnd && b[j+1] == c && b[j+2] == c {
						mode = mlBasic
						if c == '\'' {
							mode = mlLiteral
						}
						j += 3
						continue
					}
					j++
					for j < lineEnd && b[j] != c {
						if c == '"' && b[j] == '\\' {
							j++
						}
						j++
					}
				case '[', '{':
					if !l.header {
						depth++
					}
				case ']', '}':
					if !l.header && depth > 0 {
						depth--
					}
				}
				j++
			}
		}
		l.closed = mode == normal && depth == 0
		lines = append(lines, l)
		i = l.next
	}
	return lines
}

// firstHeader returns the index of the first table header, or -1.
func firstHeader(lines []tomlLine) int {
	for i, l := range lines {
		if l.stmt && l.header {
			return i
		}
	}
	return -1
}

// topLevelKey returns the index of the line, before any table header, that
// assigns the key matched by key, or -1.
func topLevelKey(lines []tomlLine, b []byte, key *regexp.Regexp) int {
	for i, l := range lines {
		if !l.stmt {
			continue
		}
		if l.header {
			return -1
		}
		if key.Match(b[l.start:l.end]) {
			return i
		}
	}
	return -1
}

// lineEnding returns the file's line break: CRLF when its first line ends
// with one, LF otherwise.
func lineEnding(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i > 0 && b[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
