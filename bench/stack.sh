#!/usr/bin/env bash
# What the real services cost per image job (#18), one run, one table (not part of CI):
#   bench/stack.sh [--rounds 3]
# - stage: the image stage alone (`--bench images --placeholders`, 1 worker) on the corpus;
# - production: the same files as jobs through one in-process worker (concurrency 1) on Redis +
#   PostgreSQL + Garage, started by scripts/services.sh (`--bench stack`);
# - embedded: the same on SQLite + the local directory store.
# Per-job overhead = (end-to-end ms per job - stage ms per image) / stage ms per image.
# Nothing is pinned: the services need the other core.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
CORPUS=$TOOLS/corpus
ROUNDS=3
while [ $# -gt 0 ]; do case "$1" in --rounds) ROUNDS=$2; shift 2 ;; *) echo "unknown option: $1" >&2; exit 2 ;; esac; done
log() { printf '[stack] %s\n' "$*" >&2; }
"$HERE/corpus.sh" "$CORPUS"
M=$CORPUS/manifest.json
"$ROOT/scripts/services.sh" start redis postgres garage
ENV_FILE=$("$ROOT/scripts/services.sh" env)
cd "$ROOT"
log "building (release)"
cargo build --release --locked --bin uploadd >&2
cargo bench --locked --bench images --no-run >&2
cargo bench --locked --bench stack --no-run >&2
export UPLOADD_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/uploadd
log "image stage alone"
stage=$(cargo bench --locked --bench images -- --manifest "$M" --rounds "$ROUNDS" --workers 1 --placeholders --json 2>/dev/null | tail -n 1)
log "production stack"
prod=$(cargo bench --locked --bench stack -- --manifest "$M" --env "$ENV_FILE" --stack production --rounds "$ROUNDS" --json 2>/dev/null | tail -n 1)
log "embedded stack"
emb=$(cargo bench --locked --bench stack -- --manifest "$M" --stack embedded --rounds "$ROUNDS" --json 2>/dev/null | tail -n 1)
python3 - "$stage" "$prod" "$emb" <<'PY'
import json, sys
stage, prod, emb = (json.loads(a) for a in sys.argv[1:4])
per_image = stage["median_total_s"] * 1000 / stage["images"]
print(f"| run | images | median s | ms per job | overhead vs the stage |")
print(f"|---|---:|---:|---:|---:|")
print(f"| image stage alone | {stage['images']} | {stage['median_total_s']:.2f} | {per_image:.1f} | – |")
for name, r in (("production (Redis + PostgreSQL + Garage)", prod), ("embedded (SQLite + local dir)", emb)):
    print(f"| {name} | {r['images']} | {r['median_total_s']:.2f} | {r['per_job_ms']:.1f} | {100 * (r['per_job_ms'] / per_image - 1):+.1f}% |")
PY
