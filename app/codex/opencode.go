package codex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// This file points OpenCode at Quiver's proxy and exports a login in
// OpenCode's own auth.json format.
//
// OpenCode reads every config file as JSONC (comments and trailing commas
// allowed), so a re-marshal would drop the user's comments. ConnectOpenCode
// instead edits the text: it inserts (or replaces) one member, "quiver", in
// the top-level "provider" object, and leaves every other byte alone. The
// edit is checked by decoding the result: it must hold the provider as
// intended and every other setting exactly as before, or nothing is written.
//
// JSON has no room for marker comments, so an existing provider.quiver
// counts as Quiver's when it looks like what Quiver writes: name "Quiver",
// npm "@ai-sdk/openai" and a loopback baseURL ending in /v1. Any other
// provider.quiver is the user's and is never touched.

// OpenCodeConnection says where OpenCode finds Quiver's proxy.
type OpenCodeConnection struct {
	ProxyURL   string          // e.g. http://127.0.0.1:8799; OpenCode gets ProxyURL + "/v1"
	Key        string          // the proxy key, sent as the API key
	ProviderID string          // DefaultProviderID when empty
	Models     []OpenCodeModel // DefaultOpenCodeModels() when empty
}

// OpenCodeModel is one model OpenCode offers under Quiver's provider.
type OpenCodeModel struct {
	ID   string // the model id sent upstream, e.g. gpt-5.1-codex
	Name string // the name OpenCode shows
}

// DefaultOpenCodeModels returns the ChatGPT-plan models Quiver lists for
// OpenCode when the caller names none.
func DefaultOpenCodeModels() []OpenCodeModel {
	return []OpenCodeModel{
		{ID: "gpt-5.1-codex", Name: "GPT-5.1 Codex (Quiver)"},
		{ID: "gpt-5.1-codex-max", Name: "GPT-5.1 Codex Max (Quiver)"},
		{ID: "gpt-5.1-codex-mini", Name: "GPT-5.1 Codex Mini (Quiver)"},
		{ID: "gpt-5.1", Name: "GPT-5.1 (Quiver)"},
	}
}

const openCodeNPM = "@ai-sdk/openai"

type openCodeProvider struct {
	NPM     string                        `json:"npm"`
	Name    string                        `json:"name"`
	Options openCodeProviderOptions       `json:"options"`
	Models  map[string]openCodeModelEntry `json:"models"`
}

type openCodeProviderOptions struct {
	BaseURL string `json:"baseURL"`
	APIKey  string `json:"apiKey"`
}

type openCodeModelEntry struct {
	Name string `json:"name"`
}

// DefaultOpenCodeConfigPath returns the OpenCode config file to edit:
// $OPENCODE_CONFIG when set; otherwise, in $XDG_CONFIG_HOME/opencode (or
// ~/.config/opencode, on every OS, as OpenCode itself uses), the first of
// opencode.jsonc, opencode.json and config.json that exists (the file
// OpenCode itself writes to), or opencode.json when none does. It returns ""
// when no home directory can be found.
func DefaultOpenCodeConfigPath() string {
	if p := os.Getenv("OPENCODE_CONFIG"); p != "" {
		return p
	}
	dir := xdgDir("XDG_CONFIG_HOME", ".config")
	if dir == "" {
		return ""
	}
	dir = filepath.Join(dir, "opencode")
	for _, name := range []string{"opencode.jsonc", "opencode.json", "config.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	return filepath.Join(dir, "opencode.json")
}

// DefaultOpenCodeAuthPath returns OpenCode's credential file,
// $XDG_DATA_HOME/opencode/auth.json (~/.local/share/opencode/auth.json), or
// "" when no home directory can be found.
func DefaultOpenCodeAuthPath() string {
	dir := xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share"))
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "opencode", "auth.json")
}

// xdgDir returns $env when it is an absolute path, else ~/fallback.
func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, fallback)
}

