//! HEIC and AVIF stills. Two halves, in two processes:
//!
//! - In the daemon: [`probe_file`] reads the HEIF header boxes (`ftyp`, `meta`: the primary
//!   item, its `ispe` size, `clap`/`irot`/`imir` transforms, `colr` profile, alpha, grid tiles) with
//!   bounds-checked safe Rust, so the profile's limits apply before any decoder runs; and
//!   [`read_decoded`] takes the child's raw pixels back.
//! - In the sandboxed child (`uploadd heif-decode`, spawned through `process.rs` with a time,
//!   memory and file-size limit): [`decode_to_file`] runs libheif (libde265 for HEVC, dav1d
//!   for AV1; built by `crates/heif`) through a small C shim. These decoders have a history of memory-safety
//!   bugs; in a child, one costs a rejected upload, not the daemon.
//!
//! Orientation: HEIF's `irot`/`imir` properties are authoritative and libheif applies them;
//! an EXIF orientation tag inside a HEIF is ignored (as browsers and libheif do), so a photo
//! is never rotated twice.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use uploadd_heif::uploadd_heif_decode;

use super::probe::oriented_info;
use super::{ImageFormat, ImageInfo, MAX_SIDE, MediaError, Raster};

/// The largest `meta` box read (real ones are a few KiB; a 48 MP iPhone grid about 20 KiB).
const MAX_META_BYTES: u64 = 4 << 20;
/// libheif's own limit on either side of an image (its `MAX_IMAGE_WIDTH`/`HEIGHT` security
/// limit): a larger picture is refused from the header, not by the decoder as a "memory
/// allocation error".
pub const MAX_DECODER_SIDE: u32 = 32_768;
/// The most tiles a grid may have (a 48 MP iPhone photo has 192 tiles of 512×512).
pub const MAX_GRID_TILES: usize = 4096;

/// The `auxC` types of an alpha plane (HEVC, AVC, and the MPEG-B one AVIF uses).
const ALPHA_URNS: [&str; 3] =
    ["urn:mpeg:hevc:2015:auxid:1", "urn:mpeg:avc:2015:auxid:1", "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"];

/// Header facts of the primary image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeifHeader {
    /// Stored size (`ispe`), before `irot`.
    pub width: u32,
    pub height: u32,
    /// `irot` in quarter turns anticlockwise.
    pub rotation: u8,
    pub mirrored: bool,
    pub has_alpha: bool,
    /// Bits per channel from `pixi` (8 when absent).
    pub bits: u8,
    /// Tiles of a grid image (0 for a single coded image).
    pub tiles: usize,
    /// The coded item type: `hvc1`, `av01`, or `grid`.
    pub item_type: String,
    pub icc: Option<Vec<u8>>,
    /// `colr`/`nclx`: colour primaries, transfer, matrix, full range.
    pub nclx: Option<(u16, u16, u16, bool)>,
    /// The clean aperture (`clap`), in the stored frame: what libheif crops the picture to.
    /// HEVC codes even sizes only, so libheif writes a 101×77 photo as 102×78 plus a `clap`.
    pub cropped: Option<(u32, u32)>,
}

impl HeifHeader {
    /// The size of the decoded image: cropped, then turned.
    pub fn upright(&self) -> (u32, u32) {
        let (w, h) = self.cropped.unwrap_or((self.width, self.height));
        if self.rotation % 2 == 1 { (h, w) } else { (w, h) }
    }
}

/// A `clap` box's clean width and height, rounded as libheif rounds them
/// (`(n + d/2) / d`), checked against the frame it applies to.
fn clean_aperture(body: &[u8], frame: (u32, u32)) -> Result<(u32, u32), MediaError> {
    let mut c = Cursor(body, 0);
    let (Some(wn), Some(wd), Some(hn), Some(hd)) = (c.u32(), c.u32(), c.u32(), c.u32()) else {
        return Err(corrupt("short clap"));
    };
    let round = |n: u32, d: u32| (d != 0).then(|| (u64::from(n) + u64::from(d / 2)) / u64::from(d));
    match (round(wn, wd), round(hn, hd)) {
        (Some(w), Some(h)) if w >= 1 && h >= 1 && w <= u64::from(frame.0) && h <= u64::from(frame.1) => {
            Ok((w as u32, h as u32))
        }
        _ => Err(corrupt(&format!("a clap of {wn}/{wd}×{hn}/{hd} for a {}×{} picture", frame.0, frame.1))),
    }
}

