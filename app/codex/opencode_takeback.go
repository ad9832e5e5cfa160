package codex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/atomicfile"
)

// openCodeProviderKey is the entry of OpenCode's auth.json that holds a
// ChatGPT login.
const openCodeProviderKey = "openai"

// ErrNoOpenCodeLogin is returned by ReadOpenCodeLogin when OpenCode's
// auth.json holds no ChatGPT OAuth login (no file, no "openai" entry, or an
// API key instead).
var ErrNoOpenCodeLogin = errors.New("OpenCode's auth.json holds no ChatGPT login")

// OpenCodeLogin is the ChatGPT login OpenCode's auth.json holds: the tokens
// OpenCode uses now (it rewrites the file whenever it refreshes). It holds
// live credentials and never prints them.
type OpenCodeLogin struct {
	Access, Refresh string
	AccountID       string // accountId, "" when the file has none
	Claims          Claims // of the access token
}

// String never prints a token.
func (l OpenCodeLogin) String() string { return "codex.OpenCodeLogin{…}" }

// GoString never prints a token.
func (l OpenCodeLogin) GoString() string { return l.String() }

// ChatGPTAccountID is the ChatGPT account the login belongs to: accountId,
// else the access token's claim.
func (l OpenCodeLogin) ChatGPTAccountID() string {
	if l.AccountID != "" {
		return l.AccountID
	}
	return l.Claims.ChatGPTAccountID
}

// ReadOpenCodeLogin reads the "openai" OAuth entry of OpenCode's auth.json
// at path. Errors never include a token.
func ReadOpenCodeLogin(path string) (OpenCodeLogin, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return OpenCodeLogin{}, fmt.Errorf("%w (%s does not exist)", ErrNoOpenCodeLogin, path)
	}
	if err != nil {
		return OpenCodeLogin{}, fmt.Errorf("reading OpenCode's auth.json: %w", err)
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(data, &file); err != nil || file == nil {
		return OpenCodeLogin{}, fmt.Errorf("%w: %s is not a JSON object", ErrUnsupportedConfig, path)
	}
	raw, ok := file[openCodeProviderKey]
	if !ok {
		return OpenCodeLogin{}, fmt.Errorf("%w (%s has no %q entry)", ErrNoOpenCodeLogin, path, openCodeProviderKey)
	}
	var e openCodeOAuth
	if err := json.Unmarshal(raw, &e); err != nil || e.Type != "oauth" || e.Access == "" || e.Refresh == "" {
		return OpenCodeLogin{}, fmt.Errorf("%w (the %q entry of %s is not an OAuth login)", ErrNoOpenCodeLogin, openCodeProviderKey, path)
	}
	claims, err := ParseClaims(e.Access)
	if err != nil {
		return OpenCodeLogin{}, fmt.Errorf("reading the access token in OpenCode's auth.json: %w", err)
	}
	return OpenCodeLogin{Access: e.Access, Refresh: e.Refresh, AccountID: e.AccountID, Claims: claims}, nil
}

// RemoveOpenCodeLogin deletes the "openai" entry from OpenCode's auth.json
// at path, keeping every other provider's entry (atomic, mode 0600). A file
// without the entry is left as it is.
func RemoveOpenCodeLogin(path string) error {
	target, err := resolveConfigPath(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(target)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading OpenCode's auth.json: %w", err)
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(data, &file); err != nil || file == nil {
		return fmt.Errorf("%w: %s is not a JSON object", ErrUnsupportedConfig, target)
	}
	if _, ok := file[openCodeProviderKey]; !ok {
		return nil
	}
	delete(file, openCodeProviderKey)
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding OpenCode's auth.json: %w", err)
	}
	if err := atomicfile.WriteFile(target, append(bytes.TrimSpace(out), '\n'), 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", filepath.Base(target), err)
	}
	return nil
}
