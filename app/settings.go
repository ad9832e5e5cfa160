package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/quiver-app/quiver/app/atomicfile"
	"github.com/quiver-app/quiver/app/codex"
)

// Rotation strategies of the proxy.
const (
	StrategySticky     = "sticky"      // the active account until it is limited
	StrategyRoundRobin = "round-robin" // each request on the next account
	StrategyLeastUsed  = "least-used"  // the account with the most quota left
	StrategyFillFirst  = "fill-first"  // pool order: use one up, then the next
)

// Strategies lists the valid strategies.
var Strategies = []string{StrategySticky, StrategyRoundRobin, StrategyLeastUsed, StrategyFillFirst}

// Settings are the user's choices, kept in settings.json.
type Settings struct {
	Version       int     `json:"version"`
	Strategy      string  `json:"strategy"`
	WarnPercent   float64 `json:"warn_percent"`
	Notifications bool    `json:"notifications"`
	AutoSwitch    bool    `json:"auto_switch"`
	ProxyEnabled  bool    `json:"proxy_enabled"`
	ProxyListen   string  `json:"proxy_listen"`
	// Autostart is whether Quiver starts at login; AutostartAsked records
	// that the first run asked.
	Autostart      bool `json:"autostart"`
	AutostartAsked bool `json:"autostart_asked"`
	// ProxyKeyChangedAt tells other Quiver processes that the proxy key
	// (kept in the keyring) was regenerated, so a running proxy restarts.
	ProxyKeyChangedAt time.Time `json:"proxy_key_changed_at,omitzero"`
	// Upstream URLs; empty means the default (or the environment override).
	ChatGPTBaseURL string `json:"chatgpt_base_url,omitempty"`
	AuthIssuer     string `json:"auth_issuer,omitempty"`
	// ModelMap routes a model name a client asks the proxy for to another
	// (settings_models.go). Replace it whole, never edit it in place.
	ModelMap map[string]string `json:"model_map,omitempty"`
}

// DefaultSettings are what a first run starts with.
func DefaultSettings() Settings {
	return Settings{
		Version:       1,
		Strategy:      StrategySticky,
		WarnPercent:   80,
		Notifications: true,
		ProxyEnabled:  true,
		ProxyListen:   "127.0.0.1:8799",
		Autostart:     true,
	}
}

// Validate reports the first invalid setting.
func (s Settings) Validate() error {
	if !slices.Contains(Strategies, s.Strategy) {
		return fmt.Errorf("strategy %q is not one of %v", s.Strategy, Strategies)
	}
	if s.WarnPercent <= 0 || s.WarnPercent >= 100 {
		return fmt.Errorf("warn threshold %v%% must be between 1 and 99", s.WarnPercent)
	}
	if err := ValidateModelMap(s.ModelMap); err != nil {
		return err
	}
	return s.validateUpstreams()
}

// validateUpstreams checks the upstream URL settings: https, or http to a
// loopback host only (tokens travel to them).
func (s Settings) validateUpstreams() error {
	if s.ChatGPTBaseURL != "" {
		if err := codex.CheckUpstreamURL("chatgpt_base_url", s.ChatGPTBaseURL); err != nil {
			return err
		}
	}
	if s.AuthIssuer != "" {
		if err := codex.CheckUpstreamURL("auth_issuer", s.AuthIssuer); err != nil {
			return err
		}
	}
	return nil
}

// CheckUpstreamEnv checks the upstream URLs the environment overrides
// (QUIVER_CHATGPT_BASE_URL, QUIVER_AUTH_ISSUER): https, or http to a
// loopback host only. The error names the variable.
func CheckUpstreamEnv() error {
	for _, name := range []string{codex.ChatGPTBaseURLEnv, codex.AuthIssuerEnv} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			if err := codex.CheckUpstreamURL(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxSettingsFile bounds what is read of settings.json.
const maxSettingsFile = 1 << 20

// ParseSettings decodes settings.json's content over the defaults and
// validates it.
func ParseSettings(data []byte) (Settings, error) {
	s := DefaultSettings()
	if err := json.Unmarshal(data, &s); err != nil {
		return DefaultSettings(), fmt.Errorf("settings.json is not valid JSON: %w", err)
	}
	return s, s.Validate()
}

// LoadSettings reads path; a missing file gives the defaults. A file that
// does not parse, or holds an invalid strategy or threshold, is kept aside
// (.corrupt-<time>) and the defaults are used. An upstream URL that is not
// allowed (http to a host that is not loopback) is dropped, not used, and
// reported by name; the file is left as it is.
func LoadSettings(path string, now time.Time) (Settings, error) {
	data, err := atomicfile.ReadFile(path, maxSettingsFile)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return DefaultSettings(), fmt.Errorf("reading settings: %w", err)
	}
	s, err := ParseSettings(data)
	if err == nil {
		return s, nil
	}
	if uerr := s.validateUpstreams(); uerr != nil {
		s.ChatGPTBaseURL, s.AuthIssuer = keepAllowedURL(s.ChatGPTBaseURL), keepAllowedURL(s.AuthIssuer)
		if s.Validate() == nil {
			return s, fmt.Errorf("settings.json: %w; the default is used instead", uerr)
		}
	}
	aside := fmt.Sprintf("%s.corrupt-%s", path, now.UTC().Format("20060102T150405Z"))
	os.Rename(path, aside)
	return DefaultSettings(), fmt.Errorf("settings.json was invalid (%v); kept it as %s and used the defaults", err, filepath.Base(aside))
}

// keepAllowedURL returns u when it is an allowed upstream URL, else "".
func keepAllowedURL(u string) string {
	if u == "" || codex.CheckUpstreamURL("", u) != nil {
		return ""
	}
	return u
}

// SaveSettings writes s to path atomically.
func SaveSettings(path string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding settings: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating config directory: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}
