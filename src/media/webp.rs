//! libwebp (through `libwebp-sys`, statically linked from its vendored libwebp 1.6.0, the same
//! release Pillow 13 bundles): lossy encode with an explicit config, animated encode (libwebp's
//! `WebPAnimEncoder`, frame by frame), and still-image decode straight into our own buffer.
//!
//! The only `unsafe` in the image path lives here; every pointer handed to libwebp points into
//! a live Rust buffer whose length libwebp is told.

use std::ffi::c_int;

use libwebp_sys as sys;

use super::raster::Raster;

/// What a still WebP holds, from its header alone.
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub animated: bool,
}

/// Reads the bitstream features (no pixel is decoded). `None` if libwebp cannot parse them.
pub fn features(data: &[u8]) -> Option<Features> {
    let mut f = std::mem::MaybeUninit::<sys::WebPBitstreamFeatures>::zeroed();
    // SAFETY: `data` is a live slice of the given length; `f` is written by libwebp.
    let status = unsafe { sys::WebPGetFeatures(data.as_ptr(), data.len(), f.as_mut_ptr()) };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return None;
    }
    // SAFETY: VP8_STATUS_OK means libwebp filled the struct.
    let f = unsafe { f.assume_init() };
    Some(Features {
        width: u32::try_from(f.width).ok()?,
        height: u32::try_from(f.height).ok()?,
        has_alpha: f.has_alpha != 0,
        animated: f.has_animation != 0,
    })
}

/// Decodes a still WebP to RGB (opaque) or RGBA (straight alpha). `None` for anything libwebp
/// refuses (animations included); the caller falls back to another decoder.
pub fn decode(data: &[u8], f: Features) -> Option<Raster> {
    if f.animated {
        return None;
    }
    let channels: u8 = if f.has_alpha { 4 } else { 3 };
    let (w, h) = (f.width, f.height);
    let stride = w as usize * usize::from(channels);
    let mut pixels = vec![0u8; stride.checked_mul(h as usize)?];

    let mut config = sys::WebPDecoderConfig::new().ok()?;
    config.output.colorspace = if channels == 4 { sys::WEBP_CSP_MODE::MODE_RGBA } else { sys::WEBP_CSP_MODE::MODE_RGB };
    config.output.is_external_memory = 1;
    config.output.u.RGBA =
        sys::WebPRGBABuffer { rgba: pixels.as_mut_ptr(), stride: c_int::try_from(stride).ok()?, size: pixels.len() };
    // SAFETY: the output buffer is `pixels` (external memory, length and stride given), which
    // outlives the call; libwebp checks that the image fits it before writing.
    let status = unsafe { sys::WebPDecode(data.as_ptr(), data.len(), &mut config) };
    // SAFETY: frees only what libwebp allocated itself (nothing, with external memory).
    unsafe { sys::WebPFreeDecBuffer(&mut config.output) };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return None;
    }
    Raster::new(pixels, w, h, channels).ok()
}

/// libwebp's lossy settings: `quality`, `method` (its speed/size trade-off, 0–6), one thread.
fn lossy_config(quality: f32, method: u8) -> Result<sys::WebPConfig, String> {
    let mut config = sys::WebPConfig::new().map_err(|()| "libwebp rejected its default config".to_owned())?;
    config.quality = quality;
    config.method = c_int::from(method);
    config.thread_level = 0;
    // SAFETY: `config` is a plain initialised struct.
    if unsafe { sys::WebPValidateConfig(&config) } == 0 {
        return Err(format!("invalid libwebp config (quality {quality}, method {method})"));
    }
    Ok(config)
}

