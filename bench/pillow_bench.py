#!/usr/bin/env python3
"""Pillow baseline: the seed pipeline, exactly as the seed code writes it (Pillow defaults).

  pillow_bench.py --manifest M --out DIR [--rounds 5] [--json] [--limit N]

Per image: Image.open -> ImageOps.exif_transpose -> RGB (alpha flattened over white) ->
display = thumbnail((1920, 1080), LANCZOS) [never upscales; reducing_gap=2.0 default] ->
JPEG q85 (Pillow defaults: 4:2:0, baseline, no optimize) -> thumb = copy of display,
thumbnail((300, 300)) [Pillow's default resample, BICUBIC], JPEG q80 -> display as WebP q80
method 4. Single-threaded; run it under `taskset -c 0` for the 1-core number.

Note: exif_transpose() returns a loaded copy, so by the time thumbnail() runs the JPEG is
fully decoded and its draft (DCT-scaling) mode cannot engage; only reducing_gap's integer
reduce() applies. That is how the seed code behaves, so it is kept.
"""
import io
import sys

sys.dont_write_bytecode = True
import os  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import PIL  # noqa: E402
from PIL import Image, ImageOps, features  # noqa: E402

DISPLAY_BOX = (1920, 1080)
THUMB_BOX = (300, 300)


def has_alpha(im):
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def to_rgb(im):
    if has_alpha(im):
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if im.mode != "RGB":
        return im.convert("RGB")
    return im


def pipeline(path):
    with Image.open(path) as src:
        img = ImageOps.exif_transpose(src)
    img = to_rgb(img)
    img.thumbnail(DISPLAY_BOX, Image.LANCZOS)
    b_display = io.BytesIO()
    img.save(b_display, "JPEG", quality=85)
    thumb = img.copy()
    thumb.thumbnail(THUMB_BOX)
    b_thumb = io.BytesIO()
    thumb.save(b_thumb, "JPEG", quality=80)
    b_webp = io.BytesIO()
    img.save(b_webp, "WEBP", quality=80, method=4)
    return b_display.getvalue(), b_thumb.getvalue(), b_webp.getvalue()


def main():
    args = benchlib.parse_args("pillow").parse_args()
    # HEIC through pillow-heif (its own libheif + libde265); AVIF is Pillow's own plugin.
    import pillow_heif  # noqa: E402

    pillow_heif.register_heif_opener()
    extra = {
        "versions": {
            "pillow": PIL.__version__,
            "libjpeg_turbo": features.version("libjpeg_turbo"),
            "libwebp": features.version("webp"),
            "pillow_heif": pillow_heif.__version__,
            "libheif": pillow_heif.libheif_version(),
            "libavif": features.version("avif"),
        }
    }
    benchlib.run("pillow", pipeline, args, extra)


if __name__ == "__main__":
    main()
