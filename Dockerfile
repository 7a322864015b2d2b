# syntax=docker/dockerfile:1.7
#
# One image for every part of Micromall: the same `micromall` binary is the router, any
# subgraph, a migration, a sandbox or the whole shop in one process, chosen by the command:
#
#   docker run -p 4000:4000 IMAGE                         everything in one process (the default)
#   docker run IMAGE subgraph accounts                    one subgraph (distributed mode)
#   docker run IMAGE migrate accounts                     one subgraph's migrations, then exit
#   docker run IMAGE router --supergraph FILE             the router alone
#   docker run IMAGE sandbox payments                     the pretend payment processor
#
# Settings are MICROMALL_* environment variables (README, "Configuration").
# docker-compose.yml and helm/micromall run this image; neither was run in a container
# engine on the machines this project is built on (see README, "Deploy").

ARG RUST_VERSION=1.95.0
ARG NODE_VERSION=22

# npm only, for the router's build script (below); nothing of this stage reaches the image.
FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM rust:${RUST_VERSION}-bookworm AS build
# GraphiQL is compiled into the binary: router/build.rs fetches the GraphiQL and React
# packages with `npm pack` and router/src/http/graphiql.rs embeds them with include_bytes!,
# so the image serves the IDE with no internet and carries no asset files. Without npm the
# build would still succeed, with a router whose GET /graphql explains that GraphiQL is
# missing; hence node and npm from the official Node image, same Debian release.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && npm --version
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit); the binary is copied out
# of the cached target directory, which is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin micromall \
    && install -D -m 0755 target/release/micromall /out/micromall

FROM debian:bookworm-slim AS runtime
# Filled in by .github/workflows/release.yml.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="micromall" \
      org.opencontainers.image.description="Micromall: an e-commerce backend served as one federated GraphQL supergraph (router, subgraphs, migrations and sandboxes in one binary)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# CA certificates, for TLS to managed PostgreSQL, Redis, NATS and Elasticsearch. Debian's
# package brings openssl with it; it is named here because docker-compose.yml's one-shot
# `secrets` service uses it to make the JWT key pair and the shared secrets. Not pinned:
# security updates to the CA bundle should reach the next build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates openssl \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user, so volumes and Kubernetes' runAsUser/fsGroup can name it.
# /data holds what a process keeps locally (the embedded SQLite files, the search index
# without Elasticsearch); /data/secrets is where secrets generated once are read from.
RUN groupadd --system --gid 10001 micromall \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin micromall \
    && mkdir -p /data/secrets \
    && chown -R 10001:10001 /data \
    && chmod 0700 /data/secrets

COPY --from=build /out/micromall /usr/local/bin/micromall

# Listen on every interface inside the container; the deployment decides what is published.
ENV MICROMALL_DATA_DIR=/data \
    MICROMALL_ROUTER_LISTEN=0.0.0.0:4000 \
    MICROMALL_SUBGRAPH_HOST=0.0.0.0 \
    MICROMALL_LOG_FORMAT=json \
    HEALTHCHECK_PORT=4000 \
    HEALTHCHECK_PATH=/health

USER 10001:10001
WORKDIR /data
# router 4000, subgraphs 4001-4011 (accounts, catalog, search, ... in the port table),
# carrier sandbox 4098, payment sandbox 4099
EXPOSE 4000 4001-4011 4098 4099

# The binary has no health-check subcommand and the image no curl: bash asks
# GET $HEALTHCHECK_PATH on 127.0.0.1:$HEALTHCHECK_PORT over /dev/tcp and wants a 200.
# The default fits the default command (the router's port); a deployment running another
# role sets HEALTHCHECK_PORT (e.g. 4001 for accounts) or brings its own check, as
# docker-compose.yml and the Helm chart do.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>\"/dev/tcp/127.0.0.1/${HEALTHCHECK_PORT}\" && printf 'GET %s HTTP/1.0\\r\\n\\r\\n' \"${HEALTHCHECK_PATH}\" >&3 && read -r -t 2 _ code _ <&3 && [ \"$code\" = 200 ]"]

# SIGTERM (the default stop signal) stops accepting, finishes in-flight requests and
# flushes pending events.
ENTRYPOINT ["micromall"]
# No subcommand: the whole shop in one process, with SQLite under /data.
CMD []
