// Package usertest runs the built quiver binary the way a user types it:
// each test builds a sandbox (HOME, XDG directories, CODEX_HOME) with the
// fake OpenAI auth server and ChatGPT backend of app/codex/codextest on
// 127.0.0.1, runs quiver commands in it as separate processes, and checks
// what they print and leave on disk. readme_test.go runs every command
// line of README.md, taken from the README itself.
//
// The package has no code of its own, only tests. They build the binary
// once per run (`go build` of the main package, from Go's build cache),
// or use the one QUIVER_TEST_BINARY names.
package usertest
