package codex

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CodexConnected tells whether codexHome/config.toml holds what
// ConnectCodex wrote (so a new proxy key must reach it). A missing file is
// not connected.
func CodexConnected(codexHome string) (bool, error) {
	data, err := readConfig(CodexConfigPath(codexHome))
	if data == nil || err != nil {
		return false, err
	}
	_, found, err := stripCodexManaged(data)
	return found, err
}

// OpenCodeConnected tells whether the OpenCode config at path holds the
// provider ConnectOpenCode wrote. A missing or empty file is not
// connected.
func OpenCodeConnected(path string) (bool, error) {
	if path == "" {
		return false, nil
	}
	data, err := readConfig(path)
	if len(bytes.TrimSpace(data)) == 0 || err != nil {
		return false, err
	}
	doc, err := parseJSONC(data)
	if err != nil {
		return false, err
	}
	v, err := doc.decode(doc.root)
	if err != nil {
		return false, err
	}
	root, _ := v.(map[string]any)
	providers, _ := root["provider"].(map[string]any)
	return isQuiverProvider(providers[DefaultProviderID]), nil
}

// readConfig reads a client config, nil when it does not exist.
func readConfig(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	return data, nil
}
