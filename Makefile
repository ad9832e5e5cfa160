# Quiver — build, run and test. `make help` lists the targets.
#
# Every target does its own set-up: missing Debian/Ubuntu packages are
# installed (scripts/install-deps.sh), Go's module and build caches are used
# as they are (nothing is downloaded or rebuilt twice). The first build of
# anything importing Fyne's app driver takes ~5 minutes (cgo, go-gl);
# later ones come from the Go build cache.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

# Go in its usual place even when a non-login shell lacks it on PATH.
export PATH := $(PATH):/usr/local/go/bin

GO ?= go
BIN := bin/quiver

# Stamped into main.version, main.commit and main.date. DATE is the commit's
# time (UTC), so the same commit builds the same binary. VERSION is the
# release tag without its v (v0.2.0 → 0.2.0; 0.2.0-3-g1a2b3c4 three commits
# later), or, before the first tag, FyneApp.toml's Version + -dev-g<commit>;
# -dirty when the work tree has changes.
APP_VERSION := $(shell sed -n 's/^Version *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
GIT_DESCRIBE := $(shell git describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null)
VERSION := $(if $(filter v%,$(GIT_DESCRIBE)),$(GIT_DESCRIBE:v%=%),$(APP_VERSION)-dev$(if $(GIT_DESCRIBE),-g$(GIT_DESCRIBE)))
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo none)
DATE := $(shell TZ=UTC0 git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)

# Arguments for `make run` (e.g. ARGS=--headless) and extra `go test` flags
# for `make test` (e.g. TESTFLAGS='-run TestStore -v').
# They reach the recipes through the environment, split into words there
# (no globbing), so -run 'A|B' works.
ARGS ?=
TESTFLAGS ?=
export ARGS TESTFLAGS

# `make install` / `make uninstall`: per user, no root. The binary goes to
# $(PREFIX)/bin; the desktop entry and icons to $XDG_DATA_HOME (default
# ~/.local/share), where app launchers look (scripts/install.sh).
PREFIX ?= $(HOME)/.local
DESKTOP_ENTRY := scripts/io.github.quiver_app.quiver.desktop
INSTALL_FILES := --binary $(BIN) --desktop $(DESKTOP_ENTRY) --png icons/quiver.png --svg icons/quiver.svg

.PHONY: help deps deps-build build run install uninstall package goflags test bench clean

help: ## list the targets
	@echo 'Quiver make targets:'
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  %-11s %s\n", $$1, $$2 }'
	@echo 'Variables: ARGS (for run), TESTFLAGS (for test), PREFIX and XDG_DATA_HOME (for install), GO.'

deps: ## install missing Debian/Ubuntu packages for building and testing; check Go
	@scripts/install-deps.sh all

deps-build: ## install missing packages for building only; check Go
	@scripts/install-deps.sh build

build: deps-build ## build bin/quiver, stamped with version, commit and date
	@mkdir -p $(dir $(BIN))
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build ## build, then start the tray app (ARGS=... for flags/subcommands)
	@if [[ -z "$${ARGS}" && -z "$${DISPLAY:-}" && -z "$${WAYLAND_DISPLAY:-}" ]]; then \
		echo 'make run: no DISPLAY or WAYLAND_DISPLAY: the tray app needs a desktop session.'; \
		echo 'Without one, run the proxy and watcher only:  $(BIN) --headless  (or: make run ARGS=--headless)'; \
		exit 1; \
	fi
	set -f; $(BIN) $${ARGS}

install: build ## install for this user (no root): PREFIX/bin/quiver, launcher entry, icons
	@scripts/install.sh install --prefix '$(PREFIX)' $(INSTALL_FILES)

uninstall: ## remove what install put there (accounts and settings are kept)
	@scripts/install.sh uninstall --prefix '$(PREFIX)'

package: build ## Linux archive in dist/: binary, launcher entry, icons, install.sh
	@scripts/package.sh --binary $(BIN) --version '$(VERSION)' --date '$(DATE)' --desktop $(DESKTOP_ENTRY)

goflags: ## print GOFLAGS stamping a `fyne package` build (macOS, Windows) like build
	@echo '-ldflags=-X=main.version=$(VERSION) -ldflags=-X=main.commit=$(COMMIT) -ldflags=-X=main.date=$(DATE)'

test: deps ## vet (linux, windows, darwin), then all tests in a headless desktop session
	@set -f; scripts/test.sh $${TESTFLAGS}

bench: deps ## run the benchmarks in a headless desktop session; output in bench.txt
	@pkgs=$$(scripts/go-packages.sh bench); \
	if [[ -z "$$pkgs" ]]; then echo 'make bench: no package has a benchmark yet.'; exit 0; fi; \
	scripts/desktop-session.sh $(GO) test -run '^$$' -bench . -benchmem $$pkgs | tee bench.txt; \
	echo 'make bench: results in bench.txt'

clean: ## remove build output (Go's caches are kept)
	rm -rf bin dist bench.txt