/// Lossy WebP of an RGB or RGBA raster. `method` is libwebp's speed/size trade-off (0–6);
/// one thread (the caller's pool decides concurrency); sharp YUV off (libwebp's default).
pub fn encode(r: &Raster, quality: f32, method: u8) -> Result<Vec<u8>, String> {
    let config = lossy_config(quality, method)?;
    let mut picture = sys::WebPPicture::new().map_err(|()| "libwebp could not initialise a picture".to_owned())?;
    picture.use_argb = 0;
    picture.width = c_int::try_from(r.width).map_err(|e| e.to_string())?;
    picture.height = c_int::try_from(r.height).map_err(|e| e.to_string())?;
    let stride = c_int::try_from(r.width as usize * usize::from(r.channels)).map_err(|e| e.to_string())?;
    let mut writer = std::mem::MaybeUninit::<sys::WebPMemoryWriter>::zeroed();
    // SAFETY: `writer` is initialised by libwebp before use and freed below.
    unsafe { sys::WebPMemoryWriterInit(writer.as_mut_ptr()) };
    // SAFETY: WebPMemoryWriterInit set every field (an empty buffer).
    let mut writer = unsafe { writer.assume_init() };
    // SAFETY: `r.pixels` holds width × height × channels bytes (Raster's invariant) and outlives
    // the import, which copies them into the picture's own YUV planes.
    let imported = unsafe {
        if r.channels == 4 {
            sys::WebPPictureImportRGBA(&mut picture, r.pixels.as_ptr(), stride)
        } else {
            sys::WebPPictureImportRGB(&mut picture, r.pixels.as_ptr(), stride)
        }
    };
    let result = if imported == 0 {
        Err(format!("libwebp could not import the picture (error {:?})", picture.error_code))
    } else {
        picture.writer = Some(sys::WebPMemoryWrite);
        picture.custom_ptr = (&raw mut writer).cast();
        // SAFETY: `picture` and `writer` are initialised and live for the call.
        if unsafe { sys::WebPEncode(&config, &mut picture) } == 0 {
            Err(format!("libwebp encode failed (error {:?})", picture.error_code))
        } else if writer.mem.is_null() {
            Err("libwebp produced no output".to_owned())
        } else {
            // SAFETY: libwebp wrote `writer.size` bytes at `writer.mem`.
            Ok(unsafe { std::slice::from_raw_parts(writer.mem, writer.size) }.to_vec())
        }
    };
    // SAFETY: both were initialised by libwebp; each free is called once.
    unsafe {
        sys::WebPPictureFree(&mut picture);
        sys::WebPMemoryWriterClear(&mut writer);
    }
    result
}

/// Builds an animated WebP one frame at a time (libwebp picks key frames and sub-rectangles).
pub struct AnimEncoder {
    enc: *mut sys::WebPAnimEncoder,
    config: sys::WebPConfig,
    width: u32,
    height: u32,
    timestamp_ms: c_int,
}

// SAFETY: the encoder is owned by this value alone and libwebp keeps no thread-local state for
// it; it may move to another thread (it is never shared).
unsafe impl Send for AnimEncoder {}

