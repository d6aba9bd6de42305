#!/usr/bin/env python3
"""Picks the benchmark corpus from extracted Debian wallpaper packages (called by corpus.sh).

  corpus_select.py select --tree SCRATCH/x --out DIR [--versions SCRATCH/versions.tsv]
  corpus_select.py check DIR          # exit 0 if DIR/manifest.json and its files are intact

SCRATCH/x/<package>/ holds each package extracted with `dpkg -x`. The selection is
deterministic: candidates are walked sorted by (package, path) and every tie is broken by path.

Rules (documented in bench/README.md):
  * raster JPEG, PNG or WebP only (by content, not by name); symlinks skipped;
  * skip files < 200 KB and images < 1 MP;
  * one file per "family" (the same picture shipped at several resolutions, e.g.
    Elephants.jpg / Elephants_3840x2160.jpg, or Sway_Wallpaper_Blue_*): the largest is kept;
  * "photo-likeness" is judged by compressed bits per pixel: flat vector-style art compresses
    far below real photographs, so JPEGs need >= 0.5 bpp and PNG/WebP >= 1.0 bpp;
  * 4 WebPs (by path); 7 PNGs: the first 3 with real translucency (>= 1 % of pixels not
    opaque, >= 2 MP; they exercise flatten-on-white), then the largest files among RGBA PNGs
    of >= 8 MP, then RGB PNGs of >= 4 MP; JPEGs for the rest of the 35: every JPEG of
    8..25 MP first (by path), then the largest smaller ones (>= 4 MP).
"""
import argparse
import json
import os
import re
import shutil
import sys

from PIL import Image

Image.MAX_IMAGE_PIXELS = None

TARGET_TOTAL = 35
N_WEBP = 4
N_PNG = 7
N_PNG_TRANSLUCENT = 3
MIN_BYTES = 200 * 1024
MIN_PIXELS = 1_000_000
JPEG_MIN_BPP = 0.5
LOSSLESS_MIN_BPP = 1.0
BIG_JPEG_MP = (8.0, 25.0)
FILL_JPEG_MIN_MP = 4.0

SHORT = {
    "mate-backgrounds": "mate",
    "gnome-backgrounds": "gnome",
    "plasma-workspace-wallpapers": "plasma",
    "sway-backgrounds": "sway",
    "lomiri-wallpapers": "lomiri",
    "lomiri-wallpapers-16.04": "lomiri1604",
    "lomiri-wallpapers-20.04": "lomiri2004",
    "ukui-wallpapers": "ukui",
}
EXT = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def short_name(pkg):
    return SHORT.get(pkg, re.sub(r"-(backgrounds|wallpapers)$", "", pkg))


def stable_name(pkg, path, fmt):
    """images/<pkgshort>-<path bits>.<ext>, e.g. plasma-Flow-images_dark-5120x2880.jpg"""
    short = short_name(pkg)
    rel = path
    for prefix in ("/usr/share/backgrounds/", "/usr/share/wallpapers/", "/usr/share/"):
        if rel.startswith(prefix):
            rel = rel[len(prefix):]
            break
    parts = [p for p in rel.split("/") if p not in ("contents", "images")]
    if len(parts) > 1 and parts[0] == short:
        parts = parts[1:]
    stem = os.path.splitext("-".join(parts))[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    return f"{short}-{stem}.{EXT[fmt]}"


def family_key(pkg, path):
    d, base = os.path.split(path)
    stem = os.path.splitext(base)[0]
    fam = re.sub(r"[_-]?\d+x\d+.*$", "", stem)
    return (pkg, d, fam)


def has_alpha(im):
    return im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        im.mode in ("P", "L", "RGB") and "transparency" in im.info
    )


def scan(tree):
    out = []
    for pkg in sorted(os.listdir(tree)):
        root = os.path.join(tree, pkg)
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for f in filenames:
                files.append(os.path.join(dirpath, f))
        for full in sorted(files):
            if os.path.islink(full) or not os.path.isfile(full):
                continue
            size = os.path.getsize(full)
            if size < MIN_BYTES:
                continue
            try:
                with Image.open(full) as im:
                    fmt = im.format
                    if fmt not in EXT:
                        continue
                    w, h = im.size
                    entry = {
                        "package": pkg,
                        "path": "/" + os.path.relpath(full, root),
                        "format": fmt,
                        "width": w,
                        "height": h,
                        "bytes": size,
                        "mode": im.mode,
                        "alpha": has_alpha(im),
                        "src": full,
                    }
                    if entry["alpha"]:
                        im.load()
                        a = im.convert("RGBA").getchannel("A").histogram()
                        entry["translucent"] = (1 - a[255] / sum(a)) >= 0.01
                    else:
                        entry["translucent"] = False
                    if fmt == "JPEG":
                        entry["progressive"] = bool(im.info.get("progressive") or im.info.get("progression"))
                        exif = im.getexif()
                        entry["exif_orientation"] = int(exif.get(0x0112, 1) or 1)
            except Exception:
                continue  # not an image Pillow can identify (SVG, XML, ...)
            if w * h < MIN_PIXELS:
                continue
            entry["mp"] = w * h / 1e6
            entry["bpp"] = size * 8 / (w * h)
            out.append(entry)
    return out


