// Command bench-idle-mkauth writes a Codex auth.json for a made-up account,
// for scripts/bench-idle.sh: bench-idle-mkauth DIR EMAIL.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench-idle-mkauth DIR EMAIL")
		os.Exit(2)
	}
	email := os.Args[2]
	id := codextest.Identity{Email: email, AccountID: "ws-" + email, UserID: "u-" + email, Plan: "plus"}
	if _, err := codextest.WriteAuthJSON(os.Args[1], id, time.Now().Add(240*time.Hour)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
