#!/usr/bin/env bash
# install.sh [install|uninstall] [OPTIONS] — install Quiver for the current
# user (no root), so that it shows up in the desktop's app launcher, or
# remove exactly what an install put there.
#
#   install (default)  $PREFIX/bin/quiver
#                      $DATA/applications/io.github.quiver_app.quiver.desktop
#                      $DATA/icons/hicolor/256x256/apps/quiver.png
#                      $DATA/icons/hicolor/scalable/apps/quiver.svg
#                      and records PREFIX in $DATA/quiver/install-manifest
#   uninstall          removes those four files, then the directories on
#                      their paths that are left empty (below PREFIX and DATA);
#                      the binary is removed from every PREFIX the manifest
#                      records, wherever it was, as well as from --prefix;
#                      accounts, settings, keyring entries and the login
#                      item are never touched
#
# PREFIX is --prefix, else $PREFIX, else ~/.local. DATA is $XDG_DATA_HOME,
# else ~/.local/share: where launchers look for a user's apps and icons.
# The desktop entry's Exec and TryExec get the binary's absolute path.
#
# The files to install come from beside this script, laid out as in the
# release archive (bin/quiver, share/...); `make install` names them with
# --binary, --desktop, --png and --svg instead. The desktop-database and
# icon caches are refreshed only when the directory already has one (never
# created, never fatal).
set -euo pipefail

readonly app_id=io.github.quiver_app.quiver
readonly icon_name=quiver
readonly login_item=quiver.desktop # what `quiver autostart on` writes

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

usage() {
	sed -n '2,27s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	printf '\nOptions: --prefix DIR, --binary FILE, --desktop FILE, --png FILE, --svg FILE\n' >&2
	exit 2
}

