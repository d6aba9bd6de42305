#!/usr/bin/env bash
# Runs every benchmark in one go and prints one table; writes bench/results/latest.{json,md}.
#
#   bench/run.sh [--rounds N] [--jobs N] [--backlog N] [--no-rust] [--no-images] [--no-queue]
#
# Steps: corpus (bench/corpus.sh) -> venv (bench/venv.sh) -> services (Redis, clamd, Garage via
# scripts/services.sh, unless already up) -> pillow and pyvips pinned to one core -> uploadd's
# image bench with --workers 1 (pinned) and --workers 2 (not pinned) -> compare.py on the output
# dirs -> celery_bench.py -> bullmq/bullmq_bench.js -> uploadd's queue bench -> report.py.
# The BullMQ step needs node and npm; it runs `npm ci` in bench/bullmq when node_modules is
# missing or older than package-lock.json.
# A step that fails is recorded and the rest still run; the Rust benches are optional.
# Bench outputs (display/thumb/webp per image) go to ${UPLOADD_BENCH_OUT:-$TOOLS/bench-out}.
# Env: UPLOADD_TOOLS, UPLOADD_BENCH_OUT, UPLOADD_TEST_STATE, CARGO (default cargo), NODE (default node).
# Nothing here is part of CI pass/fail.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
OUT=${UPLOADD_BENCH_OUT:-$TOOLS/bench-out}
CORPUS=$TOOLS/corpus
STATE=${UPLOADD_TEST_STATE:-${TMPDIR:-/tmp}/uploadd-test-services}
CARGO=${CARGO:-cargo}
NODE=${NODE:-node}
ROUNDS=5 JOBS=20000 BACKLOG=50000 RUST=1 IMAGES=1 QUEUE=1

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --backlog) BACKLOG=$2; shift 2 ;;
    --no-rust) RUST=0; shift ;;
    --no-images) IMAGES=0; shift ;;
    --no-queue) QUEUE=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }
RAW=$OUT/raw
rm -rf "$RAW"
mkdir -p "$RAW" "$HERE/results"
export PYTHONDONTWRITEBYTECODE=1
fail() { printf '%s\n' "$2" >"$RAW/$1.error"; log "$1: $2"; }
skip() { printf 'skipped: %s\n' "$2" >"$RAW/$1.error"; }

# One core for the single-threaded runs: the first CPU this process may use.
CPU1=$(python3 -c 'import os; print(min(os.sched_getaffinity(0)))' 2>/dev/null || echo 0)
if command -v taskset >/dev/null 2>&1; then PIN=(taskset -c "$CPU1"); else PIN=(); log "taskset not found: 1-core runs are NOT pinned"; fi

# -- corpus and tools --------------------------------------------------------------------------
PY=$("$HERE/venv.sh") || { log "could not create the venv"; exit 1; }
"$HERE/corpus.sh" "$CORPUS" || { log "could not build the corpus"; exit 1; }
M=$CORPUS/manifest.json

# -- machine ---------------------------------------------------------------------------------
"$PY" - "$M" "$ROUNDS" "$ROOT" >"$RAW/machine.json" <<'PY'
import datetime, json, os, platform, subprocess, sys
m, rounds, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
mem = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem = round(int(line.split()[1]) / 1024 / 1024, 1)
def git(*a):
    try: return subprocess.run(["git", "-C", root, *a], capture_output=True, text=True).stdout.strip()
    except OSError: return ""
rev = git("rev-parse", "--short", "HEAD") + (" (dirty)" if git("status", "--porcelain", "--untracked-files=no") else "")
man = json.load(open(m))
by = {}
for e in man: by[e["format"]] = by.get(e["format"], 0) + 1
print(json.dumps({
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "nproc": os.cpu_count(), "cpu_model": cpu, "mem_gib": mem, "kernel": platform.release(),
    "loadavg_start": round(os.getloadavg()[0], 2), "git": rev, "rounds": rounds,
    "corpus": {"manifest": m, "images": len(man), "bytes": sum(e["bytes"] for e in man),
               "summary": ", ".join(f"{n} {k}" for k, n in sorted(by.items()))},
}))
PY
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("[bench] %(date)s: %(nproc)s CPUs, %(cpu_model)s, load %(loadavg_start)s, repo %(git)s" % d)' "$RAW/machine.json" >&2