// ConnectOpenCode adds (or updates) Quiver's provider in the OpenCode config
// at configPath, keeping the rest of the file byte for byte. The file is
// created when missing and kept 0600 since it holds the proxy key.
func ConnectOpenCode(configPath string, c OpenCodeConnection) (ConnectResult, error) {
	c, err := c.normalized()
	if err != nil {
		return ConnectResult{}, err
	}
	return editConfig(configPath, true, func(old []byte) ([]byte, []string, error) {
		return connectOpenCodeConfig(old, c)
	})
}

// DisconnectOpenCode removes Quiver's provider from the OpenCode config at
// configPath (and the "provider" object when nothing else is left in it).
func DisconnectOpenCode(configPath string) (ConnectResult, error) {
	return editConfig(configPath, false, func(old []byte) ([]byte, []string, error) {
		return disconnectOpenCodeConfig(old, DefaultProviderID)
	})
}

func (c OpenCodeConnection) normalized() (OpenCodeConnection, error) {
	var err error
	if c.ProviderID, c.ProxyURL, err = normalizeConnection(c.ProviderID, c.ProxyURL, c.Key); err != nil {
		return c, err
	}
	if len(c.Models) == 0 {
		c.Models = DefaultOpenCodeModels()
	}
	for _, m := range c.Models {
		if strings.TrimSpace(m.ID) == "" {
			return c, fmt.Errorf("%w: a model has no id", ErrInvalidConnection)
		}
	}
	return c, nil
}

func (c OpenCodeConnection) provider() openCodeProvider {
	p := openCodeProvider{
		NPM:     openCodeNPM,
		Name:    "Quiver",
		Options: openCodeProviderOptions{BaseURL: c.ProxyURL + "/v1", APIKey: c.Key},
		Models:  map[string]openCodeModelEntry{},
	}
	for _, m := range c.Models {
		name := m.Name
		if name == "" {
			name = m.ID
		}
		p.Models[m.ID] = openCodeModelEntry{Name: name}
	}
	return p
}

// isQuiverProvider tells whether a decoded provider entry is one Quiver
// wrote.
func isQuiverProvider(v any) bool {
	m, _ := v.(map[string]any)
	opts, _ := m["options"].(map[string]any)
	base, _ := opts["baseURL"].(string)
	if m["name"] != "Quiver" || m["npm"] != openCodeNPM || !strings.HasSuffix(base, "/v1") {
		return false
	}
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func connectOpenCodeConfig(old []byte, c OpenCodeConnection) ([]byte, []string, error) {
	eol := lineEnding(old)
	if len(bytes.TrimSpace(old)) == 0 {
		old = []byte("{}" + eol)
	}
	doc, err := parseJSONC(old)
	if err != nil {
		return nil, nil, err
	}
	root := doc.root
	if root.kind != '{' {
		return nil, nil, fmt.Errorf("%w: the OpenCode config is not a JSON object", ErrUnsupportedConfig)
	}
	origVal, err := doc.decode(root)
	if err != nil {
		return nil, nil, err
	}
	prov, err := uniqueMember(root, "provider")
	if err != nil {
		return nil, nil, err
	}
	if prov != nil && prov.value.kind != '{' {
		return nil, nil, fmt.Errorf("%w: \"provider\" in the OpenCode config is not an object", ErrUnsupportedConfig)
	}

	unit := "  "
	if len(root.members) > 0 {
		if ind, ok := lineIndent(old, root.members[0].keyStart); ok && ind != "" {
			unit = ind
		}
	}
	value := c.provider()
	render := func(indent string) string {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent(indent, unit)
		if err := enc.Encode(value); err != nil {
			panic(fmt.Sprintf("codex: encoding the OpenCode provider: %v", err)) // plain strings and maps only
		}
		return strings.ReplaceAll(strings.TrimSuffix(buf.String(), "\n"), "\n", eol)
	}
	key := mustMarshal(c.ProviderID)

	var at int
	var insert string
	switch {
	case prov == nil && len(root.members) == 0:
		at = root.open + 1
		insert = eol + unit + `"provider": {` + eol + unit + unit + string(key) + ": " + render(unit+unit) + eol + unit + "}" + eol
	case prov == nil:
		at = root.open + 1
		insert = eol + unit + `"provider": {` + eol + unit + unit + string(key) + ": " + render(unit+unit) + eol + unit + "},"
	default:
		obj := prov.value
		indentP, ok := lineIndent(old, prov.keyStart)
		if !ok {
			indentP = unit
		}
		indent := indentP + unit
		if len(obj.members) > 0 {
			if ind, ok := lineIndent(old, obj.members[0].keyStart); ok {
				indent = ind
			}
		}
		mine, err := uniqueMember(obj, c.ProviderID)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case mine != nil:
			v, err := doc.decode(mine.value)
			if err != nil {
				return nil, nil, err
			}
			if !isQuiverProvider(v) {
				return nil, nil, fmt.Errorf("%w: the OpenCode config defines provider %q itself; rename or remove it, then connect again", ErrProviderConflict, c.ProviderID)
			}
			if ind, ok := lineIndent(old, mine.keyStart); ok {
				indent = ind
			}
			updated := string(old[:mine.value.start]) + render(indent) + string(old[mine.value.end:])
			return checkedOpenCodeEdit(origVal, []byte(updated), c)
		case len(obj.members) == 0:
			at = obj.open + 1
			insert = eol + indent + string(key) + ": " + render(indent) + eol + indentP
		default:
			at = obj.open + 1
			insert = eol + indent + string(key) + ": " + render(indent) + ","
		}
	}
	updated := string(old[:at]) + insert + string(old[at:])
	return checkedOpenCodeEdit(origVal, []byte(updated), c)
}

