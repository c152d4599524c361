#!/usr/bin/env bash
# Builds the install tools the tests use (helm v4, actionlint) from the Go module proxy into the same
# cache as the test control plane, keyed by versions. Prints the bin directory on the last line of stdout.
# Idempotent: a complete cache is reused; concurrent callers wait for one build.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

if ! command -v go >/dev/null 2>&1; then
  echo "tools: Go is not on PATH. Install Go >= 1.26, or put helm $HELM_VERSION and actionlint $ACTIONLINT_VERSION" >&2
  echo "       into a directory and set PATCHWINDOW_TOOLS_BIN to it." >&2
  exit 2
fi
if [ -n "${PATCHWINDOW_TOOLS_BIN:-}" ]; then echo "$PATCHWINDOW_TOOLS_BIN"; exit 0; fi
GO_VERSION=$(go env GOVERSION)
KEY="tools_helm-${HELM_VERSION}_actionlint-${ACTIONLINT_VERSION}_${GO_VERSION}"
ROOT=${PATCHWINDOW_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/patchwindow-testbin}/$KEY
BIN=$ROOT/bin
BINARIES=(helm actionlint)

complete() {
  for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
}
if complete; then echo "$BIN"; exit 0; fi

mkdir -p "$ROOT"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROOT/.lock"
  if ! flock -n 9; then
    echo "tools: another build into $ROOT is running; waiting for it" >&2
    flock 9
  fi
  if complete; then echo "$BIN"; exit 0; fi
fi

export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
mkdir -p "$BIN"
START=$(date +%s)
log() { echo "tools: $* ($(( $(date +%s) - START ))s)" >&2; }

# Both modules have no replace directives, so `go install module@version` builds them as released.
# Building into a temp dir and renaming keeps a half-written binary from counting as complete.
# Without the compiler's optimizations and inlining (-N -l): a test runs each for a moment, and on
# a cold machine their build shares the two cores with the tests.
TMP=$(mktemp -d "$ROOT/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if [ ! -x "$BIN/helm" ]; then
  log "building helm $HELM_VERSION (first build takes a few minutes)"
  GOBIN="$TMP" go install -p "${GO_BUILD_P:-2}" -trimpath -gcflags='all=-N -l' \
    -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  mv "$TMP/helm" "$BIN/helm"
fi
if [ ! -x "$BIN/actionlint" ]; then
  log "building actionlint $ACTIONLINT_VERSION"
  GOBIN="$TMP" go install -trimpath -gcflags='all=-N -l' \
    -ldflags="-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$TMP/actionlint" "$BIN/actionlint"
fi

complete || { echo "tools: build finished but binaries are missing in $BIN" >&2; exit 1; }
log "done"
echo "$BIN"