# -- cargo benches (optional) ---------------------------------------------------------------
# Build first, unpinned, so that compiling never runs on the pinned core or inside a timing.
cargo_build() { # name
  if [ "$RUST" != 1 ]; then return 1; fi
  if ! command -v "$CARGO" >/dev/null 2>&1; then return 1; fi
  log "building cargo bench '$1' (this can take a while the first time)"
  (cd "$ROOT" && "$CARGO" bench --locked --bench "$1" --no-run) >"$RAW/build-$1.log" 2>&1
}
cargo_reason() { # name -> why it is not available
  if [ "$RUST" != 1 ]; then echo "--no-rust"; return; fi
  if ! command -v "$CARGO" >/dev/null 2>&1; then echo "cargo not found"; return; fi
  echo "cargo bench --bench $1 did not build: $(grep -m1 -E '^error' "$RAW/build-$1.log" 2>/dev/null || tail -n1 "$RAW/build-$1.log") (log: $RAW/build-$1.log)"
}

# -- images ------------------------------------------------------------------------------------
if [ "$IMAGES" = 1 ]; then
  rm -rf "$OUT/pillow" "$OUT/pyvips" "$OUT/uploadd-w1" "$OUT/uploadd-w2"
  log "pillow: $ROUNDS rounds, pinned to CPU $CPU1"
  "${PIN[@]}" "$PY" "$HERE/pillow_bench.py" --manifest "$M" --out "$OUT/pillow" --rounds "$ROUNDS" --json \
    >"$RAW/pillow" 2>"$RAW/pillow.log" || fail pillow "exit $? (see $RAW/pillow.log)"
  log "pyvips: $ROUNDS rounds, pinned to CPU $CPU1"
  "${PIN[@]}" "$PY" "$HERE/pyvips_bench.py" --manifest "$M" --out "$OUT/pyvips" --rounds "$ROUNDS" --json \
    >"$RAW/pyvips" 2>"$RAW/pyvips.log" || fail pyvips "exit $? (see $RAW/pyvips.log)"
  impls=(--impl "pillow=$OUT/pillow" --impl "pyvips=$OUT/pyvips")
  if cargo_build images; then
    log "uploadd images, 1 worker, pinned to CPU $CPU1"
    (cd "$ROOT" && "${PIN[@]}" "$CARGO" bench --locked --bench images -- --manifest "$M" --out "$OUT/uploadd-w1" \
      --rounds "$ROUNDS" --workers 1 --seed --json) >"$RAW/uploadd-images-w1" 2>"$RAW/uploadd-images-w1.log" \
      || fail uploadd-images-w1 "exit $? (see $RAW/uploadd-images-w1.log)"
    log "uploadd images, 2 workers, not pinned"
    (cd "$ROOT" && "$CARGO" bench --locked --bench images -- --manifest "$M" --out "$OUT/uploadd-w2" \
      --rounds "$ROUNDS" --workers 2 --seed --json) >"$RAW/uploadd-images-w2" 2>"$RAW/uploadd-images-w2.log" \
      || fail uploadd-images-w2 "exit $? (see $RAW/uploadd-images-w2.log)"
    [ -d "$OUT/uploadd-w1" ] && impls+=(--impl "uploadd=$OUT/uploadd-w1")
  else
    why=$(cargo_reason images)
    skip uploadd-images-w1 "$why"; skip uploadd-images-w2 "$why"; log "uploadd images: $why"
  fi
  log "compare: ${impls[*]}"
  "$PY" "$HERE/compare.py" --manifest "$M" "${impls[@]}" --json >"$RAW/compare" 2>"$RAW/compare.txt" \
    || fail compare "exit $? (see $RAW/compare.txt)"
