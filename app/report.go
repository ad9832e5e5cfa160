package app

import (
	"context"
	"fmt"

	"github.com/quiver-app/quiver/app/secret"
)

// NewForReport is New for commands that only report (`quiver status`):
// when no secret storage can be opened, the App still opens, with a secret
// store that fails every call with the reason, so that the report can
// show the accounts, the files and that reason as a problem
// (SecretsProblem) instead of failing outright.
func NewForReport(ctx context.Context, o Options) (*App, error) {
	if o.Secrets == nil {
		so := secret.OptionsFromEnv(o.Paths.ConfigDir)
		so.Logger = o.Logger
		st, err := secret.Open(ctx, so)
		if err != nil {
			st = unavailableSecrets{err: fmt.Errorf("no secret storage: %w", err)}
		}
		o.Secrets = st
	}
	return New(ctx, o)
}

// SecretsProblem says why no secret storage could be opened, or nil.
func (a *App) SecretsProblem() error {
	if u, ok := a.secrets.(unavailableSecrets); ok {
		return u.err
	}
	return nil
}

// unavailableSecrets stands in for a secret store that could not be
// opened: every call fails with the reason.
type unavailableSecrets struct{ err error }

func (u unavailableSecrets) Get(context.Context, string) ([]byte, error) { return nil, u.err }

func (u unavailableSecrets) Set(context.Context, string, []byte) error { return u.err }

func (u unavailableSecrets) Delete(context.Context, string) error { return u.err }

func (u unavailableSecrets) Describe() string {
	return "nowhere: no secret storage is available (see Problems)"
}
