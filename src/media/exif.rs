//! Just enough EXIF to read the orientation tag (0x0112) from a JPEG's APP1 segment or a raw
//! TIFF/EXIF blob. Every offset is bounds-checked: hostile input yields `None`, never a panic.

/// EXIF orientation (1–8) of a JPEG, if it has a valid one.
pub fn jpeg_orientation(data: &[u8]) -> Option<u8> {
    if data.len() < 4 || data[0] != 0xFF || data[1] != 0xD8 {
        return None;
    }
    let mut pos = 2usize;
    // Walk the marker segments before the image data.
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            return None;
        }
        let marker = data[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        // Markers without a length.
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            return None; // start of scan / end of image: no EXIF before the data
        }
        let len = usize::from(u16::from_be_bytes([data[pos + 2], data[pos + 3]]));
        if len < 2 {
            return None;
        }
        let seg_start = pos + 4;
        let seg_end = pos + 2 + len;
        let seg = data.get(seg_start..seg_end)?;
        if marker == 0xE1 && seg.len() >= 6 && &seg[..6] == b"Exif\0\0" {
            return tiff_orientation(&seg[6..]);
        }
        pos = seg_end;
    }
    None
}

/// EXIF orientation (1–8) of a WebP, from its `EXIF` chunk (extended format), if any. The
/// chunk usually comes after the image data, so the whole RIFF chunk list is walked.
pub fn webp_orientation(data: &[u8]) -> Option<u8> {
    if data.len() < 12 || &data[..4] != b"RIFF" || &data[8..12] != b"WEBP" {
        return None;
    }
    let mut pos = 12usize;
    while pos + 8 <= data.len() {
        let fourcc = &data[pos..pos + 4];
        let size =
            usize::try_from(u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]])).ok()?;
        let body = data.get(pos + 8..(pos + 8).checked_add(size)?)?;
        if fourcc == b"EXIF" {
            // Some writers keep JPEG's "Exif\0\0" prefix in the chunk.
            let tiff = body.strip_prefix(b"Exif\0\0").unwrap_or(body);
            return tiff_orientation(tiff);
        }
        pos = pos + 8 + size + (size & 1);
    }
    None
}

/// [`webp_orientation`] from a file, reading only the chunk headers and the `EXIF` chunk.
pub fn webp_file_orientation(path: &std::path::Path) -> std::io::Result<Option<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 12];
    if f.read_exact(&mut head).is_err() || &head[..4] != b"RIFF" || &head[8..12] != b"WEBP" {
        return Ok(None);
    }
    let mut chunk = [0u8; 8];
    for _ in 0..1024 {
        if f.read_exact(&mut chunk).is_err() {
            return Ok(None);
        }
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if &chunk[..4] == b"EXIF" {
            // An orientation needs little of the EXIF block; a hostile size is not followed.
            let mut body = Vec::new();
            (&mut f).take(size.min(1 << 20)).read_to_end(&mut body)?;
            let tiff = body.strip_prefix(b"Exif\0\0").unwrap_or(&body);
            return Ok(tiff_orientation(tiff));
        }
        f.seek(SeekFrom::Current(i64::try_from(size + (size & 1)).unwrap_or(i64::MAX)))?;
    }
    Ok(None)
}

/// Orientation from a TIFF-structured EXIF blob (`II*\0…` or `MM\0*…`).
pub fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..4)? {
        [b'I', b'I', 42, 0] => true,
        [b'M', b'M', 0, 42] => false,
        _ => return None,
    };
    let u16_at = |off: usize| -> Option<u16> {
        let b = tiff.get(off..off + 2)?;
        Some(if little { u16::from_le_bytes([b[0], b[1]]) } else { u16::from_be_bytes([b[0], b[1]]) })
    };
    let u32_at = |off: usize| -> Option<u32> {
        let b = tiff.get(off..off + 4)?;
        Some(if little {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(entry)? == 0x0112 {
            // SHORT, count 1: the value sits in the first two bytes of the value field.
            let v = u16_at(entry + 8)?;
            return u8::try_from(v).ok().filter(|v| (1..=8).contains(v));
        }
    }
    None
}

/// Builds a minimal APP1 EXIF segment carrying only an orientation (tests and demo samples).
pub fn app1_with_orientation(orientation: u8) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2A");
    tiff.extend_from_slice(&8u32.to_be_bytes()); // IFD0 offset
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&u16::from(orientation).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut seg = vec![0xFF, 0xE1];
    let len = u16::try_from(2 + 6 + tiff.len()).unwrap_or(u16::MAX);
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

/// Inserts an APP1 segment right after the SOI marker of a JPEG.
pub fn insert_app1(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(jpeg.len() + app1.len());
    out.extend_from_slice(jpeg.get(..2).unwrap_or(&[]));
    out.extend_from_slice(app1);
    out.extend_from_slice(jpeg.get(2..).unwrap_or(&[]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_orientation_it_writes() {
        for o in 1..=8 {
            let jpeg = insert_app1(&[0xFF, 0xD8, 0xFF, 0xD9], &app1_with_orientation(o));
            assert_eq!(jpeg_orientation(&jpeg), Some(o));
        }
    }

    #[test]
    fn hostile_segments_do_not_panic() {
        assert_eq!(jpeg_orientation(b""), None);
        assert_eq!(jpeg_orientation(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]), None);
        assert_eq!(jpeg_orientation(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00]), None);
        let mut seg = app1_with_orientation(6);
        seg.truncate(seg.len() - 8);
        assert_eq!(jpeg_orientation(&insert_app1(&[0xFF, 0xD8, 0xFF, 0xD9], &seg)), None);
        assert_eq!(tiff_orientation(b"II*\0\xFF\xFF\xFF\xFF"), None);
        // Exhaustive truncations of a valid blob.
        let full = insert_app1(&[0xFF, 0xD8, 0xFF, 0xD9], &app1_with_orientation(3));
        for n in 0..full.len() {
            let _ = jpeg_orientation(&full[..n]);
        }
    }
}