// checkedOpenCodeEdit returns updated when it decodes to origVal plus
// Quiver's provider and nothing else.
func checkedOpenCodeEdit(origVal any, updated []byte, c OpenCodeConnection) ([]byte, []string, error) {
	doc, err := parseJSONC(updated)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the edited file would not parse; nothing written", ErrUnsupportedConfig)
	}
	got, err := doc.decode(doc.root)
	if err != nil {
		return nil, nil, err
	}
	var want any
	if err := json.Unmarshal(mustMarshal(c.provider()), &want); err != nil {
		return nil, nil, fmt.Errorf("decoding the OpenCode provider: %w", err)
	}
	gotMap, _ := got.(map[string]any)
	providers, _ := gotMap["provider"].(map[string]any)
	if !reflect.DeepEqual(providers[c.ProviderID], want) {
		return nil, nil, fmt.Errorf("%w: the provider entry would not read back as written; nothing written", ErrUnsupportedConfig)
	}
	delete(providers, c.ProviderID)
	orig, _ := origVal.(map[string]any)
	if origProviders, had := orig["provider"].(map[string]any); had {
		delete(origProviders, c.ProviderID) // an older entry of Quiver's, replaced
	} else {
		delete(gotMap, "provider")
	}
	if !reflect.DeepEqual(got, origVal) {
		return nil, nil, fmt.Errorf("%w: the edit would change other settings; nothing written", ErrUnsupportedConfig)
	}
	return updated, nil, nil
}

func disconnectOpenCodeConfig(old []byte, id string) ([]byte, []string, error) {
	if len(bytes.TrimSpace(old)) == 0 {
		return old, nil, nil
	}
	doc, err := parseJSONC(old)
	if err != nil {
		return nil, nil, err
	}
	root := doc.root
	if root.kind != '{' {
		return old, nil, nil
	}
	prov, err := uniqueMember(root, "provider")
	if err != nil || prov == nil || prov.value.kind != '{' {
		return old, nil, err
	}
	mine, err := uniqueMember(prov.value, id)
	if err != nil || mine == nil {
		return old, nil, err
	}
	v, err := doc.decode(mine.value)
	if err != nil {
		return nil, nil, err
	}
	if !isQuiverProvider(v) {
		return nil, nil, fmt.Errorf("%w: provider %q in the OpenCode config was not written by Quiver; left as it is", ErrProviderConflict, id)
	}
	val, err := doc.decode(root)
	if err != nil {
		return nil, nil, err
	}
	want := val.(map[string]any)
	wantProviders := want["provider"].(map[string]any)
	delete(wantProviders, id)

	var spans [][2]int
	if len(prov.value.members) == 1 {
		spans = removeMember(old, root, memberIndex(root, prov))
		delete(want, "provider")
	} else {
		spans = removeMember(old, prov.value, memberIndex(prov.value, mine))
	}
	updated := cutSpans(old, spans)

	check, err := parseJSONC(updated)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the edited file would not parse; nothing written", ErrUnsupportedConfig)
	}
	got, err := check.decode(check.root)
	if err != nil {
		return nil, nil, err
	}
	if !reflect.DeepEqual(got, want) {
		return nil, nil, fmt.Errorf("%w: removing the provider would change other settings; nothing written", ErrUnsupportedConfig)
	}
	return updated, nil, nil
}

