#!/usr/bin/env bash
# desktop-session.sh CMD [ARGS...] — run CMD inside a throw-away headless
# desktop session and exit with CMD's status.
#
# The session (see /work/shared/TESTING-DESKTOP.md, "The headless session"):
#   - a fresh HOME and XDG_* directories (0700) under a temp directory,
#     exported before the bus starts, so everything sees them;
#   - Xvfb on a free display (-displayfd), with its own X cookie;
#   - a private session D-Bus without service activation: nothing is
#     started on demand (no keyring password prompt that blocks forever);
#   - gnome-keyring-daemon (secrets only), unlocked with a random password,
#     ready (org.freedesktop.secrets owned, login collection unlocked)
#     before CMD starts.
# CMD gets QUIVER_DESKTOP_SESSION=1, DISPLAY, XAUTHORITY,
# DBUS_SESSION_BUS_ADDRESS and LANG=en_US.UTF-8. GOCACHE, GOMODCACHE, GOPATH
# and GOENV keep pointing at the real user's, so nothing is rebuilt or
# downloaded again. CODEX_HOME and QUIVER_* settings of the caller are
# removed.
#
# Every process the session started is stopped at the end, including ones
# CMD left behind. Logs: printed on failure; the session directory is kept
# then (and always with QUIVER_SESSION_KEEP=1). Needs no stdin.
set -euo pipefail