/// A box: its type and the byte range of its body within the buffer.
struct BoxRef<'a> {
    kind: [u8; 4],
    body: &'a [u8],
}

/// Iterates the boxes in `data` (a box body), stopping at the first malformed one.
fn boxes(data: &[u8]) -> impl Iterator<Item = BoxRef<'_>> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let head = data.get(pos..pos.checked_add(8)?)?;
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = [head[4], head[5], head[6], head[7]];
        let mut header = 8u64;
        if size == 1 {
            let big = data.get(pos + 8..pos + 16)?;
            size = u64::from_be_bytes(big.try_into().ok()?);
            header = 16;
        } else if size == 0 {
            size = (data.len() - pos) as u64;
        }
        if size < header {
            return None;
        }
        let end = pos.checked_add(usize::try_from(size).ok()?)?;
        let body = data.get(pos + header as usize..end)?;
        pos = end;
        Some(BoxRef { kind, body })
    })
}

/// A little reader over a box body.
struct Cursor<'a>(&'a [u8], usize);

impl Cursor<'_> {
    fn u8(&mut self) -> Option<u8> {
        let v = *self.0.get(self.1)?;
        self.1 += 1;
        Some(v)
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.0.get(self.1..self.1 + 2)?;
        self.1 += 2;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.0.get(self.1..self.1 + 4)?;
        self.1 += 4;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn id(&mut self, wide: bool) -> Option<u32> {
        if wide { self.u32() } else { self.u16().map(u32::from) }
    }
    fn fourcc(&mut self) -> Option<[u8; 4]> {
        let b = self.0.get(self.1..self.1 + 4)?;
        self.1 += 4;
        b.try_into().ok()
    }
    fn rest(&self) -> &[u8] {
        self.0.get(self.1..).unwrap_or_default()
    }
}

fn corrupt(m: &str) -> MediaError {
    MediaError::Corrupt(format!("HEIF header: {m}"))
}

