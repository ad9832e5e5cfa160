// Package e2e holds Quiver's end-to-end tests with the real clients: the
// Codex CLI (npm @openai/codex) and OpenCode (npm opencode-ai) talk to the
// `quiver proxy` binary, which talks to the fake ChatGPT backend and auth
// server of app/codex/codextest.
//
// The package has no code of its own, only tests. They run when
// QUIVER_E2E=1 and skip otherwise. Run them through scripts/e2e/run.sh: it
// installs the pinned clients, builds quiver and the test binary, and runs
// the tests inside a loopback-only network namespace (unshare -n), so that
// nothing the clients try can leave the machine. The tests check that
// namespace themselves and refuse to start a client outside it.
//
// Environment (set by run.sh):
//
//	QUIVER_E2E=1             run the tests; a missing prerequisite then fails them
//	QUIVER_E2E_QUIVER=PATH   the quiver binary under test
//	QUIVER_E2E_CODEX=PATH    the Codex CLI (node_modules/.bin/codex)
//	QUIVER_E2E_OPENCODE=PATH the OpenCode CLI (node_modules/.bin/opencode)
package e2e