# absolute NAME PATH — refuse relative paths and control characters, which
# have no place in a desktop entry's Exec line.
absolute() {
	[[ $2 == /* ]] || die "$1 must be an absolute path, got '$2'"
	[[ $2 != *[[:cntrl:]]* ]] || die "$1 must not contain control characters"
}

# exec_arg PATH — PATH as one argument of a desktop entry's Exec key: %
# doubled, quoted when it holds a reserved character (with ", `, $ and \
# escaped inside), then the string escapes of every value.
exec_arg() {
	local a=${1//%/%%}
	if [[ -z $a || $a == *[[:space:]\"\'\\\>\<~\|\&\;\$\*\?\#\(\)\`]* ]]; then
		a=${a//\\/\\\\}
		a=${a//\"/\\\"}
		a=${a//\`/\\\`}
		a=${a//\$/\\\$}
		a="\"$a\""
	fi
	escape_value "$a"
}

# escape_value S — the string escapes of a desktop entry value.
escape_value() {
	local v=${1//\\/\\\\}
	printf '%s' "$v"
}

# put SRC DEST MODE — copy SRC to DEST atomically (a temporary file in the
# same directory, then rename): a running Quiver keeps its old binary, and
# no half-written file is ever seen.
put() {
	local src=$1 dest=$2 mode=$3 tmp
	mkdir -p -- "$(dirname -- "$dest")"
	tmp=$(mktemp "$(dirname -- "$dest")/.quiver-install.XXXXXX")
	if ! { cp -- "$src" "$tmp" && chmod "$mode" "$tmp" && mv -f -- "$tmp" "$dest"; }; then
		rm -f -- "$tmp"
		die "could not install $dest"
	fi
	printf '  %s\n' "$dest"
}

# put_desktop_entry SRC DEST BINARY — the entry with Exec and TryExec set to
# BINARY's absolute path.
put_desktop_entry() {
	local src=$1 dest=$2 binary=$3 tmp
	tmp=$(mktemp "${TMPDIR:-/tmp}/quiver-desktop.XXXXXX")
	EXEC=$(exec_arg "$binary") TRYEXEC=$(escape_value "$binary") \
		awk '/^Exec=/ { print "Exec=" ENVIRON["EXEC"]; next }
			/^TryExec=/ { print "TryExec=" ENVIRON["TRYEXEC"]; next }
			{ print }' "$src" >"$tmp"
	put "$tmp" "$dest" 0644
	rm -f -- "$tmp"
}

# refresh_caches — update the caches that already exist; launchers without
# one rescan the directories by themselves.
refresh_caches() {
	if [[ -f $apps_dir/mimeinfo.cache ]] && command -v update-desktop-database >/dev/null; then
		update-desktop-database -q "$apps_dir" 2>/dev/null || say "note: update-desktop-database $apps_dir failed (harmless)"
	fi
	if [[ -f $hicolor/icon-theme.cache ]] && command -v gtk-update-icon-cache >/dev/null; then
		gtk-update-icon-cache -q -f -t "$hicolor" 2>/dev/null || say "note: gtk-update-icon-cache $hicolor failed (harmless)"
	fi
}

# prune DIR STOP — remove DIR and its parents while they are empty, stopping
# at STOP (kept). rmdir never removes a directory that holds anything.
prune() {
	local dir=$1 stop=$2
	while [[ $dir == "$stop"/* ]] && rmdir -- "$dir" 2>/dev/null; do
		dir=$(dirname -- "$dir")
	done
}

# warn_login_item — the login item (`quiver autostart on`) is the user's, not
# ours: say so when it starts the binary being removed.
warn_login_item() {
	local config=${XDG_CONFIG_HOME:-}
	[[ $config == /* ]] || config=$HOME/.config
	local item=$config/autostart/$login_item
	if [[ -f $item ]] && grep -qxF "Exec=$(exec_arg "$binary")" "$item"; then
		say "note: Quiver still starts at login from $item, which starts the removed $binary;"
		say "      delete that file, or install again and run 'quiver autostart off'."
	fi
}

do_install() {
	local src
	for src in "$src_binary" "$src_desktop" "$src_png" "$src_svg"; do
		[[ -f $src ]] || die "missing $src (run it from the unpacked archive, or use make install)"
	done
	grep -q '^Exec=' "$src_desktop" || die "$src_desktop has no Exec line"
	umask 022
	printf 'Installing Quiver:\n'
	put "$src_binary" "$binary" 0755
	put_desktop_entry "$src_desktop" "$desktop" "$binary"
	put "$src_png" "$png" 0644
	put "$src_svg" "$svg" 0644
	record_prefix
	refresh_caches
	case ":${PATH:-}:" in
	*":$prefix/bin:"*) ;;
	*) say "note: $prefix/bin is not on your PATH; the app launcher finds Quiver anyway." ;;
	esac
	printf 'Quiver is in your app launcher. Start at login: %s autostart on\n' "$binary"
}

# record_prefix — note PREFIX in the manifest (once), so that uninstall
# finds the binary even when it is not given the same PREFIX.
record_prefix() {
	local tmp
	mkdir -p -- "$(dirname -- "$manifest")"
	tmp=$(mktemp "$(dirname -- "$manifest")/.install-manifest.XXXXXX")
	{
		printf '# What Quiver'"'"'s install.sh installed; uninstall removes it from every prefix below.\n'
		recorded_prefixes | grep -vxF -- "$prefix" || true
		printf '%s\n' "$prefix"
	} | awk 'NR == 1 || !seen[$0]++' >"$tmp"
	chmod 0644 "$tmp"
	mv -f -- "$tmp" "$manifest"
}

# recorded_prefixes — the absolute prefixes the manifest holds, one a line.
recorded_prefixes() {
	[[ -f $manifest ]] || return 0
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line == /* && $line != *[[:cntrl:]]* ]] && printf '%s\n' "${line%/}"
	done <"$manifest"
}

do_uninstall() {
	printf 'Removing Quiver:\n'
	local f p prefixes=()
	while IFS= read -r p; do
		prefixes+=("$p")
	done < <({
		recorded_prefixes
		printf '%s\n' "$prefix"
	} | awk '!seen[$0]++')
	for p in "${prefixes[@]}"; do
		binary=$p/bin/quiver
		warn_login_item
		if [[ -e $binary || -L $binary ]]; then
			rm -f -- "$binary"
			printf '  %s\n' "$binary"
		fi
		prune "$p/bin" "$p"
	done
	for f in "$desktop" "$png" "$svg"; do
		if [[ -e $f || -L $f ]]; then
			rm -f -- "$f"
			printf '  %s\n' "$f"
		fi
	done
	if [[ -f $manifest ]]; then
		rm -f -- "$manifest"
		prune "$(dirname -- "$manifest")" "$data"
	fi
	prune "$(dirname -- "$desktop")" "$data"
	prune "$(dirname -- "$png")" "$data"
	prune "$(dirname -- "$svg")" "$data"
	refresh_caches
	printf 'Accounts, settings and keyring entries are kept (quiver path shows where).\n'
}

main() {
	local action=install
	case ${1:-} in
	install | uninstall)
		action=$1
		shift
		;;
	-h | --help | help) usage ;;
	esac

	local here
	here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
	prefix=${PREFIX:-${HOME:?HOME is not set}/.local}
	src_binary=$here/bin/quiver
	src_desktop=$here/share/applications/$app_id.desktop
	src_png=$here/share/icons/hicolor/256x256/apps/$icon_name.png
	src_svg=$here/share/icons/hicolor/scalable/apps/$icon_name.svg
	while (($# > 0)); do
		(($# >= 2)) || usage
		case $1 in
		--prefix) prefix=$2 ;;
		--binary) src_binary=$2 ;;
		--desktop) src_desktop=$2 ;;
		--png) src_png=$2 ;;
		--svg) src_svg=$2 ;;
		*) usage ;;
		esac
		shift 2
	done

	prefix=${prefix%/}
	absolute PREFIX "$prefix"
	data=${XDG_DATA_HOME:-}
	[[ $data == /* ]] || data=${HOME:?HOME is not set}/.local/share
	data=${data%/}
	absolute XDG_DATA_HOME "$data"

	binary=$prefix/bin/quiver
	apps_dir=$data/applications
	desktop=$apps_dir/$app_id.desktop
	hicolor=$data/icons/hicolor
	png=$hicolor/256x256/apps/$icon_name.png
	svg=$hicolor/scalable/apps/$icon_name.svg
	manifest=$data/quiver/install-manifest

	"do_$action"
}

main "$@"
