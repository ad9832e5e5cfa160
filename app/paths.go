package app

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/quiver-app/quiver/app/codex"
	"github.com/quiver-app/quiver/app/secret"
)

// Paths are where Quiver keeps its files and where the Codex CLI keeps its
// login.
type Paths struct {
	ConfigDir string // accounts.json, settings.json, quiver.log, locks
	CodexHome string // auth.json, config.toml
}

// DefaultPaths resolves the user's directories: $XDG_CONFIG_HOME/quiver
// (macOS ~/Library/Application Support/quiver, Windows %AppData%\quiver),
// overridable with QUIVER_CONFIG_DIR; and $CODEX_HOME or ~/.codex.
func DefaultPaths() (Paths, error) {
	cfg := os.Getenv("QUIVER_CONFIG_DIR")
	if cfg == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return Paths{}, fmt.Errorf("finding the config directory: %w", err)
		}
		cfg = filepath.Join(base, "quiver")
	}
	home, err := codex.DefaultHome()
	if err != nil {
		return Paths{}, err
	}
	return Paths{ConfigDir: cfg, CodexHome: home}, nil
}

// AuthFile is the Codex CLI's auth.json.
func (p Paths) AuthFile() string { return filepath.Join(p.CodexHome, codex.AuthFileName) }

// SettingsFile is settings.json.
func (p Paths) SettingsFile() string { return filepath.Join(p.ConfigDir, "settings.json") }

// LogFile is quiver.log.
func (p Paths) LogFile() string { return filepath.Join(p.ConfigDir, "quiver.log") }

// AccountsFile is accounts.json.
func (p Paths) AccountsFile() string { return filepath.Join(p.ConfigDir, "accounts.json") }

// HistoryDir holds each account's usage history (<id>.jsonl).
func (p Paths) HistoryDir() string { return filepath.Join(p.ConfigDir, "history") }

// SecretsFile is the encrypted secrets file, used instead of the OS
// keyring when QUIVER_SECRETS=file or when no keyring answers.
func (p Paths) SecretsFile() string { return filepath.Join(p.ConfigDir, secret.FileName) }
