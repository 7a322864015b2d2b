#!/usr/bin/env bash
# docker-compose.yml's one-shot `secrets` service: makes every secret of the installation
# once, into volumes, so none is ever written in the compose file. A second run keeps what
# exists (restarting the stack keeps tokens and sandbox callbacks valid); delete the volumes
# (`docker-compose down -v`) to start over.
#
#   /out/signing   volume jwt-signing, accounts only     jwt-private.pem (Ed25519, PKCS#8)
#   /out/shared    volume secrets, every micromall part  jwt-public.pem, service.key (service
#                  credentials), sandbox.key, carrier-sandbox.key (webhook signing), pgpass
#   /out/postgres  volume postgres-secret, PostgreSQL    password (of the `micromall` role)
#   /out/search    volume search-index                   made writable for the search subgraph
#   /out/supergraph volume supergraph                    made writable for the `supergraph` step
#
# Runs as root (openssl comes with the image's CA certificates) and hands everything to the
# image's user, uid 10001; PostgreSQL's password file is readable by the postgres image's user.
set -euo pipefail
umask 077

uid=10001
# /out in the compose service; tests/distributed.rs points it at a directory of its own.
out=${MICROMALL_SECRETS_OUT:-/out}
signing=$out/signing
shared=$out/shared
postgres=$out/postgres

# Writes a file only if it is missing, atomically: a stack restarted half-way keeps one value.
make_once() { # path command...
  local path=$1
  shift
  if [ ! -s "$path" ]; then
    "$@" >"$path.tmp"
    mv "$path.tmp" "$path"
    echo "made $path"
  fi
}

make_once "$signing/jwt-private.pem" openssl genpkey -algorithm ed25519
openssl pkey -in "$signing/jwt-private.pem" -pubout -out "$shared/jwt-public.pem"

# Random hex without a newline: the binary takes a secret file's bytes as they are, so the
# same value can also be given as MICROMALL_SERVICE_SECRET and the like.
hex() { openssl rand -hex "$1" | tr -d '\n'; }

# At least 32 bytes each (the binary refuses a shorter service secret).
make_once "$shared/service.key" hex 32
make_once "$shared/sandbox.key" hex 32
make_once "$shared/carrier-sandbox.key" hex 32
make_once "$postgres/password" hex 24

# The micromall role's password for every subgraph's connection (sqlx reads PGPASSFILE when
# the URL has no password), so DATABASE_URL carries none.
printf 'postgres:5432:*:micromall:%s\n' "$(cat "$postgres/password")" >"$shared/pgpass"

chown -R "$uid:$uid" "$signing" "$shared" "$out/search" "$out/supergraph"
chmod 0700 "$signing" "$shared"
chmod 0600 "$signing"/* "$shared"/*
chmod 0755 "$postgres"
chmod 0644 "$postgres/password"
echo "secrets are in place"