say() { printf 'desktop-session: %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------
# Stage 2: runs inside dbus-run-session (the script calls itself).
# ---------------------------------------------------------------------------
keyring_pid=

stop_keyring() {
	if [[ -n $keyring_pid ]]; then
		kill -TERM "$keyring_pid" 2>/dev/null || true
		wait "$keyring_pid" 2>/dev/null || true
		keyring_pid=
	fi
}

inside_bus() {
	# CMD writes to the caller's stderr (fd 9); the bus's own chatter
	# stays in dbus.log.
	exec 2>&9 9>&-
	trap stop_keyring EXIT

	# The password only has to unlock this run's fresh keyring.
	local password
	password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s' "$password" |
		gnome-keyring-daemon --foreground --unlock --components=secrets \
			>"$SESSION_LOGS/gnome-keyring.log" 2>&1 &
	keyring_pid=$!
	unset password

	local i
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$keyring_pid" 2>/dev/null; then
			say "gnome-keyring-daemon exited early (see $SESSION_LOGS/gnome-keyring.log)"
			return 70
		fi
		if secrets_ready; then
			break
		fi
		sleep 0.05
	done
	if ((i == 200)); then
		say "gnome-keyring did not become ready within 10s (see $SESSION_LOGS/gnome-keyring.log)"
		return 70
	fi

	export QUIVER_DESKTOP_SESSION=1
	local status=0
	"$@" || status=$?
	stop_keyring
	return "$status"
}

# bus_call DEST PATH METHOD ARGS... — a method call on the session bus,
# printing the reply (dbus-send is in dbus-bin, always installed with the bus).
bus_call() {
	local dest=$1 path=$2 method=$3
	shift 3
	dbus-send --session --print-reply --reply-timeout=2000 \
		--dest="$dest" "$path" "$method" "$@" 2>/dev/null
}

# secrets_ready — org.freedesktop.secrets is owned and its login collection
# is unlocked (the daemon creates it from the --unlock password).
secrets_ready() {
	bus_call org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
		string:org.freedesktop.secrets | grep -q 'boolean true' || return 1
	bus_call org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
		org.freedesktop.DBus.Properties.Get \
		string:org.freedesktop.Secret.Collection string:Locked |
		grep -q 'boolean false'
}

if [[ ${1:-} == --inside-bus ]]; then
	shift
	inside_bus "$@"
	exit
fi

# ---------------------------------------------------------------------------
# Stage 1: directories, environment, Xvfb, then the bus.
# ---------------------------------------------------------------------------
if (($# == 0)) || [[ $1 == -h || $1 == --help ]]; then
	sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
fi

for tool in Xvfb xauth mcookie dbus-run-session dbus-send gnome-keyring-daemon setsid; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		say "$tool is missing: run scripts/install-deps.sh test"
		exit 69
	fi
done

# No stdin at all (closed fd 0, as some CI runners do): use /dev/null.
if [[ ! -e /proc/self/fd/0 ]]; then
	exec </dev/null
fi

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

# The real user's Go caches, resolved before HOME changes: with the temp
# HOME the defaults would point into it and every run would rebuild Fyne.
if command -v go >/dev/null 2>&1; then
	if go_env=$(go env GOCACHE GOMODCACHE GOPATH GOENV); then
		{
			read -r GOCACHE
			read -r GOMODCACHE
			read -r GOPATH
			read -r GOENV
		} <<<"$go_env"
		export GOCACHE GOMODCACHE GOPATH GOENV
	else
		say "warning: 'go env' failed; Go will use caches under the session's HOME"
	fi
fi

# Short base directory: socket paths (X, D-Bus) must stay under 108 bytes.
base=${TMPDIR:-/tmp}
((${#base} <= 40)) || base=/tmp
run=$(mktemp -d "$base/quiver-session.XXXXXXXX")
chmod 0700 "$run"
export SESSION_LOGS=$run/logs
caller_umask=$(umask)
umask 077
mkdir -p "$SESSION_LOGS" "$run/home" "$run/xdg"

# A marker in the environment of everything the session starts, so that
# clean-up finds processes that daemonized or left the process group.
marker=QUIVER_SESSION_MARKER=$(basename "$run")
export "$marker"

xvfb_pid=
session_pid=
status=0
cleaned=

# pids_with_marker — processes (not this one) whose environment has $marker.
# Pure bash: a helper process would carry the marker itself.
pids_with_marker() {
	local environ pid entry
	for environ in /proc/[0-9]*/environ; do
		pid=${environ#/proc/}
		pid=${pid%/environ}
		[[ $pid != "$$" ]] || continue
		while IFS= read -r -d '' entry; do
			if [[ $entry == "$marker" ]]; then
				printf '%s\n' "$pid"
				break
			fi
		done 2>/dev/null <"$environ" || true
	done
}

cleanup() {
	[[ -z $cleaned ]] || return 0
	cleaned=1
	set +e
	if [[ -n $session_pid ]]; then
		kill -TERM -- "-$session_pid" 2>/dev/null
	fi
	if [[ -n $xvfb_pid ]]; then
		kill -TERM "$xvfb_pid" 2>/dev/null
	fi
	local i pids
	for ((i = 0; i < 40; i++)); do
		mapfile -t pids < <(pids_with_marker)
		((${#pids[@]} > 0)) || break
		((i > 0)) || kill -TERM "${pids[@]}" 2>/dev/null
		((i < 39)) || kill -KILL "${pids[@]}" 2>/dev/null
		sleep 0.05
	done
	if [[ -n $session_pid ]]; then
		kill -KILL -- "-$session_pid" 2>/dev/null
	fi
	wait 2>/dev/null
	if ((status != 0)) || [[ ${QUIVER_SESSION_KEEP:-} == 1 ]]; then
		say "exit status $status; session logs: $SESSION_LOGS (HOME was $run/home)"
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'status=129; exit 129' HUP
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM

# The session's own home and XDG directories, exported before anything
# starts so the bus and every service it runs get them too.
export HOME=$run/home
export XDG_RUNTIME_DIR=$run/xdg
export XDG_CONFIG_HOME=$HOME/.config
export XDG_DATA_HOME=$HOME/.local/share
export XDG_CACHE_HOME=$HOME/.cache
export XDG_STATE_HOME=$HOME/.local/state
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
umask "$caller_umask"
unset WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS DBUS_SESSION_BUS_PID \
	GNOME_KEYRING_CONTROL SSH_AUTH_SOCK XDG_SESSION_ID XDG_SESSION_TYPE \
	XDG_CURRENT_DESKTOP DESKTOP_SESSION SESSION_MANAGER CODEX_HOME \
	QUIVER_PASSPHRASE QUIVER_SECRETS QUIVER_DESKTOP_SESSION

# Fyne takes its language from LC_ALL, LC_MESSAGES, LANG or LANGUAGE (the
# environment, not glibc): en_US.UTF-8, or it logs a locale error. Where
# that locale is not generated, LC_CTYPE=C.UTF-8 keeps C code (GLFW's
# setlocale(LC_CTYPE, "")) in UTF-8.
unset LC_ALL LC_MESSAGES LANGUAGE
export LANG=en_US.UTF-8
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf-\{0,1\}8'; then
	export LC_CTYPE=C.UTF-8
fi

# Xvfb with a cookie: the server accepts the cookie whatever display number
# the entry names, and clients look it up under the number Xvfb picked.
export XAUTHORITY=$run/xauthority
(umask 077 && : >"$XAUTHORITY")
cookie=$(mcookie)
xauth -q -f "$XAUTHORITY" add :0 . "$cookie"
Xvfb -displayfd 3 -auth "$XAUTHORITY" -screen 0 1024x768x24 -nolisten tcp \
	3>"$run/display" >"$SESSION_LOGS/xvfb.log" 2>&1 &
xvfb_pid=$!
for ((i = 0; i < 200; i++)); do
	[[ ! -s $run/display ]] || break
	if ! kill -0 "$xvfb_pid" 2>/dev/null; then
		status=70
		say "Xvfb exited early (see $SESSION_LOGS/xvfb.log)"
		exit "$status"
	fi
	sleep 0.05
done
display=$(tr -dc 0-9 <"$run/display")
if [[ -z $display ]]; then
	status=70
	say "Xvfb did not report a display within 10s (see $SESSION_LOGS/xvfb.log)"
	exit "$status"
fi
export DISPLAY=:$display
xauth -q -f "$XAUTHORITY" add "$DISPLAY" . "$cookie"
unset cookie

# The bus: the stock session config minus <standard_session_servicedirs/>
# and the includes that could bring service directories back, listening on
# a socket file (not an abstract socket, which a network namespace hides).
cat >"$run/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=$XDG_RUNTIME_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="auth_timeout">240000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
EOF

# In its own process group (setsid) so clean-up can stop all of it; in the
# background so the traps above run while it works.
setsid --wait dbus-run-session --config-file="$run/session.conf" -- \
	"$self" --inside-bus "$@" <&0 9>&2 2>>"$SESSION_LOGS/dbus.log" &
session_pid=$!
wait "$session_pid" || status=$?
exit "$status"