else
  for s in pillow pyvips uploadd-images-w1 uploadd-images-w2 compare; do skip "$s" "--no-images"; done
fi

# -- queue -------------------------------------------------------------------------------------
services_up() { # all of redis, clamd and garage answer on the addresses in the env file
  [ -s "$STATE/env" ] || return 1
  "$PY" - "$STATE/env" <<'PY'
import socket, sys, urllib.parse
env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[1]) if "=" in l)
for key in ("UPLOADD_TEST_REDIS_URL", "UPLOADD_TEST_CLAMD", "UPLOADD_TEST_S3_ENDPOINT"):
    u = urllib.parse.urlparse(env[key])
    socket.create_connection((u.hostname, u.port), timeout=2).close()
import redis
redis.Redis.from_url(env["UPLOADD_TEST_REDIS_URL"], socket_timeout=2).ping()
PY
}
if [ "$QUEUE" = 1 ]; then
  if services_up >/dev/null 2>&1; then
    log "services already running ($STATE/env)"
  else
    log "starting services: redis clamd garage"
    UPLOADD_TEST_STATE=$STATE "$ROOT/scripts/services.sh" start redis clamd garage >&2 \
      || { log "could not start all three; starting redis alone"; UPLOADD_TEST_STATE=$STATE "$ROOT/scripts/services.sh" start redis >&2; }
  fi
  REDIS_URL=$(sed -n 's/^UPLOADD_TEST_REDIS_URL=//p' "$STATE/env" 2>/dev/null | tail -n1)
  if [ -z "$REDIS_URL" ]; then
    for s in celery bullmq uploadd-queue; do fail "$s" "no UPLOADD_TEST_REDIS_URL in $STATE/env"; done
  else
    log "celery: $JOBS jobs, backlog $BACKLOG, redis $REDIS_URL"
    "$PY" "$HERE/celery_bench.py" --redis "$REDIS_URL" --jobs "$JOBS" --backlog "$BACKLOG" --json \
      >"$RAW/celery" 2>"$RAW/celery.log" || fail celery "exit $? (see $RAW/celery.log)"
    BQ=$HERE/bullmq
    if ! command -v "$NODE" >/dev/null 2>&1; then
      skip bullmq "node not found"; log "bullmq: node not found"
    elif { [ -f "$BQ/node_modules/.package-lock.json" ] && [ ! "$BQ/package-lock.json" -nt "$BQ/node_modules/.package-lock.json" ]; } \
      || { log "bullmq: npm ci --prefix $BQ"; npm ci --prefix "$BQ" --no-audit --no-fund >"$RAW/bullmq-npm.log" 2>&1; }; then
      log "bullmq: $JOBS jobs, backlog $BACKLOG, redis $REDIS_URL"
      "$NODE" "$BQ/bullmq_bench.js" --redis "$REDIS_URL" --jobs "$JOBS" --backlog "$BACKLOG" --json \
        >"$RAW/bullmq" 2>"$RAW/bullmq.log" || fail bullmq "exit $? (see $RAW/bullmq.log)"
    else
      fail bullmq "npm ci in $BQ failed (see $RAW/bullmq-npm.log)"
    fi
    if cargo_build queue; then
      log "uploadd queue bench"
      (cd "$ROOT" && "$CARGO" bench --locked --bench queue -- --redis "$REDIS_URL" --json) \
        >"$RAW/uploadd-queue" 2>"$RAW/uploadd-queue.log" || fail uploadd-queue "exit $? (see $RAW/uploadd-queue.log)"
    else
      why=$(cargo_reason queue); skip uploadd-queue "$why"; log "uploadd queue: $why"
    fi
  fi
else
  for s in celery bullmq uploadd-queue; do skip "$s" "--no-queue"; done
fi

# -- report ------------------------------------------------------------------------------------
"$PY" "$HERE/report.py" --raw "$RAW" --machine "$RAW/machine.json" \
  --json "$HERE/results/latest.json" --md "$HERE/results/latest.md"
log "wrote $HERE/results/latest.json and latest.md (raw step outputs and logs: $RAW)"