/// Parses the `meta` box body (a FullBox: version and flags first).
pub fn parse_meta(meta: &[u8]) -> Result<HeifHeader, MediaError> {
    let body = meta.get(4..).ok_or_else(|| corrupt("short meta box"))?;
    let mut primary = None;
    let mut types: Vec<(u32, [u8; 4])> = Vec::new();
    let mut refs: Vec<([u8; 4], u32, Vec<u32>)> = Vec::new();
    let mut properties: Vec<BoxRef<'_>> = Vec::new();
    let mut associations: Vec<(u32, Vec<u16>)> = Vec::new();
    for b in boxes(body) {
        match &b.kind {
            b"pitm" => {
                let mut c = Cursor(b.body, 0);
                let version = c.u8().ok_or_else(|| corrupt("pitm"))?;
                c.1 = 4;
                primary = c.id(version != 0);
            }
            b"iinf" => {
                let mut c = Cursor(b.body, 0);
                let version = c.u8().ok_or_else(|| corrupt("iinf"))?;
                c.1 = 4;
                let _count = if version == 0 { c.u16().map(u32::from) } else { c.u32() };
                for infe in boxes(c.rest()).filter(|x| &x.kind == b"infe").take(1 << 16) {
                    let mut e = Cursor(infe.body, 0);
                    let v = e.u8().unwrap_or(0);
                    e.1 = 4;
                    if v < 2 {
                        continue;
                    }
                    let (Some(id), Some(_protection), Some(kind)) = (e.id(v >= 3), e.u16(), e.fourcc()) else {
                        return Err(corrupt("infe"));
                    };
                    types.push((id, kind));
                }
            }
            b"iref" => {
                let mut c = Cursor(b.body, 0);
                let version = c.u8().ok_or_else(|| corrupt("iref"))?;
                c.1 = 4;
                for r in boxes(c.rest()).take(1 << 16) {
                    let mut e = Cursor(r.body, 0);
                    let from = e.id(version != 0).ok_or_else(|| corrupt("iref entry"))?;
                    let count = e.u16().ok_or_else(|| corrupt("iref entry"))?;
                    let mut to = Vec::with_capacity(usize::from(count).min(1024));
                    for _ in 0..count {
                        to.push(e.id(version != 0).ok_or_else(|| corrupt("iref entry"))?);
                    }
                    refs.push((r.kind, from, to));
                }
            }
            b"iprp" => {
                for p in boxes(b.body) {
                    if &p.kind == b"ipco" {
                        properties.extend(boxes(p.body).take(1 << 16));
                    } else if &p.kind == b"ipma" {
                        let mut c = Cursor(p.body, 0);
                        let version = c.u8().ok_or_else(|| corrupt("ipma"))?;
                        let flags = c.u32().map(|_| p.body[3]).ok_or_else(|| corrupt("ipma"))?;
                        c.1 = 4;
                        let count = c.u32().ok_or_else(|| corrupt("ipma"))?;
                        for _ in 0..count.min(1 << 16) {
                            let item = c.id(version >= 1).ok_or_else(|| corrupt("ipma entry"))?;
                            let n = c.u8().ok_or_else(|| corrupt("ipma entry"))?;
                            let mut idx = Vec::with_capacity(usize::from(n));
                            for _ in 0..n {
                                let i = if flags & 1 != 0 {
                                    c.u16().map(|v| v & 0x7FFF)
                                } else {
                                    c.u8().map(|v| u16::from(v & 0x7F))
                                };
                                idx.push(i.ok_or_else(|| corrupt("ipma entry"))?);
                            }
                            associations.push((item, idx));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let primary = primary.ok_or_else(|| corrupt("no primary item"))?;
    let item_type =
        types.iter().find(|(id, _)| *id == primary).map(|(_, t)| *t).ok_or_else(|| corrupt("no primary item"))?;
    let props_of = |item: u32| -> Vec<&BoxRef<'_>> {
        associations
            .iter()
            .filter(|(i, _)| *i == item)
            .flat_map(|(_, idx)| idx.iter())
            .filter_map(|&i| properties.get(usize::from(i).checked_sub(1)?))
            .collect()
    };
    let mut h =
        HeifHeader { bits: 8, item_type: String::from_utf8_lossy(&item_type).into_owned(), ..HeifHeader::default() };
    for p in props_of(primary) {
        let mut c = Cursor(p.body, 0);
        match &p.kind {
            b"ispe" => {
                c.1 = 4;
                h.width = c.u32().ok_or_else(|| corrupt("ispe"))?;
                h.height = c.u32().ok_or_else(|| corrupt("ispe"))?;
            }
            b"irot" => h.rotation = c.u8().ok_or_else(|| corrupt("irot"))? & 3,
            // Transforms apply in the order they are associated: a crop after a quarter turn
            // is expressed in the turned frame.
            b"clap" => {
                let turned = h.rotation % 2 == 1;
                let (w, hh) = h.cropped.unwrap_or((h.width, h.height));
                h.cropped = Some(if turned {
                    let (cw, ch) = clean_aperture(p.body, (hh, w))?;
                    (ch, cw)
                } else {
                    clean_aperture(p.body, (w, hh))?
                });
            }
            b"imir" => h.mirrored = true,
            b"pixi" => {
                c.1 = 4;
                let n = c.u8().unwrap_or(0);
                if n > 0 {
                    h.bits = c.u8().unwrap_or(8);
                }
            }
            b"colr" => match &c.fourcc().ok_or_else(|| corrupt("colr"))? {
                b"nclx" => {
                    let (Some(pr), Some(tr), Some(mx), Some(fr)) = (c.u16(), c.u16(), c.u16(), c.u8()) else {
                        return Err(corrupt("colr nclx"));
                    };
                    h.nclx = Some((pr, tr, mx, fr & 0x80 != 0));
                }
                b"prof" | b"rICC" => h.icc = Some(c.rest().to_vec()),
                _ => {}
            },
            _ => {}
        }
    }
    // An auxiliary image is the alpha plane only if its `auxC` says so: iPhones also attach
    // depth maps and HDR gain maps to the primary image with `auxl`.
    let is_alpha = |item: u32| {
        props_of(item).into_iter().any(|p| {
            &p.kind == b"auxC" && {
                let urn = p.body.get(4..).unwrap_or_default();
                let urn = urn.split(|&b| b == 0).next().unwrap_or_default();
                ALPHA_URNS.iter().any(|a| a.as_bytes() == urn)
            }
        })
    };
    h.has_alpha = refs.iter().any(|(kind, from, to)| kind == b"auxl" && to.contains(&primary) && is_alpha(*from));
    if &item_type == b"grid" {
        let tiles: Vec<u32> = refs
            .iter()
            .filter(|(kind, from, _)| kind == b"dimg" && *from == primary)
            .flat_map(|(_, _, to)| to.clone())
            .collect();
        h.tiles = tiles.len();
        if h.tiles == 0 {
            return Err(corrupt("a grid without tiles"));
        }
        if h.tiles > MAX_GRID_TILES {
            return Err(corrupt(&format!("a grid of {} tiles (at most {MAX_GRID_TILES})", h.tiles)));
        }
        // The tiles must not add up to far more pixels than the image they make.
        if let Some(&first) = tiles.first() {
            let (tw, th) = props_of(first)
                .into_iter()
                .find(|p| &p.kind == b"ispe")
                .and_then(|p| {
                    let mut c = Cursor(p.body, 4);
                    Some((c.u32()?, c.u32()?))
                })
                .ok_or_else(|| corrupt("a grid tile without a size"))?;
            let tile_px = u64::from(tw) * u64::from(th) * h.tiles as u64;
            let image_px = u64::from(h.width) * u64::from(h.height);
            if tile_px > image_px.saturating_mul(4).saturating_add(1 << 22) {
                return Err(corrupt(&format!("{} tiles of {tw}×{th} for a {}×{} image", h.tiles, h.width, h.height)));
            }
        }
        // The codec and the alpha of the tiles.
        if let Some((_, t)) = tiles.first().and_then(|f| types.iter().find(|(id, _)| id == f)) {
            h.item_type = format!("grid/{}", String::from_utf8_lossy(t));
        }
    }
    if h.width == 0 || h.height == 0 {
        return Err(corrupt("the primary image has no size (ispe)"));
    }
    Ok(h)
}

/// Reads the top-level boxes of the file at `path` (seeking past `mdat`), and parses `meta`.
pub fn read_header(path: &Path) -> Result<HeifHeader, MediaError> {
    let io = |e: std::io::Error| MediaError::Io(e.to_string());
    let mut f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut pos = 0u64;
    for _ in 0..64 {
        if pos + 8 > len {
            break;
        }
        f.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut head = [0u8; 16];
        let got = f.by_ref().take(16).read(&mut head).map_err(io)?;
        if got < 8 {
            break;
        }
        let mut size = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let mut header = 8;
        if size == 1 {
            if got < 16 {
                break;
            }
            size = u64::from_be_bytes([head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15]]);
            header = 16;
        } else if size == 0 {
            size = len - pos;
        }
        if size < header || pos + size > len {
            return Err(corrupt("a box runs past the end of the file (truncated?)"));
        }
        if &head[4..8] == b"meta" {
            if size - header > MAX_META_BYTES {
                return Err(corrupt("meta box over 4 MiB"));
            }
            let mut meta = vec![0u8; (size - header) as usize];
            f.seek(SeekFrom::Start(pos + header)).map_err(io)?;
            f.read_exact(&mut meta).map_err(io)?;
            return parse_meta(&meta);
        }
        pos += size;
    }
    Err(corrupt("no meta box"))
}

/// Header facts (upright size after `irot`, alpha, profile) with the profile's pixel limit
/// checked before any decoder runs.
pub fn probe_file(path: &Path, format: ImageFormat, max_pixels: u64) -> Result<ImageInfo, MediaError> {
    let h = read_header(path)?;
    if h.width > MAX_SIDE || h.height > MAX_SIDE || u64::from(h.width) * u64::from(h.height) > max_pixels {
        let (w, hh) = if h.rotation % 2 == 1 { (h.height, h.width) } else { (h.width, h.height) };
        return Err(MediaError::TooManyPixels { width: w, height: hh, limit: max_pixels });
    }
    if h.width > MAX_DECODER_SIDE || h.height > MAX_DECODER_SIDE {
        return Err(MediaError::OverLimits(format!(
            "{}×{}: the HEIF decoder takes at most {MAX_DECODER_SIDE} px a side",
            h.width, h.height
        )));
    }
    // libheif applies the transforms while decoding: the decoded image is already cropped and
    // upright.
    let (w, hh) = h.upright();
    let color = format!("{}{}", if h.has_alpha { "rgba" } else { "rgb" }, h.bits);
    let mut info = oriented_info(format, w, hh, 1, color, h.has_alpha, false).with_icc(h.icc.clone());
    if info.icc.is_none()
        && let Some((primaries, transfer, _, _)) = h.nclx
    {
        info = info.with_icc(super::colour::icc_from_cicp(primaries, transfer));
    }
    info.heif = Some(HeifFacts { codec: h.item_type, bits: h.bits, tiles: h.tiles });
    Ok(info)
}

/// What a HEIF's header said, recorded with the upload's facts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeifFacts {
    /// `hvc1`, `av01`, or `grid/hvc1`…
    pub codec: String,
    pub bits: u8,
    pub tiles: usize,
}

/// Reads the child's output: the raw header and exactly the pixels it announces.
pub fn read_decoded(path: &Path, info: &ImageInfo) -> Result<Raster, MediaError> {
    let io = |e: std::io::Error| MediaError::Io(e.to_string());
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 20];
    f.read_exact(&mut head).map_err(|_| MediaError::Corrupt("the decoder wrote no image".into()))?;
    let u = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    let (w, h, channels) = (u(8), u(12), u(16));
    if &head[..8] != b"UPLDRAW1" || !(channels == 3 || channels == 4) {
        return Err(MediaError::Corrupt("the decoder wrote an unreadable image".into()));
    }
    if (w, h) != (info.stored_width, info.stored_height) {
        return Err(MediaError::Corrupt(format!(
            "the decoded image is {w}×{h}, the header said {}×{}",
            info.stored_width, info.stored_height
        )));
    }
    let size = usize::try_from(u64::from(w) * u64::from(h) * u64::from(channels))
        .map_err(|_| MediaError::Corrupt("image too large".into()))?;
    let mut pixels = vec![0u8; size];
    f.read_exact(&mut pixels).map_err(|_| MediaError::Corrupt("the decoder's output is truncated".into()))?;
    Raster::new(pixels, w, h, channels as u8)
}

/// Why the child could not decode (its exit code and the first word of its message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeFailure {
    Corrupt,
    TooManyPixels,
    Unsupported,
    Io,
    /// An allocation failed (the child's memory cap).
    Memory,
}

impl DecodeFailure {
    /// The word the child prints before its message, which the daemon maps back.
    pub fn tag(self) -> &'static str {
        match self {
            DecodeFailure::Corrupt => "corrupt",
            DecodeFailure::TooManyPixels => "too_many_pixels",
            DecodeFailure::Unsupported => "unsupported",
            DecodeFailure::Io => "io",
            DecodeFailure::Memory => "memory",
        }
    }

    /// What the child's last `heif-decode: <tag>: <message>` line on stderr says.
    pub fn from_stderr(stderr: &str) -> (DecodeFailure, String) {
        let msg = stderr.rsplit_once("heif-decode: ").map_or(stderr, |(_, m)| m);
        let msg = msg.split(" | ").next().unwrap_or(msg);
        let (tag, detail) = msg.split_once(": ").unwrap_or(("", msg));
        let kind = [DecodeFailure::TooManyPixels, DecodeFailure::Unsupported, DecodeFailure::Io, DecodeFailure::Memory]
            .into_iter()
            .find(|k| k.tag() == tag)
            .unwrap_or(DecodeFailure::Corrupt);
        // libheif ends some messages with a space or a newline.
        (kind, crate::units::printable(detail.trim(), 300))
    }
}

