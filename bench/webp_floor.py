#!/usr/bin/env python3
"""The WebP floor: how long the seed's WebP output alone takes to encode, per corpus pass.

  webp_floor.py --manifest M [--rounds 5] [--method 4] [--json]

Every implementation of the seed pipeline must encode the same `webp` variant (the display
image, up to 1920x1080, WebP q80 method 4) with the same library (libwebp 1.6.0 in Pillow 13's
wheel and in uploadd's libwebp-sys 0.14), so that time is a floor no faster decode or resize
can remove. This script prepares each display image first (untimed, Pillow's seed steps), then
times only `Image.save(..., "WEBP", quality=80, method=M)` over the whole corpus and prints the
median of the rounds and the total bytes. Run it under `taskset -c 0`, like the other one-core
benches.
"""
import argparse
import io
import json
import statistics
import sys
import time

sys.dont_write_bytecode = True
import os  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from PIL import Image, features  # noqa: E402
from pillow_bench import DISPLAY_BOX, to_rgb  # noqa: E402

Image.MAX_IMAGE_PIXELS = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--method", type=int, default=4)
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    base = os.path.dirname(os.path.abspath(a.manifest))
    entries = json.load(open(a.manifest))
    displays = []
    for e in entries:
        with Image.open(os.path.join(base, e["file"])) as src:
            img = to_rgb(src)
            img.thumbnail(DISPLAY_BOX, Image.LANCZOS)
            img.load()
        displays.append(img)
    rounds = []
    total_bytes = 0
    for _ in range(a.rounds):
        t = time.perf_counter()
        total_bytes = 0
        for img in displays:
            b = io.BytesIO()
            img.save(b, "WEBP", quality=a.quality, method=a.method)
            total_bytes += b.tell()
        rounds.append(time.perf_counter() - t)
    res = {
        "images": len(displays),
        "libwebp": features.version("webp"),
        "method": a.method,
        "quality": a.quality,
        "median_webp_encode_s": round(statistics.median(rounds), 3),
        "rounds_s": [round(r, 3) for r in rounds],
        "webp_bytes": total_bytes,
    }
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print(f"WebP q{a.quality} m{a.method} (libwebp {res['libwebp']}), {len(displays)} display images: "
              f"{res['median_webp_encode_s']:.2f} s per pass (median of {a.rounds}), {total_bytes} bytes")


if __name__ == "__main__":
    main()
