//! Encoding one variant: libjpeg-turbo (4:2:0), libwebp, or `image`'s PNG encoder. No output
//! carries metadata, except the colour profile when the profile keeps colours.

use super::{MediaError, OutputFormat, Raster, webp};
use crate::config::VariantSpec;

/// `icc` is written by the PNG encoder here; JPEG and WebP outputs get it afterwards
/// ([`super::colour::embed`]).
pub(super) fn encode(r: &Raster, v: &VariantSpec, icc: Option<&[u8]>) -> Result<Vec<u8>, MediaError> {
    let fail = |message: String| MediaError::Encode { variant: v.name.clone(), message };
    match v.format {
        OutputFormat::Jpeg => {
            let mut c = turbojpeg::Compressor::new().map_err(|e| fail(e.to_string()))?;
            c.set_quality(i32::from(v.quality)).map_err(|e| fail(e.to_string()))?;
            c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(|e| fail(e.to_string()))?;
            let img = turbojpeg::Image {
                pixels: r.pixels.as_slice(),
                width: r.width as usize,
                pitch: r.width as usize * 3,
                height: r.height as usize,
                format: turbojpeg::PixelFormat::RGB,
            };
            c.compress_to_vec(img).map_err(|e| fail(e.to_string()))
        }
        OutputFormat::Webp => webp::encode(r, f32::from(v.quality), v.webp_method).map_err(fail),
        OutputFormat::Png => {
            use image::ImageEncoder;
            let mut buf = Vec::new();
            let color = if r.channels == 4 { image::ExtendedColorType::Rgba8 } else { image::ExtendedColorType::Rgb8 };
            let mut encoder = image::codecs::png::PngEncoder::new(&mut buf);
            if let Some(icc) = icc {
                encoder.set_icc_profile(icc.to_vec()).map_err(|e| fail(e.to_string()))?;
            }
            encoder.write_image(&r.pixels, r.width, r.height, color).map_err(|e| fail(e.to_string()))?;
            Ok(buf)
        }
    }
}