// removeMember returns the byte spans to cut so that obj loses member k:
// the member, the whitespace before it, and one comma. When k is the only
// member and only whitespace would remain, the object becomes {}.
func removeMember(b []byte, obj *jsonValue, k int) [][2]int {
	m := obj.members[k]
	from := m.keyStart
	for from > obj.open+1 && isJSONSpace(b[from-1]) {
		from--
	}
	var spans [][2]int
	switch {
	case m.comma >= 0:
		spans = [][2]int{{from, m.comma + 1}}
	case k > 0:
		prev := obj.members[k-1].comma
		spans = [][2]int{{prev, prev + 1}, {from, m.value.end}}
	default:
		spans = [][2]int{{from, m.value.end}}
	}
	if len(obj.members) == 1 {
		last := spans[len(spans)-1][1]
		if len(bytes.TrimLeft(b[obj.open+1:from], " \t\r\n")) == 0 && len(bytes.TrimLeft(b[last:obj.close], " \t\r\n")) == 0 {
			spans = [][2]int{{obj.open + 1, obj.close}}
		}
	}
	return spans
}

func cutSpans(b []byte, spans [][2]int) []byte {
	var out bytes.Buffer
	prev := 0
	for _, s := range spans {
		out.Write(b[prev:s[0]])
		prev = s[1]
	}
	out.Write(b[prev:])
	return out.Bytes()
}

func memberIndex(obj *jsonValue, m *jsonMember) int {
	for i := range obj.members {
		if &obj.members[i] == m {
			return i
		}
	}
	return -1
}

// uniqueMember returns obj's member named key, nil when there is none, and
// an error when there are several (JSON readers disagree on which wins).
func uniqueMember(obj *jsonValue, key string) (*jsonMember, error) {
	var found *jsonMember
	for i := range obj.members {
		if obj.members[i].key != key {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%w: %q appears twice in the same object", ErrUnsupportedConfig, key)
		}
		found = &obj.members[i]
	}
	return found, nil
}

