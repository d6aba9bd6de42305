//! Generated sample and hostile files, for `uploadd demo` and the tests (nothing binary is
//! committed to the repository). Each returns the file's bytes.

use super::exif;

/// A landscape "photo": left half red, right half blue, with a gradient and a fine texture so
/// it compresses like a photograph. `orientation` ≠ 1 adds an EXIF orientation tag.
pub fn photo_jpeg(width: u32, height: u32, orientation: u8) -> Vec<u8> {
    let mut px = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            let t = ((x ^ y) & 15) as u8;
            let g = (y * 160 / height.max(1)) as u8;
            if x < width / 2 {
                px.extend_from_slice(&[235 - t, g / 4 + t, 20 + t]);
            } else {
                px.extend_from_slice(&[20 + t, g / 4 + t, 235 - t]);
            }
        }
    }
    let img = turbojpeg::Image {
        pixels: px.as_slice(),
        width: width as usize,
        pitch: width as usize * 3,
        height: height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let jpeg = turbojpeg::compress(img, 90, turbojpeg::Subsamp::Sub2x2).map(|b| b.to_vec()).unwrap_or_default();
    if orientation == 1 { jpeg } else { exif::insert_app1(&jpeg, &exif::app1_with_orientation(orientation)) }
}

fn rgba_disc(width: u32, height: u32) -> Vec<u8> {
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let r = cx.min(cy) * 0.8;
    let mut px = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let a = if d < r { 255 } else { 0 };
            px.extend_from_slice(&[30, (x * 255 / width.max(1)) as u8, 200, a]);
        }
    }
    px
}

/// A PNG with an alpha channel: an opaque disc on a fully transparent background.
pub fn alpha_png(width: u32, height: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    let _ = image::codecs::png::PngEncoder::new(&mut out).write_image(
        &rgba_disc(width, height),
        width,
        height,
        image::ExtendedColorType::Rgba8,
    );
    out
}

/// A lossy WebP.
pub fn webp_image(width: u32, height: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        for x in 0..width {
            px.extend_from_slice(&[(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, 128]);
        }
    }
    let raster = super::raster::Raster { pixels: px, width, height, channels: 3 };
    super::webp::encode(&raster, 80.0, 4).expect("libwebp encodes a generated gradient")
}

/// A GIF with `frames` frames (the pipeline uses the first).
pub fn gif_image(width: u32, height: u32, frames: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        for f in 0..frames.max(1) {
            let mut px = rgba_disc(width, height);
            for p in px.chunks_exact_mut(4) {
                p[0] = (f * 37 % 255) as u8;
                p[3] = 255;
            }
            let Some(buf) = image::RgbaImage::from_raw(width, height, px) else {
                break;
            };
            if enc.encode_frame(image::Frame::new(buf)).is_err() {
                break;
            }
        }
    }
    out
}

/// A PNG whose header declares `width`×`height` but that carries almost no data.
pub fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    push_chunk(&mut out, b"IHDR", &ihdr);
    push_chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    push_chunk(&mut out, b"IEND", &[]);
    out
}

fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A real small JPEG whose frame header is patched to declare `width`×`height`.
pub fn jpeg_header_only(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = photo_jpeg(16, 16, 1);
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2) {
            jpeg[i + 5..i + 7].copy_from_slice(&height.to_be_bytes());
            jpeg[i + 7..i + 9].copy_from_slice(&width.to_be_bytes());
            break;
        }
        i += 1;
    }
    jpeg
}

/// The EICAR anti-virus test string (harmless; every scanner detects it).
pub fn eicar() -> Vec<u8> {
    // Assembled at run time so the repository's own files do not trip scanners.
    let mut s = String::from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$");
    s.push_str("EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    s.into_bytes()
}

/// A small but valid PDF.
pub fn pdf_document() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec()
}

/// The start of an ELF executable.
pub fn elf_binary() -> Vec<u8> {
    let mut v = b"\x7fELF\x02\x01\x01\x00".to_vec();
    v.resize(256, 0);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_what_they_claim() {
        assert_eq!(infer::get(&photo_jpeg(32, 32, 6)).map(|t| t.mime_type()), Some("image/jpeg"));
        assert_eq!(infer::get(&alpha_png(8, 8)).map(|t| t.mime_type()), Some("image/png"));
        assert_eq!(infer::get(&webp_image(8, 8)).map(|t| t.mime_type()), Some("image/webp"));
        assert_eq!(infer::get(&gif_image(8, 8, 3)).map(|t| t.mime_type()), Some("image/gif"));
        assert_eq!(infer::get(&pdf_document()).map(|t| t.mime_type()), Some("application/pdf"));
        assert_eq!(infer::get(&elf_binary()).map(|t| t.mime_type()), Some("application/x-executable"));
        let h = turbojpeg::read_header(&jpeg_header_only(30_000, 30_000)).unwrap();
        assert_eq!((h.width, h.height), (30_000, 30_000));
        assert_eq!(eicar().len(), 68);
    }
}
