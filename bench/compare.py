#!/usr/bin/env python3
"""Quality and size comparison of the image benches' outputs against a common reference.

  compare.py --manifest M --impl pillow=DIR --impl pyvips=DIR [--impl uploadd=DIR ...]
             [--baseline pillow] [--json] [--jobs N]

Reference, per image: the source fully decoded by Pillow (no draft/DCT scaling), EXIF-
transposed, alpha flattened over white, resized with Pillow's LANCZOS straight to the display
size (fit inside 1920x1080, never upscaled; Pillow's thumbnail() rounding) in one step, kept
as 8-bit RGB and never JPEG-compressed. If an implementation's display.jpg is a pixel or two
off that size, the reference is re-made at its size from the full-resolution source (a bigger
mismatch is reported as "size_mismatch" and still scored the same way).

SSIM: skimage.metrics.structural_similarity on luma (Y = 0.299 R + 0.587 G + 0.114 B, float64,
data_range=255) with Wang et al.'s settings (Gaussian window sigma 1.5, population
covariance). Luma is the primary score ("ssim"), since JPEG 4:2:0 spends most of its error
there and it is what people see as sharpness/ringing; an RGB SSIM (channel_axis=2, same
settings, mean of channels) is reported as "ssim_rgb" to catch colour mistakes, and the WebP
output is scored the same way ("ssim_webp").

Summary per implementation vs the baseline (default pillow): max |SSIM_impl - SSIM_base|,
count of images with SSIM_impl < SSIM_base - 0.005, and size ratios impl/base (min, median,
max) for display, thumb and webp.
"""
import argparse
import concurrent.futures as cf
import json
import math
import os
import statistics
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

Image.MAX_IMAGE_PIXELS = None
DISPLAY_BOX = (1920, 1080)
WORSE_BY = 0.005
SIZE_TOLERANCE = 2  # pixels per axis before a size difference counts as a mismatch
OUTPUTS = {"display": "display.jpg", "thumb": "thumb.jpg", "webp": "webp.webp"}


def fit_size(w, h, box=DISPLAY_BOX):
    """Pillow's Image.thumbnail() target size (never upscales)."""
    x, y = box
    if w <= x and h <= y:
        return w, h

    def round_aspect(number, key):
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    aspect = w / h
    if x / y >= aspect:
        x = round_aspect(y * aspect, key=lambda n: abs(aspect - n / y))
    else:
        y = round_aspect(x / aspect, key=lambda n: 0 if n == 0 else abs(aspect - x / n))
    return x, y


def flatten_rgb(im):
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return im.convert("RGB") if im.mode != "RGB" else im


def luma(a):
    a = a.astype(np.float64)
    return a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114


def ssim_y(ref, img):
    return float(structural_similarity(luma(ref), luma(img), data_range=255.0, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False))


def ssim_rgb(ref, img):
    return float(structural_similarity(ref.astype(np.float64), img.astype(np.float64), data_range=255.0,
                                       channel_axis=2, gaussian_weights=True, sigma=1.5,
                                       use_sample_covariance=False))


def score_image(job):
    entry, src, impls = job
    with Image.open(src) as im:
        full = flatten_rgb(ImageOps.exif_transpose(im))
    want = fit_size(*full.size)
    refs = {}

    def ref_at(size):
        if size not in refs:
            r = full if size == full.size else full.resize(size, Image.LANCZOS)
            refs[size] = np.asarray(r)
        return refs[size]

    stem = os.path.splitext(os.path.basename(entry["file"]))[0]
    row = {"file": entry["file"], "format": entry["format"], "source_size": list(full.size),
           "expected_display_size": list(want), "impls": {}}
    for name, d in impls:
        res = {"bytes": {}}
        for key, fname in OUTPUTS.items():
            p = os.path.join(d, stem, fname)
            res["bytes"][key] = os.path.getsize(p) if os.path.isfile(p) else None
        p = os.path.join(d, stem, OUTPUTS["display"])
        if not os.path.isfile(p):
            res["missing"] = True
            row["impls"][name] = res
            continue
        with Image.open(p) as di:
            disp = np.asarray(di.convert("RGB"))
        size = (disp.shape[1], disp.shape[0])
        res["display_size"] = list(size)
        if abs(size[0] - want[0]) > SIZE_TOLERANCE or abs(size[1] - want[1]) > SIZE_TOLERANCE:
            res["size_mismatch"] = True
        ref = ref_at(size)
        res["ssim"] = round(ssim_y(ref, disp), 5)
        res["ssim_rgb"] = round(ssim_rgb(ref, disp), 5)
        tp = os.path.join(d, stem, OUTPUTS["thumb"])
        if os.path.isfile(tp):
            with Image.open(tp) as ti:
                res["thumb_size"] = list(ti.size)
        wp = os.path.join(d, stem, OUTPUTS["webp"])
        if os.path.isfile(wp):
            with Image.open(wp) as wi:
                web = np.asarray(wi.convert("RGB"))
            if (web.shape[1], web.shape[0]) == size:
                res["ssim_webp"] = round(ssim_y(ref, web), 5)
            else:
                res["ssim_webp"] = round(ssim_y(ref_at((web.shape[1], web.shape[0])), web), 5)
        row["impls"][name] = res
    return row


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": round(min(values), 4), "median": round(statistics.median(values), 4), "max": round(max(values), 4)}


