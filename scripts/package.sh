#!/usr/bin/env bash
# package.sh --binary FILE --version VERSION --date RFC3339 --desktop FILE —
# the Linux release archive, dist/quiver-VERSION-linux-ARCH.tar.xz (and its
# .sha256), from the binary `make build` made (same -ldflags, so a warm Go
# build cache makes this take seconds). The archive holds one directory:
#
#   install.sh   per-user install (scripts/install.sh; `./install.sh
#                uninstall` removes it again)
#   bin/quiver
#   share/applications/io.github.quiver_app.quiver.desktop
#   share/icons/hicolor/256x256/apps/quiver.png, scalable/apps/quiver.svg
#
# The metadata comes from FyneApp.toml through Fyne's own packager:
# `fyne package -os linux` (fyne.io/tools, pinned below, installed once
# into .cache/) runs on a copy of FyneApp.toml in a temporary directory and
# its desktop entry and icon must agree with ours (name, app id, comment,
# categories, keywords, window class, icon), so the two never drift apart.
# Its own archive is not shipped: it lays the files out for a system-wide
# install under /usr/local (pixmaps, a Makefile needing root), and given a
# source directory it would rebuild the binary without our -ldflags and
# rewrite FyneApp.toml (it bumps Build). At a release tag vX.Y.Z, FyneApp's
# Version must be X.Y.Z. Entries are sorted, owned by root and dated DATE
# (the commit's time), so the same binary always gives the same archive.
set -euo pipefail

readonly fyne_tools_version=v1.7.4
readonly app_id=io.github.quiver_app.quiver
readonly icon_name=quiver
# Desktop entry keys that FyneApp.toml ([Details], [LinuxAndBSD]) decides.
readonly fyne_keys=(Name GenericName Comment Categories Keywords StartupWMClass Exec)

