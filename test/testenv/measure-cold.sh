#!/usr/bin/env bash
# Times the cold builds the cluster suites need, all four at once as the global setup starts them
# (prebuild.ts), into empty caches under ${COLD:-/tmp/cold} so the shared ones (~/.cache/patchwindow-*)
# are neither used nor disturbed. Needs no cluster lock (it starts no control plane). Prints one line
# per build ("NAME rc=N SECONDS") and the load average; logs in $COLD/logs. Figures: BENCHMARKS.md.
set -u
cd "$(dirname "$0")/../.."
COLD=${COLD:-/tmp/cold}
[ -e "$COLD" ] && { echo "measure-cold: $COLD exists; remove it or set COLD to a fresh directory" >&2; exit 2; }
mkdir -p "$COLD/logs"
export XDG_CACHE_HOME=$COLD/cache GOPATH=$COLD/go GOCACHE=$COLD/go/cache GOMODCACHE=$COLD/go/mod
unset PATCHWINDOW_TESTBIN_DIR PATCHWINDOW_IMAGE_CACHE PATCHWINDOW_TOOLS_BIN KUBEBUILDER_ASSETS
timed() {
  local name=$1 start; shift; start=$(date +%s)
  "$@" >"$COLD/logs/$name.out" 2>"$COLD/logs/$name.err"
  echo "$name rc=$? $(( $(date +%s) - start ))s"
}
echo "start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s)
timed controlplane bash test/testenv/build.sh &
timed tools bash test/testenv/build-tools.sh &
timed promtool bash test/testenv/build-promtool.sh &
timed image bash test/testenv/image.sh rootfs . &
wait
echo "all $(( $(date +%s) - start ))s, end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