// lineIndent returns the whitespace between the start of pos's line and pos;
// ok is false when something else precedes pos on its line.
func lineIndent(b []byte, pos int) (string, bool) {
	start := bytes.LastIndexByte(b[:pos], '\n') + 1
	ind := b[start:pos]
	if len(bytes.TrimLeft(ind, " \t")) != 0 {
		return "", false
	}
	return string(ind), true
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// jsonValue is one value of a JSONC document, with the offsets an editor
// needs.
type jsonValue struct {
	start, end  int  // the value's bytes
	kind        byte // '{', '[', '"', or 0 for a number, true, false or null
	open, close int  // an object's braces
	members     []jsonMember
}

type jsonMember struct {
	key      string
	keyStart int // the key's opening quote
	value    *jsonValue
	comma    int // the comma after the value, -1 when none
}

type jsoncDoc struct {
	root  *jsonValue
	clean []byte // the same bytes as plain JSON: comments and trailing commas blanked
}

// decode returns v as encoding/json decodes it.
func (d *jsoncDoc) decode(v *jsonValue) (any, error) {
	var out any
	if err := json.Unmarshal(d.clean[v.start:v.end], &out); err != nil {
		return nil, fmt.Errorf("%w: the OpenCode config is not valid JSON (line %d)", ErrUnsupportedConfig, lineOf(d.clean, v.start))
	}
	return out, nil
}

// parseJSONC parses JSON with comments and trailing commas, the dialect
// OpenCode reads. Errors say where, never what.
func parseJSONC(b []byte) (*jsoncDoc, error) {
	p := &jsoncParser{b: b, clean: bytes.Clone(b)}
	if bytes.HasPrefix(b, []byte("\ufeff")) {
		copy(p.clean, "   ")
		p.i = 3
	}
	p.skip()
	root, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.err != nil {
		return nil, p.err
	}
	if p.i != len(b) {
		return nil, p.fail()
	}
	return &jsoncDoc{root: root, clean: p.clean}, nil
}

type jsoncParser struct {
	b, clean []byte
	i        int
	err      error
}

func (p *jsoncParser) fail() error {
	return fmt.Errorf("%w: the OpenCode config is not valid JSON (line %d)", ErrUnsupportedConfig, lineOf(p.b, p.i))
}

func lineOf(b []byte, pos int) int { return bytes.Count(b[:min(pos, len(b))], []byte("\n")) + 1 }

// skip passes whitespace and comments, blanking comments in clean.
func (p *jsoncParser) skip() {
	for p.i < len(p.b) {
		switch {
		case isJSONSpace(p.b[p.i]):
			p.i++
		case bytes.HasPrefix(p.b[p.i:], []byte("//")):
			end := bytes.IndexByte(p.b[p.i:], '\n')
			if end < 0 {
				end = len(p.b) - p.i
			}
			p.blank(p.i, p.i+end)
			p.i += end
		case bytes.HasPrefix(p.b[p.i:], []byte("/*")):
			end := bytes.Index(p.b[p.i+2:], []byte("*/"))
			if end < 0 {
				p.err = p.fail()
				p.i = len(p.b)
				return
			}
			p.blank(p.i, p.i+2+end+2)
			p.i += 2 + end + 2
		default:
			return
		}
	}
}

func (p *jsoncParser) blank(from, to int) {
	for k := from; k < to; k++ {
		if p.clean[k] != '\n' && p.clean[k] != '\r' {
			p.clean[k] = ' '
		}
	}
}

func (p *jsoncParser) value() (*jsonValue, error) {
	if p.err != nil {
		return nil, p.err
	}
	if p.i >= len(p.b) {
		return nil, p.fail()
	}
	v := &jsonValue{start: p.i, kind: p.b[p.i]}
	switch v.kind {
	case '{':
		v.open = p.i
		if err := p.object(v); err != nil {
			return nil, err
		}
		v.close = p.i - 1
	case '[':
		if err := p.array(); err != nil {
			return nil, err
		}
	case '"':
		if _, err := p.str(); err != nil {
			return nil, err
		}
	default:
		v.kind = 0
		for p.i < len(p.b) && !isJSONSpace(p.b[p.i]) && !strings.ContainsRune(",]}:/\"{[", rune(p.b[p.i])) {
			p.i++
		}
		if p.i == v.start {
			return nil, p.fail()
		}
	}
	v.end = p.i
	return v, nil
}

func (p *jsoncParser) str() (string, error) {
	start := p.i
	p.i++
	for p.i < len(p.b) && p.b[p.i] != '"' {
		if p.b[p.i] == '\n' {
			return "", p.fail()
		}
		if p.b[p.i] == '\\' {
			p.i++
		}
		p.i++
	}
	if p.i >= len(p.b) {
		return "", p.fail()
	}
	p.i++
	var s string
	if err := json.Unmarshal(p.b[start:p.i], &s); err != nil {
		return "", p.fail()
	}
	return s, nil
}

func (p *jsoncParser) object(v *jsonValue) error {
	p.i++ // {
	for {
		p.skip()
		if p.err != nil {
			return p.err
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return nil
		}
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return p.fail()
		}
		m := jsonMember{keyStart: p.i, comma: -1}
		key, err := p.str()
		if err != nil {
			return err
		}
		m.key = key
		p.skip()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return p.fail()
		}
		p.i++
		p.skip()
		if m.value, err = p.value(); err != nil {
			return err
		}
		p.skip()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			m.comma = p.i
			p.i++
			p.skip()
			if p.i < len(p.b) && p.b[p.i] == '}' {
				p.clean[m.comma] = ' ' // a trailing comma
			}
		} else if p.i >= len(p.b) || p.b[p.i] != '}' {
			return p.fail()
		}
		v.members = append(v.members, m)
	}
}

