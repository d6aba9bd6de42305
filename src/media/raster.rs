//! An 8-bit RGB or RGBA pixel buffer and the few operations the pipeline needs on it.

use fast_image_resize as fir;

use super::MediaError;

#[derive(Debug, Clone)]
pub struct Raster {
    pub pixels: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: u8,
}

fn resize_err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Encode { variant: "(resize)".into(), message: e.to_string() }
}

impl Raster {
    pub fn new(pixels: Vec<u8>, width: u32, height: u32, channels: u8) -> Result<Raster, MediaError> {
        let expected = width as usize * height as usize * channels as usize;
        if pixels.len() != expected || !(channels == 3 || channels == 4) {
            return Err(MediaError::Corrupt(format!(
                "decoder returned {} bytes for {width}×{height}×{channels}",
                pixels.len()
            )));
        }
        Ok(Raster { pixels, width, height, channels })
    }

    fn pixel_type(&self) -> fir::PixelType {
        if self.channels == 4 { fir::PixelType::U8x4 } else { fir::PixelType::U8x3 }
    }

    /// True if every alpha value is 255.
    pub fn is_opaque(&self) -> bool {
        self.channels == 3 || self.pixels.chunks_exact(4).all(|p| p[3] == 255)
    }

    /// RGBA (straight alpha) composited over `bg` → RGB.
    /// Composites RGBA over `bg` into RGB, in place: the buffer is reused (pixel `i` is
    /// written at `3i`, never past where pixel `i` was read), so no second image is allocated.
    pub fn flatten(mut self, bg: [u8; 3]) -> Raster {
        if self.channels == 3 {
            return self;
        }
        let n = self.width as usize * self.height as usize;
        let px = &mut self.pixels;
        for i in 0..n {
            let (r, g, b, a) = (px[4 * i], px[4 * i + 1], px[4 * i + 2], u32::from(px[4 * i + 3]));
            let out = if a == 255 {
                // Most pixels of most images: a plain copy.
                [r, g, b]
            } else {
                let mix = |c: u8, k: usize| ((u32::from(c) * a + u32::from(bg[k]) * (255 - a) + 127) / 255) as u8;
                [mix(r, 0), mix(g, 1), mix(b, 2)]
            };
            px[3 * i..3 * i + 3].copy_from_slice(&out);
        }
        px.truncate(3 * n);
        self.channels = 3;
        self
    }

    /// Premultiplied RGBA composited over `bg` → RGB (exact: c + bg·(1 − a)).
    pub fn flatten_premultiplied(&self, bg: [u8; 3]) -> Raster {
        let mut out = vec![0u8; self.width as usize * self.height as usize * 3];
        for (o, p) in out.chunks_exact_mut(3).zip(self.pixels.chunks_exact(4)) {
            let inv = 255 - u32::from(p[3]);
            for c in 0..3 {
                o[c] = (u32::from(p[c]) + (u32::from(bg[c]) * inv + 127) / 255).min(255) as u8;
            }
        }
        Raster { pixels: out, width: self.width, height: self.height, channels: 3 }
    }

    /// In place, so no second full-size buffer is needed before resizing.
    pub fn premultiply(&mut self) -> Result<(), MediaError> {
        let (w, h) = (self.width, self.height);
        let mut img =
            fir::images::Image::from_slice_u8(w, h, &mut self.pixels, fir::PixelType::U8x4).map_err(resize_err)?;
        fir::MulDiv::new().multiply_alpha_inplace(&mut img).map_err(resize_err)
    }

    pub fn unpremultiply(&mut self) -> Result<(), MediaError> {
        let (w, h) = (self.width, self.height);
        let mut img =
            fir::images::Image::from_slice_u8(w, h, &mut self.pixels, fir::PixelType::U8x4).map_err(resize_err)?;
        fir::MulDiv::new().divide_alpha_inplace(&mut img).map_err(resize_err)
    }

