# syntax=docker/dockerfile:1
# Image of the api (apps/api: REST API, admin UI and the Bull worker in one process). Build from
# the repository root:
#   docker build -f deploy/api.Dockerfile -t api .
# Both stages use the same Node LTS; pin it by digest (node:22-bookworm-slim@sha256:...) for
# reproducible builds.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile the TypeScript with SWC (tools/build.js) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Lockfile first: this layer is reused until the dependencies change.
COPY package.json package-lock.json ./
# Install scripts stay off, as in development (none of the dependencies needs them).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY tools/build.js tools/build.js
# Only what this service is made of: its own sources (with its migrations) and the libs.
COPY libs libs
COPY apps apps
RUN node tools/build.js

# ---- runtime: compiled code and production dependencies only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# Stack traces name the TypeScript sources (the build writes source maps).
ENV NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# The root lockfile, so the image runs exactly the versions the tests ran (one lockfile for the
# whole repository: the api image also carries the embedding model package, ~30 MB).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/libs dist/libs
# dist/apps/api/migrations: node-pg-migrate reads them at start-up (MIGRATE_ON_START=true).
COPY --from=build /app/dist/apps dist/apps
# Files stay owned by root: the service can read its code but not change it.
USER node
# Cloud Run sets PORT itself; this default (the app's own is 3000) keeps `docker run -p 8080:8080` alike.
ENV PORT=8080
EXPOSE 8080
CMD ["node", "dist/apps/api/src/main.js"]