impl AnimEncoder {
    /// An encoder for `width`×`height` frames, looping forever, lossy at `quality`.
    pub fn new(width: u32, height: u32, quality: f32, method: u8) -> Result<AnimEncoder, String> {
        let config = lossy_config(quality, method)?;
        let mut opts = std::mem::MaybeUninit::<sys::WebPAnimEncoderOptions>::zeroed();
        // SAFETY: libwebp initialises every field of `opts` (checked by its return value).
        let ok =
            unsafe { sys::WebPAnimEncoderOptionsInitInternal(opts.as_mut_ptr(), sys::WEBP_MUX_ABI_VERSION as c_int) };
        if ok == 0 {
            return Err("libwebp could not initialise the animation options".to_owned());
        }
        // SAFETY: initialised just above.
        let mut opts = unsafe { opts.assume_init() };
        opts.anim_params.loop_count = 0;
        let (w, h) =
            (c_int::try_from(width).map_err(|e| e.to_string())?, c_int::try_from(height).map_err(|e| e.to_string())?);
        // SAFETY: `opts` is initialised and outlives the call (libwebp copies it).
        let enc = unsafe { sys::WebPAnimEncoderNewInternal(w, h, &opts, sys::WEBP_MUX_ABI_VERSION as c_int) };
        if enc.is_null() {
            return Err(format!("libwebp could not create a {width}×{height} animation encoder"));
        }
        Ok(AnimEncoder { enc, config, width, height, timestamp_ms: 0 })
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Adds a frame (RGB or straight RGBA, the encoder's size) shown for `duration_ms`.
    pub fn add(&mut self, r: &Raster, duration_ms: c_int) -> Result<(), String> {
        if (r.width, r.height) != (self.width, self.height) {
            return Err(format!("a {}×{} frame for a {}×{} animation", r.width, r.height, self.width, self.height));
        }
        let mut picture = sys::WebPPicture::new().map_err(|()| "libwebp could not initialise a picture".to_owned())?;
        picture.use_argb = 1;
        picture.width = c_int::try_from(r.width).map_err(|e| e.to_string())?;
        picture.height = c_int::try_from(r.height).map_err(|e| e.to_string())?;
        let stride = c_int::try_from(r.width as usize * usize::from(r.channels)).map_err(|e| e.to_string())?;
        // SAFETY: `r.pixels` holds width × height × channels bytes (Raster's invariant); the
        // import copies them into the picture's own buffer.
        let imported = unsafe {
            if r.channels == 4 {
                sys::WebPPictureImportRGBA(&mut picture, r.pixels.as_ptr(), stride)
            } else {
                sys::WebPPictureImportRGB(&mut picture, r.pixels.as_ptr(), stride)
            }
        };
        // SAFETY: `self.enc` is live; `picture` and `config` are initialised for the call.
        let added = imported != 0
            && unsafe { sys::WebPAnimEncoderAdd(self.enc, &mut picture, self.timestamp_ms, &self.config) } != 0;
        // SAFETY: initialised by libwebp; freed once.
        unsafe { sys::WebPPictureFree(&mut picture) };
        if !added {
            return Err(format!("libwebp could not add a frame: {}", self.error()));
        }
        self.timestamp_ms = self.timestamp_ms.saturating_add(duration_ms.max(1));
        Ok(())
    }

    fn error(&self) -> String {
        // SAFETY: `self.enc` is live; libwebp returns a NUL-terminated static or owned string.
        let msg = unsafe { sys::WebPAnimEncoderGetError(self.enc) };
        if msg.is_null() {
            return "unknown error".to_owned();
        }
        // SAFETY: non-null, NUL-terminated (see above), valid until the next call on `enc`.
        unsafe { std::ffi::CStr::from_ptr(msg) }.to_string_lossy().into_owned()
    }

    /// The animated WebP file.
    pub fn finish(self) -> Result<Vec<u8>, String> {
        // SAFETY: a null frame marks the end, at the time the last frame stops showing.
        let ended =
            unsafe { sys::WebPAnimEncoderAdd(self.enc, std::ptr::null_mut(), self.timestamp_ms, std::ptr::null()) };
        if ended == 0 {
            return Err(format!("libwebp could not end the animation: {}", self.error()));
        }
        let mut data = sys::WebPData { bytes: std::ptr::null(), size: 0 };
        // SAFETY: `self.enc` is live; `data` receives a buffer libwebp allocated.
        let ok = unsafe { sys::WebPAnimEncoderAssemble(self.enc, &mut data) };
        let out = if ok == 0 || data.bytes.is_null() {
            Err(format!("libwebp could not assemble the animation: {}", self.error()))
        } else {
            // SAFETY: libwebp wrote `data.size` bytes at `data.bytes`.
            Ok(unsafe { std::slice::from_raw_parts(data.bytes, data.size) }.to_vec())
        };
        // SAFETY: frees what Assemble allocated (a no-op on null).
        unsafe { sys::WebPDataClear(&mut data) };
        out
    }
}

impl Drop for AnimEncoder {
    fn drop(&mut self) {
        // SAFETY: created by WebPAnimEncoderNewInternal and deleted exactly once, here.
        unsafe { sys::WebPAnimEncoderDelete(self.enc) };
    }
}

/// The first frame of an animated WebP (the canvas after it, RGBA); `None` if libwebp cannot
/// decode it.
pub fn first_frame(data: &[u8]) -> Option<Raster> {
    let mut d = AnimDecoder::new(data)?;
    let (w, h) = d.size();
    let (pixels, _) = d.next_frame()?.ok()?;
    Raster::new(pixels, w, h, 4).ok()
}

/// An animated WebP decoded frame by frame by libwebp's `WebPAnimDecoder` (what Pillow and
/// browsers use): blending and disposal applied, every frame the whole canvas in straight RGBA.
/// It reads `data` in place, so it borrows it.
pub struct AnimDecoder<'a> {
    dec: *mut sys::WebPAnimDecoder,
    width: u32,
    height: u32,
    /// Frames returned so far (the demuxer numbers frames from 1).
    returned: c_int,
    _data: std::marker::PhantomData<&'a [u8]>,
}

impl<'a> AnimDecoder<'a> {
    /// `None` if libwebp cannot read the container or its first frame's header.
    pub fn new(data: &'a [u8]) -> Option<AnimDecoder<'a>> {
        let mut opts = std::mem::MaybeUninit::<sys::WebPAnimDecoderOptions>::zeroed();
        // SAFETY: libwebp initialises every field of `opts` (checked by its return value).
        let ok =
            unsafe { sys::WebPAnimDecoderOptionsInitInternal(opts.as_mut_ptr(), sys::WEBP_DEMUX_ABI_VERSION as c_int) };
        if ok == 0 {
            return None;
        }
        // SAFETY: initialised just above.
        let mut opts = unsafe { opts.assume_init() };
        opts.color_mode = sys::WEBP_CSP_MODE::MODE_RGBA;
        opts.use_threads = 0;
        let webp = sys::WebPData { bytes: data.as_ptr(), size: data.len() };
        // SAFETY: `webp` points into `data`, which outlives the decoder (`'a`); libwebp copies
        // the options and validates the container before returning a decoder.
        let dec = unsafe { sys::WebPAnimDecoderNewInternal(&webp, &opts, sys::WEBP_DEMUX_ABI_VERSION as c_int) };
        if dec.is_null() {
            return None;
        }
        let mut info = std::mem::MaybeUninit::<sys::WebPAnimInfo>::zeroed();
        // SAFETY: `dec` is live; `info` is written by libwebp.
        if unsafe { sys::WebPAnimDecoderGetInfo(dec, info.as_mut_ptr()) } == 0 {
            // SAFETY: created above, deleted once.
            unsafe { sys::WebPAnimDecoderDelete(dec) };
            return None;
        }
        // SAFETY: written by the successful call above.
        let info = unsafe { info.assume_init() };
        Some(AnimDecoder {
            dec,
            width: info.canvas_width,
            height: info.canvas_height,
            returned: 0,
            _data: std::marker::PhantomData,
        })
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The next frame (the canvas, RGBA) and how long it shows in milliseconds; `None` after
    /// the last one, an error for a frame libwebp cannot decode.
    pub fn next_frame(&mut self) -> Option<Result<(Vec<u8>, c_int), String>> {
        // SAFETY: `self.dec` is live.
        if unsafe { sys::WebPAnimDecoderHasMoreFrames(self.dec) } == 0 {
            return None;
        }
        let (mut buf, mut ends_ms) = (std::ptr::null_mut(), 0);
        // SAFETY: `self.dec` is live; `buf` and `ends_ms` are written by libwebp.
        let ok = unsafe { sys::WebPAnimDecoderGetNext(self.dec, &mut buf, &mut ends_ms) };
        if ok == 0 || buf.is_null() {
            return Some(Err("libwebp cannot decode a frame of this animation".to_owned()));
        }
        let len = self.width as usize * self.height as usize * 4;
        // SAFETY: in MODE_RGBA, libwebp's canvas is width × height × 4 bytes, valid until the
        // next call on the decoder; it is copied out at once.
        let pixels = unsafe { std::slice::from_raw_parts(buf, len) }.to_vec();
        self.returned += 1;
        // The frame's own duration, not the difference of libwebp's `int` end times: those
        // overflow once the durations add up past 24.8 days (a hostile file needs 129 frames).
        let mut iter = std::mem::MaybeUninit::<sys::WebPIterator>::zeroed();
        // SAFETY: `self.dec` is live and owns its demuxer; `iter` is written by libwebp and
        // released once, below.
        let shows = unsafe {
            let demux = sys::WebPAnimDecoderGetDemuxer(self.dec);
            if demux.is_null() || sys::WebPDemuxGetFrame(demux, self.returned, iter.as_mut_ptr()) == 0 {
                return Some(Err("libwebp cannot read a frame's duration".to_owned()));
            }
            let duration = (*iter.as_ptr()).duration;
            sys::WebPDemuxReleaseIterator(iter.as_mut_ptr());
            duration
        };
        Some(Ok((pixels, shows)))
    }
}

impl Drop for AnimDecoder<'_> {
    fn drop(&mut self) {
        // SAFETY: created by WebPAnimDecoderNewInternal and deleted exactly once, here.
        unsafe { sys::WebPAnimDecoderDelete(self.dec) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, channels: u8) -> Raster {
        let mut px = Vec::new();
        for y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 90]);
                if channels == 4 {
                    px.push(if x < w / 2 { 255 } else { 128 });
                }
            }
        }
        Raster { pixels: px, width: w, height: h, channels }
    }

    #[test]
    fn encodes_and_decodes_rgb_and_rgba() {
        for channels in [3u8, 4] {
            let src = gradient(64, 40, channels);
            let data = encode(&src, 80.0, 4).expect("encode");
            assert_eq!(&data[..4], b"RIFF");
            let f = features(&data).expect("features");
            assert_eq!((f.width, f.height, f.has_alpha, f.animated), (64, 40, channels == 4, false));
            let out = decode(&data, f).expect("decode");
            assert_eq!((out.width, out.height, out.channels), (64, 40, channels));
            // Lossy, but close: the mean absolute error of a smooth gradient stays small.
            let err: u64 = out.pixels.iter().zip(&src.pixels).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
            assert!(err / (out.pixels.len() as u64) < 6, "mean error {}", err / out.pixels.len() as u64);
        }
    }

    #[test]
    fn truncated_or_garbage_input_is_refused_not_trusted() {
        let data = encode(&gradient(64, 40, 3), 80.0, 4).expect("encode");
        let f = features(&data).expect("features");
        assert!(decode(&data[..data.len() / 2], f).is_none());
        assert!(features(b"RIFF\x10\0\0\0WEBPVP8 garbage").is_none());
        assert!(features(&[]).is_none());
    }

    #[test]
    fn animations_keep_their_frames_and_timing() {
        let mut enc = AnimEncoder::new(16, 8, 80.0, 4).unwrap();
        for (i, ms) in [(0u8, 100), (1, 250), (2, 50)] {
            let r = Raster::new(vec![i * 100; 16 * 8 * 4], 16, 8, 4).unwrap();
            enc.add(&r, ms).unwrap();
        }
        assert!(enc.add(&Raster::new(vec![0; 4 * 4 * 3], 4, 4, 3).unwrap(), 10).is_err(), "wrong size refused");
        let data = enc.finish().unwrap();
        let frames: Vec<_> = image::AnimationDecoder::into_frames(
            image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(&data)).unwrap(),
        )
        .collect::<Result<_, _>>()
        .unwrap();
        let delays: Vec<u32> = frames.iter().map(|f| f.delay().numer_denom_ms().0).collect();
        assert_eq!(delays, [100, 250, 50]);
    }

    #[test]
    fn bad_settings_are_an_error() {
        assert!(encode(&gradient(8, 8, 3), 80.0, 9).is_err());
    }
}