func (p *jsoncParser) array() error {
	p.i++ // [
	for {
		p.skip()
		if p.err != nil {
			return p.err
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return nil
		}
		if _, err := p.value(); err != nil {
			return err
		}
		p.skip()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			comma := p.i
			p.i++
			p.skip()
			if p.i < len(p.b) && p.b[p.i] == ']' {
				p.clean[comma] = ' '
			}
		} else if p.i >= len(p.b) || p.b[p.i] != ']' {
			return p.fail()
		}
	}
}

// ErrIncompleteLogin is returned when a login lacks what an export needs.
var ErrIncompleteLogin = errors.New("login is incomplete")

type openCodeOAuth struct {
	Type      string `json:"type"`
	Refresh   string `json:"refresh"`
	Access    string `json:"access"`
	Expires   int64  `json:"expires"`
	AccountID string `json:"accountId,omitempty"`
}

// OpenCodeAuth returns t as OpenCode's stock auth.json:
// {"openai": {"type": "oauth", "refresh", "access", "expires", "accountId"}}
// with expires the access token's exp in epoch milliseconds. accountId is
// chatgptAccountID, or else the ChatGPT account id t carries (auth.json's
// account_id, then the JWT claims); when none is known it is left out,
// never replaced by another id.
func OpenCodeAuth(t Tokens, chatgptAccountID string) ([]byte, error) {
	if t.AccessToken == "" || t.RefreshToken == "" {
		return nil, fmt.Errorf("%w: an OpenCode export needs an access and a refresh token", ErrIncompleteLogin)
	}
	claims, err := ParseClaims(t.AccessToken)
	if err != nil {
		return nil, fmt.Errorf("reading the access token: %w", err)
	}
	if claims.Expiry.IsZero() {
		return nil, fmt.Errorf("%w: the access token carries no expiry", ErrIncompleteLogin)
	}
	id := chatgptAccountID
	if id == "" {
		id = t.AccountID
	}
	if id == "" {
		id = accountIDFromTokens(t)
	}
	entry := openCodeOAuth{
		Type:      "oauth",
		Refresh:   t.RefreshToken,
		Access:    t.AccessToken,
		Expires:   claims.Expiry.UnixMilli(),
		AccountID: id,
	}
	data, err := json.MarshalIndent(map[string]openCodeOAuth{"openai": entry}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the OpenCode login: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteOpenCodeAuth saves data (a JSON object such as OpenCodeAuth returns)
// to OpenCode's auth.json at path: atomically, mode 0600, the directory
// created 0700. Entries for other providers already in the file are kept;
// the ones in data replace theirs. A file that is not a JSON object is
// refused, never overwritten.
func WriteOpenCodeAuth(path string, data []byte) error {
	var add map[string]json.RawMessage
	if err := json.Unmarshal(data, &add); err != nil || add == nil {
		return fmt.Errorf("%w: the OpenCode login to save is not a JSON object", ErrUnsupportedConfig)
	}
	target, err := resolveConfigPath(path)
	if err != nil {
		return err
	}
	merged := map[string]json.RawMessage{}
	old, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading OpenCode's auth.json: %w", err)
	case len(bytes.TrimSpace(old)) > 0:
		if err := json.Unmarshal(old, &merged); err != nil || merged == nil {
			return fmt.Errorf("%w: %s is not a JSON object; move it aside first", ErrUnsupportedConfig, target)
		}
	}
	for k, v := range add {
		merged[k] = v
	}
	out, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding OpenCode's auth.json: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(target), err)
	}
	if err := atomicfile.WriteFile(target, append(out, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing OpenCode's auth.json: %w", err)
	}
	return nil
}

// PreviewToken shows a token the way dialogs may: its first 6 and last 4
// characters around "…", never more than 10 characters of it, and fewer
// for short tokens (at most a fifth of them at each end).
func PreviewToken(tok string) string {
	n := utf8.RuneCountInString(tok)
	if n == 0 {
		return ""
	}
	head, tail := min(6, n/5), min(4, n/5)
	r := []rune(tok)
	return string(r[:head]) + "…" + string(r[n-tail:])
}
