#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
# from the Go module proxy into a cache directory outside the repository, keyed by versions.
# Prints the bin directory on the last line of stdout. Idempotent: a complete cache is reused.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

if ! command -v go >/dev/null 2>&1; then
  echo "testenv: Go is not on PATH. Install Go >= 1.26 or set KUBEBUILDER_ASSETS to a directory with" >&2
  echo "         etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok." >&2
  exit 2
fi
GO_VERSION=$(go env GOVERSION)
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_${GO_VERSION}"
ROOT=${PATCHWINDOW_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/patchwindow-testbin}/$KEY
BIN=$ROOT/bin
SRC=$ROOT/src
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

complete() {
  for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
  [ -s "$ROOT/kwok-stages.yaml" ]
}
if complete; then echo "$BIN"; exit 0; fi

# One build per cache dir at a time (two test runs on a cold cache, or `npm run testenv:build` racing
# a test run): the second waits, then finds the cache complete.
mkdir -p "$ROOT"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROOT/.lock"
  if ! flock -n 9; then
    echo "testenv: another build into $ROOT is running; waiting for it" >&2
    flock 9
  fi
  if complete; then echo "$BIN"; exit 0; fi
fi

export CGO_ENABLED=0 GOWORK=off GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
mkdir -p "$BIN" "$SRC/k8s" "$SRC/etcd" "$SRC/kwok"
START=$(date +%s)
log() { echo "testenv: $* ($(( $(date +%s) - START ))s)" >&2; }

MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

# --- kubernetes: a tiny main module that requires k8s.io/kubernetes and replaces every staging module
# (k8s.io/kubernetes requires them at the non-existent v0.0.0; its own replaces do not apply to dependents).
if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$BIN/kube-controller-manager" ] || [ ! -x "$BIN/kube-scheduler" ]; then
  cd "$SRC/k8s"
  rm -f go.mod go.sum tools.go
  go mod init example.invalid/k8s-testbin >/dev/null 2>&1
  GOMOD_FILE=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  GO_LINE=$(awk '$1=="go"{print $2; exit}' "$GOMOD_FILE")
  GODEBUG_LINE=$(grep -E '^godebug ' "$GOMOD_FILE" || true)
  printf 'module example.invalid/k8s-testbin\n\ngo %s\n\n%s\n\nrequire k8s.io/kubernetes %s\n' \
    "$GO_LINE" "$GODEBUG_LINE" "$K8S_VERSION" > go.mod
  awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' "$GOMOD_FILE" | sort -u | while read -r m; do
    go mod edit -replace="$m=$m@$STAGING_VERSION"
  done
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' > tools.go
  log "resolving k8s.io/kubernetes $K8S_VERSION"
  go mod tidy
  LDF="-s -w"
  for kv in "gitVersion=$K8S_VERSION" "gitMajor=1" "gitMinor=$MINOR" "gitTreeState=clean" \
            "gitCommit=0000000000000000000000000000000000000000" "buildDate=1970-01-01T00:00:00Z"; do
    LDF="$LDF -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  log "building kube-apiserver, kube-controller-manager, kube-scheduler (first build takes long)"
  go build -p "${GO_BUILD_P:-2}" -trimpath -tags=notest -ldflags="$LDF" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
fi

# --- etcd: its server module has replace directives, so `go install @version` refuses it; wrap it.
if [ ! -x "$BIN/etcd" ]; then
  cd "$SRC/etcd"
  rm -f go.mod go.sum tools.go
  printf 'module example.invalid/etcd-testbin\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  log "building etcd $ETCD_VERSION"
  go mod tidy
  go build -trimpath -ldflags="-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
fi

# --- kwok: no replace directives, installs directly. v0.8 ships no default stages: copy them.
if [ ! -x "$BIN/kwok" ] || [ ! -s "$ROOT/kwok-stages.yaml" ]; then
  log "building kwok $KWOK_VERSION"
  GOBIN="$BIN" go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  cd "$SRC/kwok"
  KWOK_DIR=$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  S=$KWOK_DIR/kustomize/stage
  { for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      cat "$S/$f"; echo '---'; done; } > "$ROOT/kwok-stages.yaml.tmp"
  mv "$ROOT/kwok-stages.yaml.tmp" "$ROOT/kwok-stages.yaml"
fi

complete || { echo "testenv: build finished but binaries are missing in $BIN" >&2; exit 1; }
log "done"
echo "$BIN"
