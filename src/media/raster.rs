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
    pub fn flatten(&self, bg: [u8; 3]) -> Raster {
        if self.channels == 3 {
            return self.clone();
        }
        let mut out = vec![0u8; self.width as usize * self.height as usize * 3];
        for (o, p) in out.chunks_exact_mut(3).zip(self.pixels.chunks_exact(4)) {
            let a = u32::from(p[3]);
            if a == 255 {
                // Most pixels of most images: a plain copy.
                o.copy_from_slice(&p[..3]);
            } else {
                for c in 0..3 {
                    o[c] = ((u32::from(p[c]) * a + u32::from(bg[c]) * (255 - a) + 127) / 255) as u8;
                }
            }
        }
        Raster { pixels: out, width: self.width, height: self.height, channels: 3 }
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
        let f = r.flatten([0, 0, 255]);
        assert_eq!(&f.pixels[..3], &[0, 0, 255]);
        assert_eq!(&f.pixels[3..6], &[0, 255, 0]);
        assert_eq!(&f.pixels[6..9], &[0, 0, 255]);
        let mut p = r.clone();
        p.premultiply().unwrap();
        assert_eq!(p.flatten_premultiplied([0, 0, 255]).pixels, f.pixels);
    }
}