    /// Lanczos3 resize of the centred crop (`fw`×`fh` of the frame) to `out_w`×`out_h`.
    pub fn resize(
        &self,
        resizer: &mut fir::Resizer,
        out_w: u32,
        out_h: u32,
        fw: f64,
        fh: f64,
    ) -> Result<Raster, MediaError> {
        let cw = f64::from(self.width) * fw;
        let ch = f64::from(self.height) * fh;
        if out_w == self.width && out_h == self.height && fw >= 1.0 && fh >= 1.0 {
            return Ok(self.clone());
        }
        let src =
            fir::images::ImageRef::new(self.width, self.height, &self.pixels, self.pixel_type()).map_err(resize_err)?;
        let mut dst = fir::images::Image::new(out_w, out_h, self.pixel_type());
        let opts = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3))
            .crop((f64::from(self.width) - cw) / 2.0, (f64::from(self.height) - ch) / 2.0, cw, ch)
            .use_alpha(false);
        resizer.resize(&src, &mut dst, &opts).map_err(resize_err)?;
        Raster::new(dst.into_vec(), out_w, out_h, self.channels)
    }

    /// Applies EXIF orientation `o` (1–8), returning the upright image.
    pub fn oriented(self, o: u8) -> Raster {
        if !(2..=8).contains(&o) {
            return self;
        }
        let (w, h, c) = (self.width as usize, self.height as usize, self.channels as usize);
        let (ow, oh) = if o >= 5 { (h, w) } else { (w, h) };
        let mut out = vec![0u8; self.pixels.len()];
        for y in 0..oh {
            for x in 0..ow {
                // Source pixel in the stored frame for upright (x, y).
                let (sx, sy) = match o {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // 8
                };
                let s = (sy * w + sx) * c;
                let d = (y * ow + x) * c;
                out[d..d + c].copy_from_slice(&self.pixels[s..s + c]);
            }
        }
        Raster { pixels: out, width: ow as u32, height: oh as u32, channels: self.channels }
    }
}

/// Lanczos3 resize of an RGB row stream (a decoder's output, top to bottom) to `out_w`×`out_h`,
/// from the centred crop `fw`×`fh` of the frame. Each incoming strip is resized in x at once;
/// output rows are made in y as soon as every input row their kernel reaches has arrived, and
/// rows no later output needs are dropped. So it holds the output, one strip and the kernel's
/// reach, never the image. (The same Lanczos3 weights as [`Raster::resize`], in Pillow's
/// order: x, then y.)
pub struct RowResizer {
    src_w: u32,
    src_h: u32,
    out_w: u32,
    out_h: u32,
    left: f64,
    crop_w: f64,
    top: f64,
    /// Input rows per output row.
    scale: f64,
    /// The kernel's half-width in input rows (Lanczos3 widened by the downscale).
    reach: f64,
    /// Rows `first..first + window.len() / row` of the stream, resized in x.
    window: Vec<u8>,
    first: u32,
    received: u32,
    out: Vec<u8>,
    done: u32,
}

impl RowResizer {
    pub fn new(src_w: u32, src_h: u32, out_w: u32, out_h: u32, fw: f64, fh: f64) -> RowResizer {
        let (crop_w, crop_h) = (f64::from(src_w) * fw, f64::from(src_h) * fh);
        let scale = crop_h / f64::from(out_h.max(1));
        RowResizer {
            src_w,
            src_h,
            out_w,
            out_h,
            left: (f64::from(src_w) - crop_w) / 2.0,
            crop_w,
            top: (f64::from(src_h) - crop_h) / 2.0,
            scale,
            reach: 3.0 * scale.max(1.0),
            window: Vec::new(),
            first: 0,
            received: 0,
            out: vec![0u8; out_w as usize * out_h as usize * 3],
            done: 0,
        }
    }

    fn row(&self) -> usize {
        self.out_w as usize * 3
    }

    /// First input row output row `j`'s kernel may touch (one row of slack).
    fn lo(&self, j: u32) -> u32 {
        let c = self.top + (f64::from(j) + 0.5) * self.scale;
        ((c - self.reach).floor() - 1.0).max(0.0) as u32
    }

    /// One past the last input row output row `j`'s kernel may touch (one row of slack).
    fn hi(&self, j: u32) -> u32 {
        let c = self.top + (f64::from(j) + 0.5) * self.scale;
        ((c + self.reach).ceil() + 1.0).min(f64::from(self.src_h)) as u32
    }

