#!/usr/bin/env bash
# The project's one test command (the README names it; .ci/run calls it):
# static checks, unit tests with the fuzz seed corpora, then the real
# services and the e2e suite against them. A service that cannot start
# fails the run; nothing is skipped.
#
#   scripts/test.sh            everything
#   scripts/test.sh unit       static checks and unit tests only
#   scripts/test.sh e2e        services and the e2e suite only
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
started=$(date +%s)
STATICCHECK_VERSION=v0.8.2

step() { printf '\n== %s (%ss)\n' "$1" $(( $(date +%s) - started )); }

# Tools the checks need, pinned and installed into the repository's own
# .tools/bin (git ignores it) before anything uses them, so a run never
# depends on what earlier work left in $GOPATH/bin or on PATH.
TOOLS_BIN="$PWD/.tools/bin"
install_tools() {
	step "tools (pinned, into .tools/bin)"
	mkdir -p "$TOOLS_BIN"
	if ! "$TOOLS_BIN/staticcheck" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
		GOBIN="$TOOLS_BIN" GOFLAGS=-mod=mod go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"
	fi
	"$TOOLS_BIN/staticcheck" -version
}

static_checks() {
	install_tools
	step "gofmt"
	unformatted=$(gofmt -l $(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))
	if [ -n "$unformatted" ]; then
		echo "gofmt needed on:"; echo "$unformatted"; exit 1
	fi
	step "go vet"
	go vet ./...
	go vet -tags e2e ./...
	step "staticcheck"
	"$TOOLS_BIN/staticcheck" ./...
	"$TOOLS_BIN/staticcheck" -tags e2e ./...
}

unit_tests() {
	step "unit tests (fuzz targets run their seed corpora)"
	go test -count=1 ./...
	step "race detector on the runtime"
	go test -count=1 -race ./runtime/...
}

e2e_tests() {
	step "services"
	scripts/services.sh up
	step "Python clients (pinned, into a venv in the cache)"
	scripts/pyclients.sh
	scripts/pycel.sh # cel-python beside it, for TestDomainRulesPython
	step "e2e suite"
	go test -count=1 -p 1 -tags e2e -timeout 60m ./... # one package at a time: they share the services; the e2e package alone runs ~20-30 min
}

case "$what" in
all) static_checks; unit_tests; e2e_tests ;;
unit) static_checks; unit_tests ;;
e2e) e2e_tests ;;
*) echo "usage: scripts/test.sh [all|unit|e2e]" >&2; exit 2 ;;
esac
step "done: all checks passed"