/// The child's work: decode `input` into the raw file `output`.
pub fn decode_to_file(
    input: &Path,
    output: &Path,
    max_pixels: u64,
    threads: i32,
) -> Result<(), (DecodeFailure, String)> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| (DecodeFailure::Io, "a path with a NUL byte".to_owned()))
    };
    let (input, output) = (c(input)?, c(output)?);
    let mut msg = vec![0u8; 512];
    // SAFETY: both paths are NUL-terminated and live across the call; `msg` is writable for
    // its length, which the shim never exceeds (snprintf).
    let rc = unsafe {
        uploadd_heif_decode(input.as_ptr(), output.as_ptr(), max_pixels, threads, msg.as_mut_ptr().cast(), msg.len())
    };
    let text = || {
        let end = msg.iter().position(|&b| b == 0).unwrap_or(msg.len());
        String::from_utf8_lossy(&msg[..end]).into_owned()
    };
    match rc {
        0 => Ok(()),
        2 => Err((DecodeFailure::TooManyPixels, text())),
        3 => Err((DecodeFailure::Unsupported, text())),
        4 => Err((DecodeFailure::Io, text())),
        5 => Err((DecodeFailure::Memory, text())),
        _ => Err((DecodeFailure::Corrupt, text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    fn full(kind: &[u8; 4], version: u8, flags: u8, body: &[u8]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, flags];
        b.extend_from_slice(body);
        boxed(kind, &b)
    }

    /// A `meta` body: item 1 is the primary (`kind`), items 2.. are grid tiles if any.
    fn meta(kind: &[u8; 4], size: (u32, u32), irot: Option<u8>, tiles: u16, tile: (u32, u32)) -> Vec<u8> {
        let mut m = vec![0, 0, 0, 0];
        m.extend(full(b"pitm", 0, 0, &1u16.to_be_bytes()));
        let mut infe = Vec::new();
        let mut items = vec![(1u16, *kind)];
        for t in 0..tiles {
            items.push((2 + t, *b"hvc1"));
        }
        for (id, k) in &items {
            let mut e = id.to_be_bytes().to_vec();
            e.extend_from_slice(&[0, 0]);
            e.extend_from_slice(k);
            infe.extend(full(b"infe", 2, 0, &e));
        }
        let mut iinf = (items.len() as u16).to_be_bytes().to_vec();
        iinf.extend(infe);
        m.extend(full(b"iinf", 0, 0, &iinf));
        if tiles > 0 {
            let mut dimg = 1u16.to_be_bytes().to_vec();
            dimg.extend_from_slice(&tiles.to_be_bytes());
            for t in 0..tiles {
                dimg.extend_from_slice(&(2 + t).to_be_bytes());
            }
            m.extend(full(b"iref", 0, 0, &boxed(b"dimg", &dimg)));
        }
        let mut ispe = size.0.to_be_bytes().to_vec();
        ispe.extend_from_slice(&size.1.to_be_bytes());
        let mut tile_ispe = tile.0.to_be_bytes().to_vec();
        tile_ispe.extend_from_slice(&tile.1.to_be_bytes());
        let mut ipco = full(b"ispe", 0, 0, &ispe);
        ipco.extend(full(b"ispe", 0, 0, &tile_ispe));
        let mut assoc_primary = vec![0x81u8];
        if let Some(r) = irot {
            ipco.extend(boxed(b"irot", &[r]));
            assoc_primary.push(0x83);
        }
        let mut ipma = (1 + u32::from(tiles)).to_be_bytes().to_vec();
        ipma.extend_from_slice(&1u16.to_be_bytes());
        ipma.push(assoc_primary.len() as u8);
        ipma.extend_from_slice(&assoc_primary);
        for t in 0..tiles {
            ipma.extend_from_slice(&(2 + t).to_be_bytes());
            ipma.extend_from_slice(&[1, 0x82]);
        }
        let mut iprp = boxed(b"ipco", &ipco);
        iprp.extend(full(b"ipma", 0, 0, &ipma));
        m.extend(boxed(b"iprp", &iprp));
        m
    }

    #[test]
    fn a_rotated_single_image_reports_its_stored_size_and_rotation() {
        let h = parse_meta(&meta(b"hvc1", (4032, 3024), Some(3), 0, (0, 0))).unwrap();
        assert_eq!((h.width, h.height, h.rotation, h.tiles), (4032, 3024, 3, 0));
        assert_eq!(h.item_type, "hvc1");
    }

    /// A single `hvc1` image of `size` with `props` (kind, body) associated in that order.
    fn with_props(size: (u32, u32), props: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut m = vec![0, 0, 0, 0];
        m.extend(full(b"pitm", 0, 0, &1u16.to_be_bytes()));
        let mut iinf = 1u16.to_be_bytes().to_vec();
        iinf.extend(full(b"infe", 2, 0, &[0, 1, 0, 0, b'h', b'v', b'c', b'1']));
        m.extend(full(b"iinf", 0, 0, &iinf));
        let mut ispe = size.0.to_be_bytes().to_vec();
        ispe.extend_from_slice(&size.1.to_be_bytes());
        let mut ipco = full(b"ispe", 0, 0, &ispe);
        let mut assoc = vec![0x81u8];
        for (i, (kind, body)) in props.iter().enumerate() {
            ipco.extend(boxed(kind, body));
            assoc.push(0x82 + i as u8);
        }
        let mut ipma = 1u32.to_be_bytes().to_vec();
        ipma.extend_from_slice(&1u16.to_be_bytes());
        ipma.push(assoc.len() as u8);
        ipma.extend_from_slice(&assoc);
        let mut iprp = boxed(b"ipco", &ipco);
        iprp.extend(full(b"ipma", 0, 0, &ipma));
        m.extend(boxed(b"iprp", &iprp));
        m
    }

    /// A `clap` body: width/1, height/1, centred (offsets 0/1).
    fn clap(w: u32, h: u32) -> Vec<u8> {
        [w, 1, h, 1, 0, 1, 0, 1].iter().flat_map(|v| v.to_be_bytes()).collect()
    }

    #[test]
    fn a_clean_aperture_crops_the_size_in_the_frame_it_follows() {
        // libheif pads 101×77 to 102×78 for HEVC and crops back with `clap`.
        let h = parse_meta(&with_props((102, 78), &[(b"clap", clap(101, 77))])).unwrap();
        assert_eq!((h.width, h.height, h.cropped), (102, 78, Some((101, 77))));
        // Before a quarter turn, the crop is in the stored frame; after it, in the turned one.
        let before = parse_meta(&with_props((102, 78), &[(b"clap", clap(101, 77)), (b"irot", vec![1])])).unwrap();
        assert_eq!(before.cropped, Some((101, 77)));
        assert_eq!(before.upright(), (77, 101));
        let after = parse_meta(&with_props((102, 78), &[(b"irot", vec![1]), (b"clap", clap(77, 101))])).unwrap();
        assert_eq!(after.upright(), (77, 101));
        // Rounded as libheif rounds a fraction: 201/2 = 100.5 → 101.
        let half: Vec<u8> = [201u32, 2, 77, 1, 0, 1, 0, 1].iter().flat_map(|v| v.to_be_bytes()).collect();
        assert_eq!(parse_meta(&with_props((102, 78), &[(b"clap", half)])).unwrap().upright(), (101, 77));
        // A crop larger than the picture, empty, or with a zero denominator is corrupt.
        for bad in
            [clap(103, 77), clap(0, 77), [101u32, 0, 77, 1, 0, 1, 0, 1].iter().flat_map(|v| v.to_be_bytes()).collect()]
        {
            let e = parse_meta(&with_props((102, 78), &[(b"clap", bad)])).unwrap_err();
            assert!(e.to_string().contains("clap"), "{e}");
        }
        assert!(parse_meta(&with_props((102, 78), &[(b"clap", vec![0; 7])])).is_err(), "short clap");
    }

    /// A primary `hvc1` image (item 1) with one auxiliary image (item 2) of type `urn`.
    fn with_aux(urn: &str) -> Vec<u8> {
        let mut m = vec![0, 0, 0, 0];
        m.extend(full(b"pitm", 0, 0, &1u16.to_be_bytes()));
        let mut iinf = 2u16.to_be_bytes().to_vec();
        iinf.extend(full(b"infe", 2, 0, &[0, 1, 0, 0, b'h', b'v', b'c', b'1']));
        iinf.extend(full(b"infe", 2, 0, &[0, 2, 0, 0, b'h', b'v', b'c', b'1']));
        m.extend(full(b"iinf", 0, 0, &iinf));
        m.extend(full(b"iref", 0, 0, &boxed(b"auxl", &[0, 2, 0, 1, 0, 1])));
        let mut ipco = full(b"ispe", 0, 0, &[0, 0, 0, 64, 0, 0, 0, 48]);
        let mut urn = urn.as_bytes().to_vec();
        urn.push(0);
        ipco.extend(full(b"auxC", 0, 0, &urn));
        let ipma = [0, 0, 0, 2, 0, 1, 1, 0x81, 0, 2, 2, 0x81, 0x82];
        let mut iprp = boxed(b"ipco", &ipco);
        iprp.extend(full(b"ipma", 0, 0, &ipma));
        m.extend(boxed(b"iprp", &iprp));
        m
    }

    #[test]
    fn only_an_alpha_plane_makes_alpha_not_a_depth_map_or_gain_map() {
        assert!(parse_meta(&with_aux("urn:mpeg:hevc:2015:auxid:1")).unwrap().has_alpha);
        assert!(parse_meta(&with_aux("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha")).unwrap().has_alpha);
        assert!(!parse_meta(&with_aux("urn:com:apple:photo:2020:aux:hdrgainmap")).unwrap().has_alpha);
        assert!(!parse_meta(&with_aux("urn:mpeg:hevc:2015:auxid:2")).unwrap().has_alpha, "a depth map");
    }

    #[test]
    fn grids_are_counted_and_absurd_ones_refused() {
        let h = parse_meta(&meta(b"grid", (1024, 768), None, 4, (512, 384))).unwrap();
        assert_eq!((h.tiles, h.item_type.as_str()), (4, "grid/hvc1"));
        // 5000 declared tiles: over the cap.
        let e = parse_meta(&meta(b"grid", (1024, 768), None, 5000, (16, 16))).unwrap_err();
        assert!(e.to_string().contains("5000 tiles"), "{e}");
        // Tiles adding up to far more than the image.
        let e = parse_meta(&meta(b"grid", (64, 64), None, 100, (4096, 4096))).unwrap_err();
        assert!(e.to_string().contains("100 tiles of 4096×4096"), "{e}");
    }

    /// A whole HEIF file: `ftyp`, `meta` (with `hdlr` and an `iloc` giving item 1 `extents`
    /// one-byte extents) and an `mdat`.
    fn file_with_extents(extents: u16) -> Vec<u8> {
        let mut body = meta(b"hvc1", (64, 64), None, 0, (0, 0));
        let mut hdlr = vec![0u8; 4];
        hdlr.extend_from_slice(b"pict");
        hdlr.extend_from_slice(&[0; 13]);
        let mut iloc = vec![0x44, 0x00];
        iloc.extend_from_slice(&1u16.to_be_bytes());
        iloc.extend_from_slice(&1u16.to_be_bytes());
        iloc.extend_from_slice(&0u16.to_be_bytes());
        iloc.extend_from_slice(&extents.to_be_bytes());
        for i in 0..u32::from(extents) {
            iloc.extend_from_slice(&i.to_be_bytes());
            iloc.extend_from_slice(&1u32.to_be_bytes());
        }
        let mut m = body.drain(..4).collect::<Vec<u8>>();
        m.extend(full(b"hdlr", 0, 0, &hdlr));
        m.extend(body);
        m.extend(full(b"iloc", 0, 0, &iloc));
        let mut f = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
        f.extend(boxed(b"meta", &m));
        f.extend(boxed(b"mdat", &vec![0u8; usize::from(extents)]));
        f
    }

    #[test]
    fn a_file_over_a_structural_limit_of_libheif_is_unsupported_not_out_of_memory() {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (dir.path().join("in.heic"), dir.path().join("out.raw"));
        // libheif refuses more than 32 extents per item with a "memory allocation error"; the
        // file needs no memory, so "too_much_memory" would send the producer the wrong way.
        std::fs::write(&input, file_with_extents(40)).unwrap();
        let (kind, msg) = decode_to_file(&input, &output, 1 << 20, 1).unwrap_err();
        assert_eq!(kind, DecodeFailure::Unsupported, "{msg}");
        assert!(msg.contains("extents"), "{msg}");
        // The same file within the limit gets past it (and fails later, on its empty data).
        std::fs::write(&input, file_with_extents(2)).unwrap();
        let (kind, msg) = decode_to_file(&input, &output, 1 << 20, 1).unwrap_err();
        assert!(!msg.contains("security limit"), "{kind:?}: {msg}");
    }

    #[test]
    fn the_childs_message_is_read_back_without_libheifs_trailing_whitespace() {
        let stderr = "heif-decode: corrupt: decoding failed: Invalid input: Extent in iloc box references data outside of file bounds (points to file position 275) \n";
        let (kind, msg) = DecodeFailure::from_stderr(stderr);
        assert_eq!(kind, DecodeFailure::Corrupt);
        assert!(msg.ends_with("(points to file position 275)"), "{msg:?}");
        let (kind, msg) = DecodeFailure::from_stderr("heif-decode: unsupported: no decoder for this codec\n");
        assert_eq!((kind, msg.as_str()), (DecodeFailure::Unsupported, "no decoder for this codec"));
    }

    #[test]
    fn hostile_meta_boxes_are_errors_not_panics() {
        let good = meta(b"grid", (1024, 768), None, 4, (512, 384));
        for cut in 0..good.len() {
            let _ = parse_meta(&good[..cut]);
        }
        let mut flipped = good.clone();
        for i in (4..flipped.len()).step_by(7) {
            flipped[i] ^= 0xFF;
            let _ = parse_meta(&flipped);
        }
        assert!(parse_meta(&[]).is_err());
    }
}
