# syntax=docker/dockerfile:1
# One image for both roles: `patchwindow reconcile` (the Deployment in deploy/reconciler) and
# `patchwindow agent` (the DaemonSets the reconciler renders; they call `patchwindow` by name).
#
# Base: Debian 12 slim with Node 24, not distroless, because the reconciler runs git (and ssh for
# ssh:// repositories) and the agent runs nsenter (util-linux) to reboot the host; distroless has
# neither, nor /usr/bin/env for the bin script's shebang. Pin the tags by digest in your registry.
ARG NODE_IMAGE=node:24-bookworm-slim

# Build: compile the TypeScript sources to dist/ (tsconfig.build.json). --ignore-scripts: no
# dependency needs an install script; the dev-only `node` package would download a second Node.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas/ schemas/
COPY policy/ policy/
COPY reconciler/ reconciler/
COPY agent/ agent/
COPY kube/ kube/
COPY io/ io/
COPY cli/ cli/
RUN npm run build

# Runtime dependencies only, installed fresh from the lock file.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# dist/ holds the compiled code with package.json and schemas/*.json (imported `with { type: 'json' }`);
# bin/patchwindow.js runs dist/ because the TypeScript sources are not in the image.
COPY --from=deps /app/node_modules node_modules/
COPY --from=build /src/dist dist/
COPY package.json ./
COPY bin/ bin/
RUN ln -s /app/bin/patchwindow.js /usr/local/bin/patchwindow
# Non-root by default (the distroless "nonroot" id). The agent's DaemonSet sets runAsUser: 0 itself,
# because rebooting the host needs root; the reconciler runs as this user.
USER 65532:65532
# git reads its configuration from $HOME; the root filesystem is read-only in the pods, /tmp is an emptyDir.
ENV HOME=/tmp NODE_ENV=production
ENTRYPOINT ["patchwindow"]
CMD ["--help"]