    /// Takes the next `n` rows (`rows` holds them, `src_w` RGB pixels each).
    pub fn push(&mut self, resizer: &mut fir::Resizer, rows: &[u8], n: u32) -> Result<(), MediaError> {
        if n == 0 {
            return Ok(());
        }
        if self.received + n > self.src_h {
            return Err(MediaError::Corrupt("the decoder returned more rows than it declared".into()));
        }
        let row = self.row();
        let at = self.window.len();
        self.window.resize(at + n as usize * row, 0);
        let src = fir::images::ImageRef::new(self.src_w, n, rows, fir::PixelType::U8x3).map_err(resize_err)?;
        let mut dst = fir::images::Image::from_slice_u8(self.out_w, n, &mut self.window[at..], fir::PixelType::U8x3)
            .map_err(resize_err)?;
        let opts = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3))
            .crop(self.left, 0.0, self.crop_w, f64::from(n))
            .use_alpha(false);
        resizer.resize(&src, &mut dst, &opts).map_err(resize_err)?;
        self.received += n;
        self.emit(resizer)
    }

    /// Makes every output row whose input has all arrived, then drops the rows no later one needs.
    fn emit(&mut self, resizer: &mut fir::Resizer) -> Result<(), MediaError> {
        let mut end = self.done;
        while end < self.out_h && self.hi(end) <= self.received {
            end += 1;
        }
        if end == self.done {
            return Ok(());
        }
        let row = self.row();
        let (lo, hi) = (self.lo(self.done), self.hi(end - 1));
        let view = &self.window[(lo - self.first) as usize * row..(hi - self.first) as usize * row];
        let src = fir::images::ImageRef::new(self.out_w, hi - lo, view, fir::PixelType::U8x3).map_err(resize_err)?;
        let out = &mut self.out[self.done as usize * row..end as usize * row];
        let mut dst = fir::images::Image::from_slice_u8(self.out_w, end - self.done, out, fir::PixelType::U8x3)
            .map_err(resize_err)?;
        let top = self.top + f64::from(self.done) * self.scale - f64::from(lo);
        // `end × scale` can overshoot the frame by a rounding error at the last row.
        let height = (f64::from(end - self.done) * self.scale).min(f64::from(hi - lo) - top);
        let opts = fir::ResizeOptions::new()
            .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3))
            .crop(0.0, top, f64::from(self.out_w), height)
            .use_alpha(false);
        resizer.resize(&src, &mut dst, &opts).map_err(resize_err)?;
        self.done = end;
        let keep_from = if end < self.out_h { self.lo(end) } else { self.received };
        if keep_from > self.first {
            self.window.drain(..(keep_from - self.first) as usize * row);
            self.first = keep_from;
        }
        Ok(())
    }

    /// The resized image, once every input row has been pushed.
    pub fn finish(self) -> Result<Raster, MediaError> {
        if self.received != self.src_h || self.done != self.out_h {
            return Err(MediaError::Corrupt(format!("the decoder stopped at row {} of {}", self.received, self.src_h)));
        }
        Raster::new(self.out, self.out_w, self.out_h, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3×2 image whose pixels are numbered 0..6 (in the red channel).
    fn numbered() -> Raster {
        let px: Vec<u8> = (0..6u8).flat_map(|i| [i, 0, 0]).collect();
        Raster::new(px, 3, 2, 3).unwrap()
    }

    fn reds(r: &Raster) -> Vec<u8> {
        r.pixels.chunks(3).map(|p| p[0]).collect()
    }

    /// A smooth gradient with some texture, so a misplaced or misweighted row shows.
    fn textured(w: u32, h: u32) -> Raster {
        let mut px = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h {
            for x in 0..w {
                let t = ((x * 7 + y * 13) % 64) as u8;
                px.extend([(x * 255 / w) as u8 / 2 + t, (y * 255 / h) as u8 / 2 + t, ((x ^ y) & 0x7f) as u8]);
            }
        }
        Raster::new(px, w, h, 3).unwrap()
    }

    fn stream(src: &Raster, resizer: &mut fir::Resizer, strip: usize, out: (u32, u32), crop: (f64, f64)) -> Raster {
        let mut s = RowResizer::new(src.width, src.height, out.0, out.1, crop.0, crop.1);
        let row = src.width as usize * 3;
        for chunk in src.pixels.chunks(strip * row) {
            s.push(resizer, chunk, (chunk.len() / row) as u32).unwrap();
        }
        s.finish().unwrap()
    }

    #[test]
    fn a_row_stream_resizes_like_the_whole_image() {
        let src = textured(900, 700);
        let mut resizer = fir::Resizer::new();
        // Downscale, a cover crop in each direction, a no-op.
        let cases = [
            ((400, 300), (1.0, 1.0)),
            ((200, 200), (700.0 / 900.0, 1.0)),
            ((300, 100), (1.0, 0.4)),
            ((900, 700), (1.0, 1.0)),
        ];
        for (out, crop) in cases {
            // All rows at once: the reference for the chunking.
            let once = stream(&src, &mut resizer, 700, out, crop);
            assert_eq!((once.width, once.height), out);
            for strip in [1usize, 37, 128] {
                let streamed = stream(&src, &mut resizer, strip, out, crop);
                assert!(
                    streamed.pixels == once.pixels,
                    "{out:?} crop {crop:?}: strips of {strip} differ from one pass"
                );
            }
            // Against the whole-image resize (y then x): the same weights, rounded and clamped
            // between the passes in the other order, which shows on this sawtooth texture.
            let whole = src.resize(&mut resizer, out.0, out.1, crop.0, crop.1).unwrap();
            let mean = whole.pixels.iter().zip(&once.pixels).map(|(a, b)| f64::from(a.abs_diff(*b))).sum::<f64>()
                / whole.pixels.len() as f64;
            assert!(mean < 0.5, "{out:?} crop {crop:?}: mean difference {mean}");
        }
    }

    #[test]
    fn a_row_stream_that_stops_short_or_runs_over_is_an_error() {
        let src = textured(64, 48);
        let mut resizer = fir::Resizer::new();
        let row = 64 * 3;
        let mut s = RowResizer::new(64, 48, 32, 24, 1.0, 1.0);
        s.push(&mut resizer, &src.pixels[..40 * row], 40).unwrap();
        assert!(matches!(s.finish(), Err(MediaError::Corrupt(_))));
        let mut s = RowResizer::new(64, 48, 32, 24, 1.0, 1.0);
        s.push(&mut resizer, &src.pixels, 48).unwrap();
        assert!(s.push(&mut resizer, &src.pixels[..row], 1).is_err());
    }

    #[test]
    fn orientations_match_exif() {
        // Stored:  0 1 2 / 3 4 5
        assert_eq!(reds(&numbered().oriented(1)), [0, 1, 2, 3, 4, 5]);
        assert_eq!(reds(&numbered().oriented(2)), [2, 1, 0, 5, 4, 3]);
        assert_eq!(reds(&numbered().oriented(3)), [5, 4, 3, 2, 1, 0]);
        assert_eq!(reds(&numbered().oriented(4)), [3, 4, 5, 0, 1, 2]);
        assert_eq!(reds(&numbered().oriented(5)), [0, 3, 1, 4, 2, 5]);
        // 6: rotate 90° clockwise → 2 wide, 3 tall: 3 0 / 4 1 / 5 2
        let r6 = numbered().oriented(6);
        assert_eq!((r6.width, r6.height), (2, 3));
        assert_eq!(reds(&r6), [3, 0, 4, 1, 5, 2]);
        assert_eq!(reds(&numbered().oriented(7)), [5, 2, 4, 1, 3, 0]);
        assert_eq!(reds(&numbered().oriented(8)), [2, 5, 1, 4, 0, 3]);
    }

    #[test]
    fn flattening_composites_over_the_background() {
        let r = Raster::new(vec![255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 128], 3, 1, 4).unwrap();
        let f = r.clone().flatten([0, 0, 255]);
        assert_eq!(&f.pixels[..3], &[0, 0, 255]);
        assert_eq!(&f.pixels[3..6], &[0, 255, 0]);
        assert_eq!(&f.pixels[6..9], &[0, 0, 255]);
        let mut p = r.clone();
        p.premultiply().unwrap();
        assert_eq!(p.flatten_premultiplied([0, 0, 255]).pixels, f.pixels);
    }
}
