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
# time (UTC), so the same commit builds the same binary.
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
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

.PHONY: help deps deps-build build run test bench clean

help: ## list the targets
	@echo 'Quiver make targets:'
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  %-11s %s\n", $$1, $$2 }'
	@echo 'Variables: ARGS (for run), TESTFLAGS (for test), GO.'

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

test: deps ## vet (linux, windows, darwin), then all tests in a headless desktop session
	@set -f; scripts/test.sh $${TESTFLAGS}

bench: deps ## run the benchmarks in a headless desktop session; output in bench.txt
	@pkgs=$$(scripts/go-packages.sh bench); \
	if [[ -z "$$pkgs" ]]; then echo 'make bench: no package has a benchmark yet.'; exit 0; fi; \
	scripts/desktop-session.sh $(GO) test -run '^$$' -bench . -benchmem $$pkgs | tee bench.txt; \
	echo 'make bench: results in bench.txt'

clean: ## remove build output (Go's caches are kept)
	rm -rf bin dist bench.txt
