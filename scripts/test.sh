#!/usr/bin/env bash
# test.sh — every check `make test` runs, in order, then one summary line.
#
#   1. go vet ./...
#   2. GOOS=windows and GOOS=darwin go vet on the portable packages
#      (scripts/go-packages.sh portable): the code that must build off Linux
#   2b. the end-to-end tests with the real Codex CLI and OpenCode
#      (scripts/e2e/run.sh, in its own loopback-only network namespace)
#   3. in ONE headless desktop session (scripts/desktop-session.sh):
#      go test -race on the core packages, then go test on the GUI packages
#      (those pulling in Fyne's cgo driver: one build, no -race variant)
#
# Every step runs even when an earlier one failed, so one run shows all the
# failures; the exit status is non-zero when any step failed. Go's test
# cache stays on: it already re-runs a test when an environment variable it
# read or a file it opened changed (each session has a new HOME, bus and
# display). Extra arguments go to every `go test` (e.g. -run, -v, -count=1).
set -uo pipefail

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$scripts/.."
failures=0 # steps that failed in this process

# step NAME CMD... — run one step and record "NAME ok|FAILED" in $results.
step() {
	local name=$1
	shift
	printf '\n=== %s\n' "$name"
	if "$@"; then
		printf '%s ok\n' "$name" >>"$results"
	else
		printf '%s FAILED\n' "$name" >>"$results"
		failures=$((failures + 1))
	fi
}

# go_on KIND GO-ARGS... — run go ARGS on the packages of KIND; a step with no
# packages passes and says so.
go_on() {
	local kind=$1
	shift
	local list
	local -a packages=()
	# shellcheck disable=SC2086 # KIND may be "portable GOOS"
	list=$("$scripts/go-packages.sh" $kind) || return 1
	[[ -z $list ]] || mapfile -t packages <<<"$list"
	if ((${#packages[@]} == 0)); then
		printf '(no %s packages)\n' "$kind"
		return 0
	fi
	printf '%s packages: %d\n' "$kind" "${#packages[@]}"
	go "$@" "${packages[@]}"
}

cross_vet() {
	GOOS=$1 go_on "portable $1" vet
}

in_session() {
	step "go test -race (core)" go_on core test -race "$@"
	step "go test (gui)" go_on gui test "$@"
}

if [[ ${1:-} == --in-session ]]; then
	shift
	results=${QUIVER_TEST_RESULTS:?--in-session is for test.sh itself}
	in_session "$@"
	# Non-zero so the session keeps and names its logs.
	((failures == 0))
	exit
fi

results=$(mktemp "${TMPDIR:-/tmp}/quiver-test-results.XXXXXX")
trap 'rm -f "$results"' EXIT
start=$SECONDS

step "go vet" go vet ./...
step "go vet (windows)" cross_vet windows
step "go vet (darwin)" cross_vet darwin
# The real Codex CLI and OpenCode through the proxy, in a loopback-only
# network namespace of its own (outside the desktop session).
step "e2e (Codex CLI, OpenCode)" "$scripts/e2e/run.sh"

export QUIVER_TEST_RESULTS=$results
session_status=0
"$scripts/desktop-session.sh" "$scripts/test.sh" --in-session "$@" || session_status=$?
# A session that stopped before the last step ran failed by itself.
if ((session_status != 0)) && ! grep -q '^go test (gui) ' "$results"; then
	printf 'desktop session FAILED (exit status %d)\n' "$session_status" >>"$results"
fi

elapsed=$((SECONDS - start))
failed=$(grep -c 'FAILED' "$results")
printf '\n=== summary\n'
sed 's/^/  /' "$results"
if ((failed > 0)); then
	printf 'make test: FAILED (%d failing step(s), %dm%02ds)\n' "$failed" $((elapsed / 60)) $((elapsed % 60))
	exit 1
fi
printf 'make test: PASSED (%dm%02ds)\n' $((elapsed / 60)) $((elapsed % 60))