def dedupe_families(cands):
    best = {}
    for c in cands:  # sorted by (package, path): the first of equal size wins
        k = family_key(c["package"], c["path"])
        if k not in best or c["width"] * c["height"] > best[k]["width"] * best[k]["height"]:
            best[k] = c
    keep = {id(v) for v in best.values()}
    return [c for c in cands if id(c) in keep]


def select(cands):
    cands = dedupe_families(cands)
    key = lambda c: (c["package"], c["path"])  # noqa: E731
    webp = sorted([c for c in cands if c["format"] == "WEBP" and c["bpp"] >= LOSSLESS_MIN_BPP], key=key)[:N_WEBP]
    png_ok = [c for c in cands if c["format"] == "PNG" and c["bpp"] >= LOSSLESS_MIN_BPP]
    # Really translucent ones exercise the flatten-on-white step; the big ones the PNG decoder.
    png_trans = sorted([c for c in png_ok if c["translucent"] and c["mp"] >= 2.0], key=key)[:N_PNG_TRANSLUCENT]
    png_big = [c for c in png_ok if c["alpha"] and c["mp"] >= 8.0 and c not in png_trans]
    png_big.sort(key=lambda c: (-c["bytes"], c["package"], c["path"]))
    png_rgb = sorted([c for c in png_ok if not c["alpha"] and c["mp"] >= 4.0], key=key)
    png = (png_trans + png_big + png_rgb)[:N_PNG]
    jpeg_ok = [c for c in cands if c["format"] == "JPEG" and c["bpp"] >= JPEG_MIN_BPP]
    n_jpeg = TARGET_TOTAL - len(webp) - len(png)
    big = sorted([c for c in jpeg_ok if BIG_JPEG_MP[0] <= c["mp"] <= BIG_JPEG_MP[1]], key=key)[:n_jpeg]
    rest = [c for c in jpeg_ok if c["mp"] < BIG_JPEG_MP[0] and c["mp"] >= FILL_JPEG_MIN_MP]
    rest.sort(key=lambda c: (-round(c["mp"], 1), c["package"], c["path"]))
    jpeg = big + rest[: max(0, n_jpeg - len(big))]
    chosen = sorted(jpeg + png + webp, key=key)
    return chosen


def cmd_select(args):
    versions = {}
    if args.versions and os.path.exists(args.versions):
        for line in open(args.versions):
            if "\t" in line:
                p, v = line.rstrip("\n").split("\t", 1)
                versions[p] = v
    chosen = select(scan(args.tree))
    if not chosen:
        sys.exit("corpus_select: no candidate images found")
    tmp = args.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "images"))
    manifest = []
    names = set()
    for c in chosen:
        name = stable_name(c["package"], c["path"], c["format"])
        assert name not in names, name
        names.add(name)
        shutil.copyfile(c["src"], os.path.join(tmp, "images", name))
        e = {
            "file": "images/" + name,
            "package": c["package"],
            "package_version": versions.get(c["package"]),
            "path": c["path"],
            "format": c["format"].lower(),
            "width": c["width"],
            "height": c["height"],
            "bytes": c["bytes"],
            "mode": c["mode"],
            "alpha": c["alpha"],
            "translucent": c["translucent"],
        }
        if c["format"] == "JPEG":
            e["progressive"] = c["progressive"]
            e["exif_orientation"] = c["exif_orientation"]
        manifest.append(e)
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    # Swap in atomically-ish: images/ and manifest.json only; nothing else in DIR is touched.
    os.makedirs(args.out, exist_ok=True)
    shutil.rmtree(os.path.join(args.out, "images"), ignore_errors=True)
    os.replace(os.path.join(tmp, "images"), os.path.join(args.out, "images"))
    os.replace(os.path.join(tmp, "manifest.json"), os.path.join(args.out, "manifest.json"))
    shutil.rmtree(tmp, ignore_errors=True)
    summarize(manifest, args.out)


def summarize(manifest, out):
    by = {}
    for e in manifest:
        by.setdefault(e["format"], []).append(e)
    total = sum(e["bytes"] for e in manifest)
    print(f"corpus: {len(manifest)} images, {total / 1e6:.1f} MB in {out}", file=sys.stderr)
    for fmt, es in sorted(by.items()):
        mps = sorted(e["width"] * e["height"] / 1e6 for e in es)
        extra = ""
        if fmt == "jpeg":
            extra = f", {sum(e['progressive'] for e in es)} progressive"
        if fmt == "png":
            extra = f", {sum(e['alpha'] for e in es)} with alpha, {sum(e.get('translucent', False) for e in es)} translucent"
        print(f"  {fmt}: {len(es)} images, {mps[0]:.1f}-{mps[-1]:.1f} MP{extra}", file=sys.stderr)


def cmd_check(args):
    m = os.path.join(args.dir, "manifest.json")
    try:
        manifest = json.load(open(m))
    except Exception:
        sys.exit(1)
    if not manifest:
        sys.exit(1)
    for e in manifest:
        p = os.path.join(args.dir, e["file"])
        if not os.path.isfile(p) or os.path.getsize(p) != e["bytes"]:
            sys.exit(1)
    summarize(manifest, args.dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("--tree", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--versions")
    c = sub.add_parser("check")
    c.add_argument("dir")
    args = ap.parse_args()
    {"select": cmd_select, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    main()
