"""Shared driver for pillow_bench.py and pyvips_bench.py (same CLI, same JSON shape).

Timing rule (the same for every implementation, Rust included): one image's time runs from
opening the source file to holding all three encoded outputs (display.jpg, thumb.jpg,
webp.webp) as bytes in memory. Writing those bytes to DIR/<stem>/ is done after the clock
stops, in the first round only (every round produces identical bytes). A round's total is the
sum of its per-image times; images/s = N / median(round totals). One untimed warm-up pass over
the first image (--warmup) keeps one-off library initialisation out of round 1.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

OUTPUT_NAMES = ("display.jpg", "thumb.jpg", "webp.webp")


def parse_args(impl):
    ap = argparse.ArgumentParser(description=f"{impl} baseline of uploadd's image pipeline (see bench/README.md)")
    ap.add_argument("--manifest", required=True, help="corpus manifest.json (bench/corpus.sh)")
    ap.add_argument("--out", required=True, help="output directory: OUT/<stem>/{display.jpg,thumb.jpg,webp.webp}")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images (quick checks)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs over the first N images before round 1 (library init)")
    return ap


def load_manifest(path, limit=0):
    base = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        manifest = json.load(f)
    if limit:
        manifest = manifest[:limit]
    items = []
    for e in manifest:
        src = os.path.join(base, e["file"])
        stem = os.path.splitext(os.path.basename(e["file"]))[0]
        items.append((e["file"], stem, src))
    return items


def run(impl, pipeline, args, extra=None):
    """pipeline(src_path) -> (display_bytes, thumb_bytes, webp_bytes)."""
    items = load_manifest(args.manifest, args.limit)
    os.makedirs(args.out, exist_ok=True)
    per_image = {name: [] for name, _, _ in items}
    totals = []
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    for _, _, src in items[: args.warmup]:
        pipeline(src)
    for r in range(args.rounds):
        total = 0.0
        for name, stem, src in items:
            t0 = time.perf_counter()
            outs = pipeline(src)
            dt = time.perf_counter() - t0
            total += dt
            per_image[name].append(dt)
            if r == 0:
                d = os.path.join(args.out, stem)
                os.makedirs(d, exist_ok=True)
                for fname, data in zip(OUTPUT_NAMES, outs):
                    with open(os.path.join(d, fname), "wb") as f:
                        f.write(data)
        totals.append(total)
        log(f"[{impl}] round {r + 1}/{args.rounds}: {total:.2f} s, {len(items) / total:.3f} images/s")
    med = statistics.median(totals)
    result = {
        "impl": impl,
        "images_per_sec": round(len(items) / med, 4),
        "rounds": args.rounds,
        "images": len(items),
        "median_total_s": round(med, 4),
        "round_totals_s": [round(t, 4) for t in totals],
        "per_image_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in per_image.items()},
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "loadavg_at_end": os.getloadavg()[0],
        "python": platform.python_version(),
        "timing": "open source file -> three encoded outputs in memory; disk writes excluded",
    }
    if extra:
        result.update(extra)
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=1))
    return result
