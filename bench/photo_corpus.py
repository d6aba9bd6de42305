#!/usr/bin/env python3
"""Derived corpora for the #17 photo benchmarks, from the bench corpus's JPEG photos:

  photo_corpus.py CORPUS_DIR OUT_DIR [--avif N]

- OUT/tagged/: the same JPEG bytes with an Adobe RGB (1998) ICC profile spliced in as APP2
  segments (no re-encode: identical pixels), so tagged-vs-untagged timing isolates the colour
  conversion;
- OUT/heic/: each photo as HEIC through pillow-heif (x265, quality 85, 512x512 grid tiles as an
  iPhone writes them);
- OUT/avif/: the first N photos (default 8) as AVIF through Pillow's AVIF plugin (quality 75).

Each directory gets a manifest.json in the corpus's format (file, format, width, height).
Idempotent: existing outputs are kept.
"""
import json
import os
import sys

from PIL import Image
import pillow_heif

pillow_heif.register_heif_opener()  # HEIF save (and open) through Pillow

ADOBE = "/usr/share/color/icc/colord/AdobeRGB1998.icc"


def app2(icc):
    chunks = [icc[i:i + 65519] for i in range(0, len(icc), 65519)]
    out = b""
    for n, c in enumerate(chunks, 1):
        body = b"ICC_PROFILE\0" + bytes([n, len(chunks)]) + c
        out += b"\xff\xe2" + (len(body) + 2).to_bytes(2, "big") + body
    return out


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    n_avif = int(sys.argv[sys.argv.index("--avif") + 1]) if "--avif" in sys.argv else 8
    manifest = json.load(open(os.path.join(corpus, "manifest.json")))
    photos = [m for m in manifest if m["format"] == "jpeg"]
    icc = open(ADOBE, "rb").read()
    pillow_heif.options.GRID_TILE_SIZE = 512
    made = {"tagged": [], "heic": [], "avif": []}
    for i, m in enumerate(photos):
        src = os.path.join(corpus, m["file"])
        stem = os.path.splitext(os.path.basename(m["file"]))[0]
        data = open(src, "rb").read()
        jobs = [("tagged", "jpeg", f"{stem}.jpg"), ("heic", "heic", f"{stem}.heic")]
        if i < n_avif:
            jobs.append(("avif", "avif", f"{stem}.avif"))
        for kind, fmt, name in jobs:
            d = os.path.join(out, kind)
            os.makedirs(d, exist_ok=True)
            path = os.path.join(d, name)
            if not os.path.exists(path):
                if kind == "tagged":
                    open(path + ".tmp", "wb").write(data[:2] + app2(icc) + data[2:])
                else:
                    with Image.open(src) as im:
                        im = im.convert("RGB")
                        if kind == "heic":
                            im.save(path + ".tmp", format="HEIF", quality=85)
                        else:
                            im.save(path + ".tmp", format="AVIF", quality=75)
                os.replace(path + ".tmp", path)
            made[kind].append({"file": name, "format": fmt, "width": m["width"], "height": m["height"],
                               "bytes": os.path.getsize(path)})
            print(f"[photo-corpus] {kind}/{name}", file=sys.stderr)
    for kind, items in made.items():
        json.dump(items, open(os.path.join(out, kind, "manifest.json"), "w"), indent=1)
    # The untagged originals, same subset, for the colour comparison.
    d = os.path.join(out, "untagged")
    os.makedirs(d, exist_ok=True)
    items = []
    for m in photos:
        name = os.path.basename(m["file"])
        link = os.path.join(d, name)
        if not os.path.exists(link):
            os.symlink(os.path.abspath(os.path.join(corpus, m["file"])), link)
        items.append({"file": name, "format": "jpeg", "width": m["width"], "height": m["height"]})
    json.dump(items, open(os.path.join(d, "manifest.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
