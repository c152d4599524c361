# syntax=docker/dockerfile:1
# One image for every role: `patchwindow reconcile` (Deployment), `patchwindow coordinator`
# (Deployment) and `patchwindow agent` (the DaemonSets; they call `patchwindow` by name).
#
# Base: Debian 12 slim with Node 24, not distroless, because the reconciler runs git (and ssh for
# ssh:// repositories) and the agent runs nsenter (util-linux) to reboot the host. The base is a
# build argument: releases use the official Node image (pin it by digest); the tests build one from
# Debian packages because no registry is reachable there (test/testenv/image.sh).
ARG NODE_IMAGE=node:24-bookworm-slim

# Build: compile the TypeScript sources to dist/ (the agent's worker bundled into one file:
# scripts/bundle-worker.ts), keep only the runtime dependencies and write the
# CycloneDX SBOM of exactly those. --ignore-scripts: no runtime dependency needs an install script,
# and the dev-only `node` package would fetch a second Node. Few steps on purpose: each layer is a
# full copy on storage drivers without overlays (vfs).
FROM ${NODE_IMAGE} AS build
# The directory name is the SBOM's root component name (npm sbom reads it from there).
WORKDIR /build/patchwindow
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm sbom --omit=dev --sbom-format=cyclonedx --sbom-type=application > sbom.cdx.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /out/app /out/usr/local/bin \
 && cp -r dist bin node_modules package.json sbom.cdx.json /out/app/ \
 && node /out/app/bin/patchwindow.js --version && test -s /out/app/sbom.cdx.json \
 && ln -s /app/bin/patchwindow.js /out/usr/local/bin/patchwindow

FROM ${NODE_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="patchwindow" \
      org.opencontainers.image.description="Kubernetes node reboots by policy: reconciler, coordinator and node agent" \
      org.opencontainers.image.source="https://github.com/patchwindow/patchwindow" \
      org.opencontainers.image.documentation="https://github.com/patchwindow/patchwindow#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      dev.patchwindow.sbom="/app/sbom.cdx.json"
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /
WORKDIR /app
# Non-root by default (the distroless "nonroot" id): the reconciler and the coordinator run as this
# user. The agent's DaemonSet sets runAsUser: 0 itself, because rebooting the host needs root.
USER 65532:65532
# git reads its configuration from $HOME; the root filesystem is read-only in the pods, /tmp is an emptyDir.
ENV HOME=/tmp NODE_ENV=production
ENTRYPOINT ["patchwindow"]
CMD ["--help"]
