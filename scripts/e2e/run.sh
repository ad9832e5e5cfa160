#!/usr/bin/env bash
# run.sh — Quiver's end-to-end tests with the real clients (app/e2e).
#
#   scripts/e2e/run.sh [go test flags, e.g. -test.run Codex -test.v]
#
#   1. installs the pinned Codex CLI and OpenCode from npm into a cache
#      directory (once; outside the namespace: it needs the registry)
#   2. builds quiver and the e2e test binary
#   3. runs the test binary inside a new loopback-only network namespace
#      (unshare -n, or unshare -rn when not root; then `ip link set lo up`):
#      the fakes, quiver and the clients can reach 127.0.0.1 and nothing else
#
# When a namespace cannot be made, it stops with an error: it never runs the
# clients with the real network. Environment:
#   QUIVER_E2E_CACHE  where the npm clients go
#                     (default ${XDG_CACHE_HOME:-$HOME/.cache}/quiver-e2e)
#   QUIVER_E2E_QUIVER test this quiver binary instead of building one
set -euo pipefail

readonly codex_version=0.169.0    # npm @openai/codex
readonly opencode_version=1.18.33 # npm opencode-ai

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export PATH=$PATH:/usr/local/go/bin

die() {
	printf 'e2e: %s\n' "$*" >&2
	exit 1
}

# took NAME START — print how long a step took.
took() {
	printf 'e2e: %s (%ds)\n' "$1" $((SECONDS - $2))
}

for tool in go npm node unshare ip; do
	command -v "$tool" >/dev/null || die "$tool is not installed (ip: apt-get install iproute2; unshare: util-linux)"
done

# The namespace first: no point installing anything when it cannot be made.
unshare_args=(--net)
((EUID == 0)) || unshare_args=(--map-root-user --net)
if ! err=$(unshare "${unshare_args[@]}" -- ip link set lo up 2>&1); then
	die "cannot make a loopback-only network namespace (unshare ${unshare_args[*]}): ${err:-unknown error}.
The clients must not run with the real network, so the e2e tests stop here.
Run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 /
kernel.apparmor_restrict_unprivileged_userns=0)."
fi

cache=${QUIVER_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/quiver-e2e}
npm_dir=$cache/npm
codex_bin=$npm_dir/node_modules/.bin/codex
opencode_bin=$npm_dir/node_modules/.bin/opencode

# installed_version PACKAGE — the version of PACKAGE in $npm_dir, or nothing.
installed_version() {
	local manifest=$npm_dir/node_modules/$1/package.json
	[[ -f $manifest ]] || return 0
	node -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest"
}

start=$SECONDS
if [[ $(installed_version @openai/codex) != "$codex_version" ||
	$(installed_version opencode-ai) != "$opencode_version" ||
	! -x $codex_bin || ! -x $opencode_bin ]]; then
	mkdir -p "$npm_dir"
	npm install --prefix "$npm_dir" --no-audit --no-fund --no-save --loglevel=error \
		"@openai/codex@$codex_version" "opencode-ai@$opencode_version" </dev/null
	took "installed @openai/codex@$codex_version and opencode-ai@$opencode_version in $npm_dir" "$start"
fi
"$codex_bin" --version </dev/null >/dev/null || die "$codex_bin does not run"
"$opencode_bin" --version </dev/null >/dev/null || die "$opencode_bin does not run"

work=$(mktemp -d "${TMPDIR:-/tmp}/quiver-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT

start=$SECONDS
quiver=${QUIVER_E2E_QUIVER:-}
if [[ -z $quiver ]]; then
	quiver=$work/quiver
	go build -o "$quiver" .
fi
[[ -x $quiver ]] || die "$quiver is not an executable"
go test -c -o "$work/e2e.test" ./app/e2e
took "built the test binary (quiver: $quiver)" "$start"

start=$SECONDS
status=0
QUIVER_E2E=1 \
	QUIVER_E2E_QUIVER="$quiver" \
	QUIVER_E2E_CODEX="$codex_bin" \
	QUIVER_E2E_OPENCODE="$opencode_bin" \
	unshare "${unshare_args[@]}" -- bash -c 'ip link set lo up && exec "$@"' e2e-namespace \
	"$work/e2e.test" -test.timeout=5m "$@" </dev/null || status=$?
took "ran the tests in a loopback-only network namespace" "$start"
if ((status != 0)); then
	printf 'e2e: FAILED\n'
	exit "$status"
fi
printf 'e2e: PASSED\n'
