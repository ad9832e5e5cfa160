package cli

import (
	"context"
	"fmt"

	"github.com/quiver-app/quiver/app"
	"github.com/quiver-app/quiver/app/codex"
)

func cmdConnect(ctx context.Context, r *runner, args []string) error {
	fs := newFlags("connect")
	undo := fs.Bool("undo", false, "remove Quiver's entry again")
	rest, err := parse(fs, args, 1, 1, "codex|opencode [--undo]")
	if err != nil {
		return err
	}
	client := rest[0]
	if client != app.ClientCodex && client != app.ClientOpenCode {
		return usagef("usage: quiver connect codex|opencode [--undo]")
	}
	a, err := r.open(ctx, false)
	if err != nil {
		return err
	}
	res, err := a.Connect(ctx, client, *undo)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(r.env.Stderr, "quiver: note: %s\n", w)
	}
	switch {
	case !res.Changed && *undo:
		fmt.Fprintf(r.env.Stdout, "%s had no Quiver entry; nothing changed.\n", res.Path)
	case !res.Changed:
		fmt.Fprintf(r.env.Stdout, "%s already points at the proxy; nothing changed.\n", res.Path)
	case res.Removed:
		fmt.Fprintf(r.env.Stdout, "Removed %s: Quiver had created it and nothing else was in it.\n", res.Path)
	case *undo:
		fmt.Fprintf(r.env.Stdout, "Removed Quiver's entry from %s (%s).\n", res.Path, previousVersion(res))
	case client == app.ClientCodex:
		fmt.Fprintf(r.env.Stdout, "The Codex CLI now sends its requests through Quiver's proxy at http://%s (%s; %s).\nKeep Quiver running (tray or `quiver --headless`); undo with `quiver connect codex --undo`.\n", a.Settings().ProxyListen, res.Path, previousVersion(res))
	default:
		fmt.Fprintf(r.env.Stdout, "OpenCode has a \"quiver\" provider at http://%s/v1 (%s; %s).\nPick a model such as quiver/gpt-5.1-codex; undo with `quiver connect opencode --undo`.\n", a.Settings().ProxyListen, res.Path, previousVersion(res))
	}
	return nil
}

// previousVersion says where the file's previous content went.
func previousVersion(res codex.ConnectResult) string {
	switch {
	case res.Created:
		return "a new file: there was none before"
	case res.Backup != "":
		return "previous version kept at " + res.Backup
	}
	return "no previous version kept"
}
