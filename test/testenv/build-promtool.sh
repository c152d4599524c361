#!/usr/bin/env bash
# Builds promtool (Prometheus's rule checker and rule unit-test runner) from the Go module proxy into
# the same cache as the test control plane, keyed by versions. Prints the bin directory on the last
# line of stdout. Idempotent: a complete cache is reused; concurrent callers wait for one build.
# The monitoring tests (test/unit/monitoring.test.ts) run `promtool test rules` with it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

if [ -n "${PATCHWINDOW_PROMTOOL_BIN:-}" ]; then echo "$PATCHWINDOW_PROMTOOL_BIN"; exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "promtool: Go is not on PATH. Install Go >= 1.26, or put promtool (Prometheus $PROMETHEUS_MODULE_VERSION)" >&2
  echo "          into a directory and set PATCHWINDOW_PROMTOOL_BIN to it." >&2
  exit 2
fi
GO_VERSION=$(go env GOVERSION)
ROOT=${PATCHWINDOW_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/patchwindow-testbin}/promtool-${PROMETHEUS_MODULE_VERSION}_${GO_VERSION}
BIN=$ROOT/bin
if [ -x "$BIN/promtool" ]; then echo "$BIN"; exit 0; fi

mkdir -p "$ROOT"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROOT/.lock"
  if ! flock -n 9; then
    echo "promtool: another build into $ROOT is running; waiting for it" >&2
    flock 9
  fi
  if [ -x "$BIN/promtool" ]; then echo "$BIN"; exit 0; fi
fi

export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
mkdir -p "$BIN"
START=$(date +%s)
# The module has no replace directives, so `go install module@version` builds it as released (Go
# module versions v0.3xx.y are Prometheus releases 3.xx.y). A temp dir and a rename keep a half-written
# binary from counting as complete.
TMP=$(mktemp -d "$ROOT/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
echo "promtool: building github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION (first build takes a few minutes)" >&2
# remove_all_sd: without the service discovery plugins (cloud SDKs: AWS, Azure, GCE, ...), which
# `check rules` and `test rules` never use: 1,117 packages to compile instead of 1,364. Without the
# compiler's optimizations and inlining (-N -l): the tests run it for a moment.
GOBIN="$TMP" go install -p "${GO_BUILD_P:-2}" -trimpath -tags=remove_all_sd -gcflags='all=-N -l' -ldflags="-s -w" \
  "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"
mv "$TMP/promtool" "$BIN/promtool"
echo "promtool: done ($(( $(date +%s) - START ))s)" >&2
echo "$BIN"
