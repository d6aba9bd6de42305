#!/usr/bin/env python3
"""pyvips baseline of the seed pipeline (libvips via pyvips in ABI mode).

  pyvips_bench.py --manifest M --out DIR [--rounds 5] [--json] [--limit N]

Per image: Image.thumbnail(path, 1920, height=1080, size="down") (shrink-on-load for JPEG
and WebP, autorotates from EXIF, never upscales) -> flatten alpha on white -> sRGB 8-bit ->
display jpegsave Q=85 (libvips defaults: 4:2:0 below Q90, baseline, no optimize) ->
thumb = thumbnail_image(300, height=300) of the display image, jpegsave Q=80 ->
display as webpsave Q=80 effort=4. Metadata is stripped, like Pillow's saves (which drop
EXIF/XMP unless asked) and like uploadd.

The display image is rendered once into memory (copy_memory) and the three encoders read it.
Without that, libvips (demand-driven) would re-run decode+resize for every save, and with the
sequential access thumbnail() uses, the second pass fails on JPEGs ("out of order read"): so
copy_memory is not an optimisation here but what working code must do. The libvips operation
cache is disabled (it would otherwise hand round 1's results to later rounds) and libvips uses
1 worker thread unless VIPS_CONCURRENCY says otherwise.

libvips 8.14's webpsave writes a ~190-byte EXIF chunk (resolution tags only) even with
strip=True; that is left as is (a few hundred bytes per WebP).
"""
import os
import sys

sys.dont_write_bytecode = True
os.environ.setdefault("VIPS_CONCURRENCY", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import pyvips  # noqa: E402

pyvips.cache_set_max(0)
pyvips.cache_set_max_mem(0)
pyvips.cache_set_max_files(0)

if pyvips.at_least_libvips(8, 15):
    NO_META = {"keep": "none"}
else:
    NO_META = {"strip": True}


def pipeline(path):
    img = pyvips.Image.thumbnail(path, 1920, height=1080, size="down")
    if img.hasalpha():
        white = 65535 if img.format == "ushort" else 255
        img = img.flatten(background=[white] * (img.bands - 1))
    if img.interpretation != "srgb" or img.bands != 3 or img.format != "uchar":
        img = img.colourspace("srgb")
        if img.format != "uchar":
            img = img.cast("uchar")
    img = img.copy_memory()
    display = img.jpegsave_buffer(Q=85, **NO_META)
    thumb = img.thumbnail_image(300, height=300).jpegsave_buffer(Q=80, **NO_META)
    webp = img.webpsave_buffer(Q=80, effort=4, **NO_META)
    return display, thumb, webp


def main():
    args = benchlib.parse_args("pyvips").parse_args()
    extra = {
        "versions": {
            "pyvips": pyvips.__version__,
            "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
            "api_mode": bool(pyvips.API_mode),
            "vips_concurrency": os.environ.get("VIPS_CONCURRENCY"),
        },
    }
    benchlib.run("pyvips", pipeline, args, extra)


if __name__ == "__main__":
    main()
