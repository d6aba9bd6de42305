#!/usr/bin/env bash
# The #17 photo benchmarks, one run, one table (not part of CI):
#   bench/photos.sh [--rounds 3]
# - HEIC: uploadd's image stage (header parse, `uploadd heif-decode` child, three variants)
#   against Pillow 13 + pillow-heif 1.8 (the seed pipeline), same files, both pinned to one core;
# - AVIF: the same against Pillow's own AVIF plugin;
# - colour: the same JPEG photos untagged and with an Adobe RGB profile (identical pixels);
# - placeholders: their share of the image stage.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
TOOLS=${UPLOADD_TOOLS:-$HOME/.cache/uploadd-tools}
CORPUS=$TOOLS/corpus
OUT=$TOOLS/bench-out/photos
ROUNDS=3
while [ $# -gt 0 ]; do case "$1" in --rounds) ROUNDS=$2; shift 2 ;; *) shift ;; esac; done
log() { printf '[photos] %s\n' "$*" >&2; }
PIN=(); command -v taskset >/dev/null 2>&1 && PIN=(taskset -c 0)

PY=$("$HERE/venv.sh")
"$HERE/corpus.sh" "$CORPUS"
mkdir -p "$OUT"
log "deriving the HEIC, AVIF and tagged corpora"
"$PY" "$HERE/photo_corpus.py" "$CORPUS" "$OUT/corpus" 2>/dev/null
cd "$ROOT"
log "building (release)"
cargo build --release --locked --bin uploadd >&2
cargo bench --locked --bench images --no-run >&2
export UPLOADD_BIN=$ROOT/target/release/uploadd
bench() { "${PIN[@]}" cargo bench --locked --bench images -- --rounds "$ROUNDS" --json "$@" 2>/dev/null | tail -n 1; }
pillow() { "${PIN[@]}" "$PY" "$HERE/pillow_bench.py" --rounds "$ROUNDS" --json --out "$OUT/pillow-$1" --manifest "$OUT/corpus/$1/manifest.json" | tail -n 1; }
R=$OUT/results.jsonl
: >"$R"
for kind in heic avif; do
  log "$kind: pillow"; echo "{\"kind\":\"$kind\",\"impl\":\"pillow\",\"r\":$(pillow "$kind")}" >>"$R"
  log "$kind: uploadd"; echo "{\"kind\":\"$kind\",\"impl\":\"uploadd\",\"r\":$(bench --manifest "$OUT/corpus/$kind/manifest.json")}" >>"$R"
done
log "colour: untagged, tagged, untagged again (drift check)"
echo "{\"kind\":\"untagged\",\"impl\":\"uploadd\",\"r\":$(bench --manifest "$OUT/corpus/untagged/manifest.json" --placeholders)}" >>"$R"
echo "{\"kind\":\"tagged\",\"impl\":\"uploadd\",\"r\":$(bench --manifest "$OUT/corpus/tagged/manifest.json")}" >>"$R"
echo "{\"kind\":\"untagged-again\",\"impl\":\"uploadd\",\"r\":$(bench --manifest "$OUT/corpus/untagged/manifest.json")}" >>"$R"
"$PY" - "$R" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
get = lambda k, i: next(r["r"] for r in rows if r["kind"] == k and r["impl"] == i)
print("| corpus | impl | images | images/s | median s | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|")
for r in rows:
    x = r["r"]
    rss = x.get("peak_rss_kib", x.get("peak_rss_kb", 0)) / 1024
    print(f"| {r['kind']} | {r['impl']} | {x['images']} | {x['images_per_sec']:.3f} | {x['median_total_s']:.2f} | {rss:.0f} |")
for k in ("heic", "avif"):
    print(f"{k}: uploadd / pillow = {get(k, 'uploadd')['images_per_sec'] / get(k, 'pillow')['images_per_sec']:.2f}x")
u, t, u2 = get("untagged", "uploadd"), get("tagged", "uploadd"), get("untagged-again", "uploadd")
base = (u["median_total_s"] - (u.get("placeholders_s_median") or 0) + u2["median_total_s"]) / 2
print(f"colour conversion: tagged {t['median_total_s']:.2f}s vs untagged {base:.2f}s = {100 * (t['median_total_s'] / base - 1):+.1f}% (untagged runs: {u2['median_total_s']:.2f}s and {u['median_total_s'] - (u.get('placeholders_s_median') or 0):.2f}s)")
print(f"placeholders: {u['placeholders_s_median']:.3f}s of {u['median_total_s']:.2f}s = {100 * u['placeholders_share']:.2f}% of the image stage")
PY
