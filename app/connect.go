package app

import (
	"context"

	"github.com/quiver-app/quiver/app/codex"
)

// Client names for Connect.
const (
	ClientCodex    = "codex"
	ClientOpenCode = "opencode"
)

// Connect points a client (ClientCodex or ClientOpenCode) at the proxy: a
// provider entry in its config file, the rest of the file kept as it was
// and backed up first. undo removes the entry again.
func (a *App) Connect(ctx context.Context, client string, undo bool) (codex.ConnectResult, error) {
	if undo {
		if client == ClientCodex {
			return codex.DisconnectCodex(a.paths.CodexHome)
		}
		return codex.DisconnectOpenCode(codex.DefaultOpenCodeConfigPath())
	}
	key, err := a.ProxyKey(ctx)
	if err != nil {
		return codex.ConnectResult{}, err
	}
	url := "http://" + a.Settings().ProxyListen
	if client == ClientCodex {
		return codex.ConnectCodex(a.paths.CodexHome, codex.CodexConnection{ProxyURL: url, Key: key})
	}
	return codex.ConnectOpenCode(codex.DefaultOpenCodeConfigPath(), codex.OpenCodeConnection{ProxyURL: url, Key: key})
}
