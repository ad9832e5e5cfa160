#!/usr/bin/env bash
# bench-idle.sh [SECONDS] — the idle cost of a running Quiver: resident
# memory and wake-ups (context switches of all its threads) over SECONDS
# (default 60) of doing nothing, for `quiver --headless` and for the tray
# app. Run it inside the headless session (the tray needs X and D-Bus):
#
#   scripts/desktop-session.sh scripts/bench-idle.sh 60
#
# Quiver gets a temporary home with three accounts, the proxy on, and its
# upstreams pointed at a closed loopback port (it must not reach the real
# ones; the first usage polls fail at once and back off).
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PATH=$PATH:/usr/local/go/bin

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/quiver" .
go build -o "$work/mkauth" ./scripts/bench-idle-mkauth

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config CODEX_HOME=$work/codex
export QUIVER_SECRETS=file QUIVER_PASSPHRASE=bench-idle-not-a-secret
export QUIVER_CHATGPT_BASE_URL=http://127.0.0.1:9 QUIVER_AUTH_ISSUER=http://127.0.0.1:9
mkdir -p "$HOME" "$XDG_CONFIG_HOME/quiver"
printf '{"version":1,"strategy":"sticky","warn_percent":80,"notifications":false,"proxy_enabled":true,"proxy_listen":"127.0.0.1:18799","autostart":false,"autostart_asked":true}\n' >"$XDG_CONFIG_HOME/quiver/settings.json"
for who in alice bob carol; do
	"$work/mkauth" "$work/login-$who" "$who@example.com"
	"$work/quiver" import "$work/login-$who/auth.json" >/dev/null
done

# switches PID — voluntary + involuntary context switches of every thread.
switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'
}
rss_kib() { awk '/^VmRSS/ { print $2 }' /proc/"$1"/status; }
# cpu_ticks PID — user + system time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }

measure() {
	local name=$1
	shift
	"$@" >"$work/$name.log" 2>&1 &
	local pid=$!
	sleep 5 # start-up: imports, first (failing) polls, proxy listening
	local before after cpu0 cpu1 hz
	hz=$(getconf CLK_TCK)
	before=$(switches "$pid")
	cpu0=$(cpu_ticks "$pid")
	sleep "$seconds"
	after=$(switches "$pid")
	cpu1=$(cpu_ticks "$pid")
	printf '%-10s idle RSS %6d KiB   wake-ups %6d in %ds (%.2f/s)   CPU %.2f%%\n' "$name" "$(rss_kib "$pid")" \
		$((after - before)) "$seconds" "$(echo "($after - $before) / $seconds" | bc -l)" \
		"$(echo "100 * ($cpu1 - $cpu0) / $hz / $seconds" | bc -l)"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null || true
}

measure headless "$work/quiver" --headless
if [[ -n ${DISPLAY:-} ]]; then
	measure tray "$work/quiver"
else
	echo "tray       skipped: no DISPLAY (run inside scripts/desktop-session.sh)"
fi
