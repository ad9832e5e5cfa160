#!/usr/bin/env bash
# go-packages.sh KIND [GOOS] — print the module's Go packages of one kind,
# one import path a line, computed from `go list` so the lists stay right
# as packages are added.
#
#   core          packages that do not (with their tests) depend on
#                 fyne.io/fyne/v2/app: cheap to build, tested with -race
#   gui           the others: they pull in Fyne's cgo driver (GLFW/go-gl),
#                 whose first build takes ~5 minutes per build variant
#   portable GOOS packages under ./app, ./proxy and ./watcher that build for
#                 GOOS without Fyne or systray (off Linux, Fyne's widgets,
#                 its driver and systray need cgo, which a cross-compile
#                 lacks): the cross-compile check
#   bench         packages whose tests have a Benchmark function
#
# Packages that fail to load are listed too (go list -e), so that the vet
# or test step that follows reports the error.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly fyne_app=fyne.io/fyne/v2/app
readonly fyne_all=fyne.io/fyne/v2/...
readonly systray=fyne.io/systray

# packages_without PATTERNS... -- DEPS... : the packages matching PATTERNS
# whose dependencies (their tests' included) contain none of DEPS; a DEP
# ending in /... stands for that package and everything below it.
packages_without() {
	local -a patterns=()
	while (($# > 0)) && [[ $1 != -- ]]; do
		patterns+=("$1")
		shift
	done
	shift
	((${#patterns[@]} > 0)) || return 0
	# With -test, every package comes with its test variants ("p [p.test]",
	# "p_test [p.test]", "p.test"); a dependency of any of them counts.
	go list -e -test -f '{{.ImportPath}}{{"\t"}}{{join .Deps " "}}' "${patterns[@]}" |
		awk -F'\t' -v unwanted="$*" '
			BEGIN {
				n = split(unwanted, u, " ")
				for (i = 1; i <= n; i++) {
					if (u[i] ~ /\/\.\.\.$/) { p = u[i]; sub(/\/\.\.\.$/, "", p); prefix[p] = 1 }
					else bad[u[i]] = 1
				}
			}
			function unwanted_dep(d,   p) {
				if (d in bad) return 1
				for (p in prefix) if (d == p || index(d, p "/") == 1) return 1
				return 0
			}
			{
				pkg = $1
				sub(/ \[.*$/, "", pkg)
				variant = (pkg != $1)
				if (sub(/\.test$/, "", pkg) || sub(/_test$/, "", pkg)) variant = 1
				if (!variant && !(pkg in seen)) { seen[pkg] = 1; order[++count] = pkg }
				m = split($2, deps, " ")
				for (i = 1; i <= m; i++) if (unwanted_dep(deps[i])) excluded[pkg] = 1
			}
			END { for (i = 1; i <= count; i++) if (!(order[i] in excluded)) print order[i] }'
}

# packages_with PATTERNS... -- DEPS... : the complement of packages_without.
packages_with() {
	local -a patterns=()
	while (($# > 0)) && [[ $1 != -- ]]; do
		patterns+=("$1")
		shift
	done
	comm -23 <(go list -e "${patterns[@]}" | sort) \
		<(packages_without "${patterns[@]}" "$@" | sort)
}

# existing_trees DIR... — "./DIR/..." for each DIR that exists.
existing_trees() {
	local dir
	for dir in "$@"; do
		[[ ! -d $dir ]] || printf './%s/...\n' "$dir"
	done
}

benchmark_packages() {
	go list -e -f '{{.ImportPath}}{{"\t"}}{{.Dir}}{{"\t"}}{{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' ./... |
		while IFS=$'\t' read -r pkg dir files; do
			local file
			for file in $files; do
				if grep -q '^func Benchmark' "$dir/$file"; then
					printf '%s\n' "$pkg"
					break
				fi
			done
		done
}

main() {
	local kind=${1:-}
	case $kind in
	core) packages_without ./... -- "$fyne_app" ;;
	gui) packages_with ./... -- "$fyne_app" ;;
	portable)
		local goos=${2:?portable needs a GOOS, e.g. windows}
		local -a trees
		mapfile -t trees < <(existing_trees app proxy watcher)
		((${#trees[@]} > 0)) || return 0
		GOOS=$goos packages_without "${trees[@]}" -- "$fyne_all" "$systray"
		;;
	bench) benchmark_packages ;;
	*)
		sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
		return 2
		;;
	esac
}

main "$@"