say() { printf 'package.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

usage() {
	sed -n '2,24s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# fyne_tool — the pinned fyne CLI, installed on first use.
fyne_tool() {
	local dir=$root/.cache/fyne-tools/$fyne_tools_version
	if [[ ! -x $dir/fyne ]]; then
		say "installing the fyne packager $fyne_tools_version into ${dir#"$root"/} (once)"
		GOBIN=$dir go install "fyne.io/tools/cmd/fyne@$fyne_tools_version" >&2 ||
			die "could not install fyne.io/tools/cmd/fyne@$fyne_tools_version"
	fi
	printf '%s\n' "$dir/fyne"
}

# toml_value SECTION KEY — a string or integer value from FyneApp.toml.
toml_value() {
	awk -v section="[$1]" -v key="$2" '
		/^\[/ { in_section = ($0 == section) }
		in_section && $1 == key && $2 == "=" {
			v = $0
			sub(/^[^=]*=[ \t]*/, "", v)
			gsub(/^"|"[ \t]*$/, "", v)
			print v
			exit
		}' "$root/FyneApp.toml"
}

# entry_value FILE KEY — KEY's value in FILE's [Desktop Entry] group.
entry_value() {
	awk -v key="$2" '
		/^\[/ { in_group = ($0 == "[Desktop Entry]") }
		in_group && index($0, key "=") == 1 { print substr($0, length(key) + 2); exit }' "$1"
}

# check_fyne_metadata — run `fyne package` on FyneApp.toml and compare its
# desktop entry and icon with ours.
check_fyne_metadata() {
	local fyne icon meta out
	fyne=$(fyne_tool)
	icon=$(toml_value Details Icon)
	[[ -n $icon && -f $root/$icon ]] || die "FyneApp.toml's Icon '$icon' is not a file"
	meta=$work/fyne
	mkdir -p "$meta/$(dirname -- "$icon")"
	cp "$root/FyneApp.toml" "$meta/"
	cp "$root/$icon" "$meta/$icon"
	# A stand-in executable (fyne only copies it and names Exec after it),
	# and the Go file fyne insists on finding beside it.
	printf '#!/bin/sh\nexit 0\n' >"$meta/quiver"
	printf 'package main\n\nfunc main() {}\n' >"$meta/main.go"
	chmod 0755 "$meta/quiver"
	(cd "$meta" && "$fyne" package -os linux -executable "$meta/quiver") >&2 ||
		die "fyne package failed"
	out=$meta/out
	mkdir -p "$out"
	tar -xJf "$meta/$(toml_value Details Name).tar.xz" -C "$out"

	local fyne_entry fyne_icon
	fyne_entry=$(find "$out" -path '*/share/applications/*.desktop' -print -quit)
	fyne_icon=$(find "$out" -path '*/share/pixmaps/*' -type f -print -quit)
	[[ -n $fyne_entry && -n $fyne_icon ]] || die "fyne package made no desktop entry or icon"
	[[ $(basename -- "$fyne_entry") == "$app_id.desktop" ]] ||
		die "FyneApp.toml's ID gives $(basename -- "$fyne_entry"), we install $app_id.desktop"
	[[ $(basename -- "$desktop") == "$app_id.desktop" ]] ||
		die "$desktop is not named $app_id.desktop"
	local key ours theirs mismatches=0
	for key in "${fyne_keys[@]}"; do
		ours=$(entry_value "$desktop" "$key")
		theirs=$(entry_value "$fyne_entry" "$key")
		if [[ $ours != "$theirs" ]]; then
			say "$key: FyneApp.toml gives '$theirs', $desktop has '$ours'"
			mismatches=$((mismatches + 1))
		fi
	done
	((mismatches == 0)) || die "FyneApp.toml and $desktop disagree; make them say the same"
	cmp -s "$fyne_icon" "$root/icons/$icon_name.png" ||
		die "FyneApp.toml's icon is not icons/$icon_name.png"
}

# check_release_tag — at a release tag, FyneApp.toml must name the same
# version.
check_release_tag() {
	local tag app_version
	tag=$(git -C "$root" describe --tags --exact-match --match 'v[0-9]*' HEAD 2>/dev/null) || return 0
	app_version=$(toml_value Details Version)
	[[ $tag == "v$app_version" ]] ||
		die "HEAD is tagged $tag but FyneApp.toml says Version = \"$app_version\""
}

main() {
	local binary='' version='' date='' arch
	desktop=''
	while (($# > 0)); do
		(($# >= 2)) || usage
		case $1 in
		--binary) binary=$2 ;;
		--version) version=$2 ;;
		--date) date=$2 ;;
		--desktop) desktop=$2 ;;
		*) usage ;;
		esac
		shift 2
	done
	[[ -n $binary && -n $version && -n $date && -n $desktop ]] || usage
	[[ $version =~ ^[A-Za-z0-9][A-Za-z0-9.+_-]*$ ]] || die "version '$version' is not usable in a file name"
	[[ -x $binary ]] || die "no executable $binary (run make build)"
	[[ -f $desktop ]] || die "no desktop entry $desktop"

	root=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
	arch=$(go version -m "$binary" | awk '$1 == "build" && $2 ~ /^GOARCH=/ { sub(/^GOARCH=/, "", $2); print $2 }')
	[[ -n $arch ]] || die "cannot tell $binary's architecture (go version -m)"
	local goos
	goos=$(go version -m "$binary" | awk '$1 == "build" && $2 ~ /^GOOS=/ { sub(/^GOOS=/, "", $2); print $2 }')
	[[ $goos == linux ]] || die "$binary is built for '$goos', not linux"

	work=$(mktemp -d "${TMPDIR:-/tmp}/quiver-package.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	check_release_tag
	check_fyne_metadata

	local name=quiver-$version-linux-$arch
	local stage=$work/$name
	umask 022
	install -D -m 0755 "$root/scripts/install.sh" "$stage/install.sh"
	install -D -m 0755 "$binary" "$stage/bin/quiver"
	install -D -m 0644 "$desktop" "$stage/share/applications/$app_id.desktop"
	install -D -m 0644 "$root/icons/$icon_name.png" "$stage/share/icons/hicolor/256x256/apps/$icon_name.png"
	install -D -m 0644 "$root/icons/$icon_name.svg" "$stage/share/icons/hicolor/scalable/apps/$icon_name.svg"

	local dist=$root/dist archive
	archive=$dist/$name.tar.xz
	mkdir -p "$dist"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$date" \
		-C "$work" -cf - "$name" | xz -T0 -6 >"$archive.tmp"
	mv -f "$archive.tmp" "$archive"
	(cd "$dist" && sha256sum "$name.tar.xz" >"$name.tar.xz.sha256")
	printf 'dist/%s.tar.xz (%s)\n' "$name" "$(du -h "$archive" | cut -f1)"
	printf 'Install it: tar -xJf dist/%s.tar.xz && %s/install.sh\n' "$name" "$name"
}

main "$@"