def summarize(rows, names, base):
    out = {}
    for name in names:
        s = {"images": len(rows)}
        scored = [r["impls"][name] for r in rows if "ssim" in r["impls"].get(name, {})]
        s["missing"] = len(rows) - len(scored)
        s["size_mismatch"] = sum(1 for r in rows if r["impls"].get(name, {}).get("size_mismatch"))
        if scored:
            s["ssim_mean"] = round(statistics.mean(x["ssim"] for x in scored), 5)
            s["ssim_min"] = round(min(x["ssim"] for x in scored), 5)
            webp = [x["ssim_webp"] for x in scored if "ssim_webp" in x]
            if webp:
                s["ssim_webp_mean"] = round(statistics.mean(webp), 5)
        bytes_total = {k: sum((r["impls"].get(name, {}).get("bytes", {}).get(k) or 0) for r in rows) for k in OUTPUTS}
        s["bytes_total"] = bytes_total
        if name != base:
            deltas, worse, wdeltas = [], [], []
            ratios = {k: [] for k in OUTPUTS}
            for r in rows:
                a, b = r["impls"].get(name, {}), r["impls"].get(base, {})
                if "ssim" in a and "ssim" in b:
                    deltas.append(a["ssim"] - b["ssim"])
                    if a["ssim"] < b["ssim"] - WORSE_BY:
                        worse.append(r["file"])
                if "ssim_webp" in a and "ssim_webp" in b:
                    wdeltas.append(a["ssim_webp"] - b["ssim_webp"])
                for k in OUTPUTS:
                    x, y = a.get("bytes", {}).get(k), b.get("bytes", {}).get(k)
                    if x and y:
                        ratios[k].append(x / y)
            s["vs"] = base
            s["max_abs_ssim_delta"] = round(max((abs(d) for d in deltas), default=float("nan")), 5)
            s["mean_ssim_delta"] = round(statistics.mean(deltas), 5) if deltas else None
            s["worse_count"] = len(worse)
            s["worse_threshold"] = WORSE_BY
            s["worse_files"] = worse
            s["max_abs_ssim_webp_delta"] = round(max((abs(d) for d in wdeltas), default=float("nan")), 5)
            s["size_ratio"] = {k: spread(v) for k, v in ratios.items()}
        out[name] = s
    return out


def print_table(rows, names, summary, base, file=sys.stdout):
    p = lambda *a: print(*a, file=file)  # noqa: E731
    short = lambda f: os.path.splitext(os.path.basename(f))[0][:34]  # noqa: E731
    head = f"{'image':34} {'display':>9}"
    for n in names:
        head += f" | {n[:8]:>8} ssim  KB d/t/w"
    p(head)
    p("-" * len(head))
    for r in rows:
        line = f"{short(r['file']):34} {r['expected_display_size'][0]:>4}x{r['expected_display_size'][1]:<4}"
        for n in names:
            x = r["impls"].get(n, {})
            if "ssim" not in x:
                line += f" | {'missing':>31}"
                continue
            b = x["bytes"]
            kb = "/".join("-" if b[k] is None else f"{b[k] / 1024:.0f}" for k in OUTPUTS)
            flag = "!" if x.get("size_mismatch") else " "
            line += f" | {x['ssim']:.4f}{flag} {kb:>15}"
        p(line)
    p("")
    p(f"SSIM = luma SSIM of display.jpg vs an uncompressed Lanczos reference; worse = below {base} by > {WORSE_BY}")
    for n in names:
        s = summary[n]
        line = f"{n:10} mean SSIM {s.get('ssim_mean', float('nan')):.4f}  min {s.get('ssim_min', float('nan')):.4f}"
        if s.get("missing"):
            line += f"  MISSING {s['missing']}"
        if s.get("size_mismatch"):
            line += f"  SIZE MISMATCH {s['size_mismatch']}"
        p(line)
        if n != base:
            rs = s["size_ratio"]
            fmt = lambda v: "n/a" if not v else f"{v['min']:.3f}/{v['median']:.3f}/{v['max']:.3f}"  # noqa: E731
            p(f"{'':10} vs {base}: max |dSSIM| {s['max_abs_ssim_delta']:.4f}, mean dSSIM {s['mean_ssim_delta'] if s['mean_ssim_delta'] is not None else float('nan'):+.4f}, "
              f"worse on {s['worse_count']}/{s['images']}; size ratio min/median/max "
              f"display {fmt(rs['display'])}, thumb {fmt(rs['thumb'])}, webp {fmt(rs['webp'])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--impl", action="append", required=True, metavar="NAME=DIR")
    ap.add_argument("--baseline", default="pillow")
    ap.add_argument("--json", action="store_true", help="print the JSON result on stdout (the table goes to stderr)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    impls = []
    for spec in args.impl:
        name, sep, d = spec.partition("=")
        if not sep or not name or not d:
            ap.error(f"--impl wants NAME=DIR, got {spec!r}")
        impls.append((name, d))
    names = [n for n, _ in impls]
    base = args.baseline if args.baseline in names else names[0]
    mdir = os.path.dirname(os.path.abspath(args.manifest))
    manifest = json.load(open(args.manifest))
    jobs = [(e, os.path.join(mdir, e["file"]), impls) for e in manifest]
    if args.jobs > 1:
        with cf.ProcessPoolExecutor(args.jobs) as ex:
            rows = list(ex.map(score_image, jobs))
    else:
        rows = [score_image(j) for j in jobs]
    summary = summarize(rows, names, base)
    print_table(rows, names, summary, base, file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({
            "reference": "Pillow full decode, exif_transpose, flatten on white, LANCZOS to display size, 8-bit, uncompressed",
            "ssim": "luma (BT.601 weights), skimage structural_similarity, gaussian sigma 1.5, data_range 255",
            "baseline": base,
            "summary": summary,
            "images": rows,
        }))


if __name__ == "__main__":
    main()
