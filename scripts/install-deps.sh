#!/usr/bin/env bash
# install-deps.sh [build|test|all] — make sure this machine can build (and
# test) Quiver: installs the missing Debian/Ubuntu packages and checks Go.
#
#   build  C toolchain and X11/GL headers for Fyne's cgo driver
#   test   build + the headless desktop session (Xvfb, D-Bus, gnome-keyring…)
#   all    same as test (default)
#
# It asks dpkg first and does nothing when everything is installed, so it is
# cheap to run before every build. It runs apt-get as root, or through
# `sudo -n` (never prompts); when neither works it prints the exact command
# to run and exits non-zero. The headers must be there before the first
# build: without them the cgo step fails only after ~5 minutes.
set -euo pipefail

readonly build_packages=(
	gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
)
# "a|b": either one will do; b is what older releases (Ubuntu 22.04, whose
# dbus 1.12 is not split yet) call it.
readonly test_packages=(
	xvfb xauth 'dbus-daemon|dbus' 'dbus-bin|dbus' gnome-keyring
	libsecret-tools imagemagick x11-utils desktop-file-utils iproute2
	util-linux procps psmisc nodejs 'npm|nodejs'
)
# Commands the session and the tests call, checked on systems without dpkg.
readonly build_commands=(gcc pkg-config)
readonly test_commands=(Xvfb xauth dbus-run-session dbus-send gnome-keyring-daemon
	secret-tool import xdpyinfo desktop-file-validate ip setsid pgrep killall
	node npm unshare)

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'install-deps: %s\n' "$*" >&2; }

usage() {
	sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# installed PKG — true when dpkg has PKG fully installed (any architecture).
installed() {
	dpkg-query -W -f='${db:Status-Abbrev}\n' "$1" 2>/dev/null | grep -q '^ii'
}

# has_candidate PKG — true when apt knows a version of PKG it could install.
has_candidate() {
	local candidate
	candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
	[[ -n $candidate && $candidate != '(none)' ]]
}

# missing_packages SPEC... — prints the first alternative of every SPEC that
# has no alternative installed.
missing_packages() {
	local spec alt found
	for spec in "$@"; do
		found=
		IFS='|' read -ra alts <<<"$spec"
		for alt in "${alts[@]}"; do
			if installed "$alt"; then found=1; break; fi
		done
		[[ -n $found ]] || printf '%s\n' "$spec"
	done
}

# resolve SPEC... — turns each "a|b" into the first alternative apt can
# install (call after apt-get update); prints one name per line.
resolve() {
	local spec alt
	for spec in "$@"; do
		IFS='|' read -ra alts <<<"$spec"
		for alt in "${alts[@]}"; do
			if has_candidate "$alt"; then printf '%s\n' "$alt"; continue 2; fi
		done
		printf '%s\n' "${alts[0]}" # let apt-get report it
	done
}

# as_root CMD... — runs CMD as root (directly or with sudo -n); fails
# without prompting when that is not possible.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		return 126
	fi
}

install_debian_packages() {
	local -a missing to_install
	mapfile -t missing < <(missing_packages "$@")
	((${#missing[@]} > 0)) || return 0

	say "missing packages: ${missing[*]//|*/}"
	local manual="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]//|*/}"
	export DEBIAN_FRONTEND=noninteractive
	if ! as_root apt-get update -qq; then
		say "cannot run apt-get as root (not root, and sudo needs a password)."
		say "run this, then try again:"
		printf '\n    %s\n\n' "$manual" >&2
		exit 1
	fi
	mapfile -t to_install < <(resolve "${missing[@]}")
	say "installing: ${to_install[*]}"
	if ! as_root apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Use-Pty=0 "${to_install[@]}"; then
		say "apt-get install failed; to retry by hand:"
		printf '\n    sudo apt-get install -y --no-install-recommends %s\n\n' "${to_install[*]}" >&2
		exit 1
	fi
}

check_commands() {
	local cmd missing=()
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
	done
	if ((${#missing[@]} > 0)); then
		say "this is not a Debian/Ubuntu system (no dpkg), and these commands are missing: ${missing[*]}"
		say "install the packages that provide them (see scripts/install-deps.sh for the Debian names)."
		exit 1
	fi
}

# version_ge A B — true when dotted version A >= B (go1.26.8 style, "go" stripped).
version_ge() {
	[[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]
}

check_go() {
	local want have
	want=$(awk '$1 == "go" {print $2; exit}' "$repo_root/go.mod")
	if ! command -v go >/dev/null 2>&1; then
		if [[ -x /usr/local/go/bin/go ]]; then
			say "Go is installed in /usr/local/go but not on PATH: add it with"
			printf '\n    export PATH="$PATH:/usr/local/go/bin"\n\n' >&2
		else
			say "Go is not installed. Quiver needs Go >= $want (Debian's golang package is too old):"
			printf '\n    curl -fsSL https://go.dev/dl/go%s.linux-%s.tar.gz | sudo tar -C /usr/local -xz\n    export PATH="$PATH:/usr/local/go/bin"\n\n' \
				"$want" "$(dpkg --print-architecture 2>/dev/null || echo amd64)" >&2
		fi
		exit 1
	fi
	# From / with GOTOOLCHAIN=local: the version of the go command itself,
	# without switching (and perhaps downloading) to the one go.mod names.
	have=$(cd / && GOTOOLCHAIN=local GOFLAGS= go env GOVERSION 2>/dev/null || true)
	have=${have#devel }
	have=${have#go}
	have=${have%%[!0-9.]*}
	if version_ge "$have" "$want"; then
		return 0
	fi
	local toolchain
	toolchain=$(cd / && go env GOTOOLCHAIN 2>/dev/null || echo local)
	if version_ge "$have" 1.21 && [[ $toolchain != local* ]]; then
		say "Go $have is older than go.mod's $want; the go command will download go$want into the module cache on first use (GOTOOLCHAIN=$toolchain)."
		return 0
	fi
	say "Go $have is too old: go.mod needs Go >= $want. Install it from https://go.dev/dl/ (or set GOTOOLCHAIN=auto with Go >= 1.21)."
	exit 1
}

main() {
	local what=${1:-all}
	local -a packages commands
	case $what in
	build) packages=("${build_packages[@]}") commands=("${build_commands[@]}") ;;
	test | all) packages=("${build_packages[@]}" "${test_packages[@]}")
		commands=("${build_commands[@]}" "${test_commands[@]}") ;;
	-h | --help | help) usage ;;
	*) say "unknown set '$what'"; usage ;;
	esac

	if command -v dpkg-query >/dev/null 2>&1; then
		install_debian_packages "${packages[@]}"
	else
		check_commands "${commands[@]}"
	fi
	check_go
}

main "$@"
