//! Planning, rendering and the streamed JPEG path against whole decodes.

use super::plan::plan_variant;
use super::probe::oriented_info;
use super::*;
use crate::config::Fit;
use crate::config::Profile;

fn variants() -> Vec<VariantSpec> {
    Profile::default().variants
}

#[test]
fn contain_never_upscales_and_keeps_aspect() {
    let info = oriented_info(ImageFormat::Jpeg, 4000, 3000, 1, "ycbcr".into(), false, false);
    let p = plan_variant(&info, &variants()[0]);
    assert_eq!((p.out_w, p.out_h), (1440, 1080));
    let small = oriented_info(ImageFormat::Jpeg, 640, 480, 1, "ycbcr".into(), false, false);
    let p = plan_variant(&small, &variants()[0]);
    assert_eq!((p.out_w, p.out_h), (640, 480));
}

#[test]
fn cover_crops_to_fill() {
    let info = oriented_info(ImageFormat::Png, 4000, 2000, 1, "rgb8".into(), false, false);
    let v = VariantSpec { fit: Fit::Cover, width: 300, height: 300, ..variants()[1].clone() };
    let p = plan_variant(&info, &v);
    assert_eq!((p.out_w, p.out_h), (300, 300));
    assert!((p.crop_fw - 0.5).abs() < 1e-9 && (p.crop_fh - 1.0).abs() < 1e-9);
    // Smaller than the box: crop to the box's aspect at the original resolution.
    let tiny = oriented_info(ImageFormat::Png, 200, 100, 1, "rgb8".into(), false, false);
    let p = plan_variant(&tiny, &v);
    assert_eq!((p.out_w, p.out_h), (100, 100));
}

#[test]
fn orientation_swaps_the_plan_into_the_stored_frame() {
    let info = oriented_info(ImageFormat::Jpeg, 4000, 3000, 6, "ycbcr".into(), false, false);
    assert_eq!((info.width, info.height), (3000, 4000));
    let p = plan_variant(&info, &variants()[0]);
    // Upright 810×1080 becomes 1080×810 in the stored frame.
    assert_eq!((p.out_w, p.out_h), (1080, 810));
}

#[test]
fn dct_scale_covers_the_need_with_a_reducing_gap() {
    assert_eq!(dct_scale(1.0), 8);
    assert_eq!(dct_scale(0.375), 6);
    assert_eq!(dct_scale(0.18), 3);
    assert_eq!(dct_scale(0.01), 1);
}

#[test]
fn renders_every_variant_with_the_right_size_and_format() {
    let jpeg = samples::photo_jpeg(1600, 1200, 1);
    let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
    let out = render(&jpeg, &info, &recipe(&variants(), [255, 255, 255], 100_000_000)).unwrap();
    let dims: Vec<_> = out.iter().map(|r| (r.name.as_str(), r.width, r.height)).collect();
    assert_eq!(dims, [("display", 1440, 1080), ("thumb", 300, 225), ("webp", 1440, 1080)]);
    let d = image::load_from_memory(&out[0].data).unwrap();
    assert_eq!((d.width(), d.height()), (1440, 1080));
    assert_eq!(image::guess_format(&out[2].data).unwrap(), image::ImageFormat::WebP);
}

#[test]
fn exif_orientation_is_applied_and_stripped() {
    // Stored landscape, left half red; orientation 6 (rotate 90° clockwise to display).
    let jpeg = samples::photo_jpeg(800, 400, 6);
    let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
    assert_eq!((info.width, info.height, info.orientation), (400, 800, 6));
    let out = render(&jpeg, &info, &recipe(&variants()[..1], [255, 255, 255], 100_000_000)).unwrap();
    assert_eq!(exif::jpeg_orientation(&out[0].data), None, "no EXIF in outputs");
    let img = image::load_from_memory(&out[0].data).unwrap().into_rgb8();
    assert_eq!(img.dimensions(), (400, 800));
    // Rotated clockwise, the stored left half (red) is now the top half.
    let top = img.get_pixel(200, 100);
    let bottom = img.get_pixel(200, 700);
    assert!(top[0] > 200 && top[2] < 60, "top should be red, got {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom should be blue, got {bottom:?}");
}

#[test]
fn alpha_is_flattened_for_jpeg_and_kept_for_webp() {
    let png = samples::alpha_png(64, 64);
    let info = probe(&png, ImageFormat::Png, 100_000_000).unwrap();
    assert!(info.has_alpha);
    let mut vs = variants();
    vs.push(VariantSpec { name: "png".into(), format: OutputFormat::Png, ..vs[0].clone() });
    let out = render(&png, &info, &recipe(&vs, [255, 0, 255], 100_000_000)).unwrap();
    let jpeg = image::load_from_memory(&out[0].data).unwrap().into_rgb8();
    let corner = jpeg.get_pixel(0, 0); // fully transparent corner → background
    assert!(corner[0] > 230 && corner[1] < 30 && corner[2] > 230, "{corner:?}");
    let png_out = image::load_from_memory(&out[3].data).unwrap();
    assert!(png_out.color().has_alpha());
    assert_eq!(png_out.into_rgba8().get_pixel(0, 0)[3], 0);
}

#[test]
fn bombs_are_refused_from_the_header() {
    let bomb = samples::png_header_only(30_000, 30_000);
    let e = probe(&bomb, ImageFormat::Png, 100_000_000).unwrap_err();
    assert!(matches!(e, MediaError::TooManyPixels { .. }), "{e}");
    let jbomb = samples::jpeg_header_only(30_000, 30_000);
    let e = probe(&jbomb, ImageFormat::Jpeg, 100_000_000).unwrap_err();
    assert!(matches!(e, MediaError::TooManyPixels { .. }), "{e}");
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

#[test]
fn streaming_a_jpeg_from_its_file_matches_decoding_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut vs = variants();
    vs.push(VariantSpec { name: "square".into(), fit: Fit::Cover, width: 500, height: 500, ..vs[0].clone() });
    // Large enough for DCT scaling (≥ 2 × 1920 wide) and for several strips; rotated, so
    // the plans run in the stored frame.
    for (w, h, o) in [(4000, 2400, 1), (3900, 2600, 6), (700, 500, 1)] {
        let jpeg = samples::photo_jpeg(w, h, o);
        let path = dir.path().join("in.jpg");
        std::fs::write(&path, &jpeg).unwrap();
        let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
        let whole = render(&jpeg, &info, &recipe(&vs, [255; 3], 100_000_000)).unwrap();
        let streamed = render_file(&path, &info, &recipe(&vs, [255; 3], 100_000_000)).unwrap();
        assert_eq!(whole.len(), streamed.len());
        for (a, b) in whole.iter().zip(&streamed) {
            assert_eq!((&a.name, a.width, a.height), (&b.name, b.width, b.height));
            let da = image::load_from_memory(&a.data).unwrap().into_rgb8();
            let db = image::load_from_memory(&b.data).unwrap().into_rgb8();
            // The two differ only in where the resize rounds between its passes.
            let d = mean_abs_diff(da.as_raw(), db.as_raw());
            assert!(d < 1.0, "{w}×{h} {}: mean difference {d}", a.name);
        }
    }
}

#[test]
fn a_streamed_jpeg_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = samples::photo_jpeg(640, 480, 1);
    let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
    let path = dir.path().join("cut.jpg");
    std::fs::write(&path, &jpeg[..jpeg.len() / 2]).unwrap();
    let e = render_file(&path, &info, &recipe(&variants(), [255; 3], 100_000_000)).unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(ref m) if m.contains("Premature end")), "{e}");
    // The file vanished or cannot be read: not the upload's fault.
    let e = render_file(&dir.path().join("gone.jpg"), &info, &recipe(&variants(), [255; 3], 100_000_000)).unwrap_err();
    assert!(matches!(e, MediaError::Io(_)), "{e}");
    // Not what the probe saw (the file changed under us): refused, not misread.
    let other = dir.path().join("other.jpg");
    std::fs::write(&other, samples::photo_jpeg(320, 240, 1)).unwrap();
    let e = render_file(&other, &info, &recipe(&variants(), [255; 3], 100_000_000)).unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
    // Garbage after a valid start.
    let mut bad = jpeg[..600].to_vec();
    bad.extend(std::iter::repeat_n(0x55u8, 4000));
    std::fs::write(&path, &bad).unwrap();
    let e = render_file(&path, &info, &recipe(&variants(), [255; 3], 100_000_000)).unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
}

#[test]
fn truncated_files_are_corrupt() {
    let jpeg = samples::photo_jpeg(640, 480, 1);
    let cut = &jpeg[..jpeg.len() / 2];
    let info = probe(cut, ImageFormat::Jpeg, 100_000_000).unwrap();
    let e = render(cut, &info, &recipe(&variants(), [255; 3], 100_000_000)).unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
    let png = samples::alpha_png(300, 300);
    let cut = &png[..png.len() / 2];
    let r = probe(cut, ImageFormat::Png, 100_000_000)
        .and_then(|i| render(cut, &i, &recipe(&variants(), [255; 3], 100_000_000)));
    assert!(matches!(r, Err(MediaError::Corrupt(_))), "{r:?}");
}

fn recipe(variants: &[VariantSpec], background: [u8; 3], max_pixels: u64) -> Recipe {
    Recipe { variants: variants.to_vec(), background, max_pixels, ..Recipe::images(&Profile::default()) }
}

/// A three-frame animated WebP with alpha whose last VP8 frame claims one row more than its
/// `ANMF` frame: image-webp 0.2.4 indexes past its alpha buffer on it (found by mutating an
/// animation).
fn webp_with_an_oversized_frame() -> Vec<u8> {
    let mut data = animated_webp(40, 30, true);
    let start = data.windows(3).rposition(|w| w == [0x9d, 0x01, 0x2a]).expect("a VP8 key frame");
    let h = u16::from_le_bytes([data[start + 5], data[start + 6]]);
    data[start + 5..start + 7].copy_from_slice(&(h + 1).to_le_bytes());
    data
}

/// Three frames of `w`×`h`, RGB or with alpha.
fn animated_webp(w: u32, h: u32, alpha: bool) -> Vec<u8> {
    let mut enc = webp::AnimEncoder::new(w, h, 80.0, 4).unwrap();
    for i in 0..3u8 {
        let px: Vec<u8> = (0..w * h)
            .flat_map(|p| [(p % w * 6) as u8, i * 80, (p / w * 8) as u8, if alpha { (p % 7 * 30) as u8 } else { 255 }])
            .collect();
        enc.add(&Raster::new(px, w, h, 4).unwrap(), 100).unwrap();
    }
    enc.finish().unwrap()
}

#[test]
fn animated_webp_frames_are_decoded_as_libwebp_and_pillow_decode_them() {
    // The first frame's VP8 header narrower than its `ANMF` rectangle: libwebp (and so Pillow
    // and browsers) decode it; image-webp refused it ("Inconsistent image sizes").
    let mut data = animated_webp(60, 40, false);
    let start = data.windows(3).position(|w| w == [0x9d, 0x01, 0x2a]).expect("a VP8 key frame");
    let w = u16::from_le_bytes([data[start + 3], data[start + 4]]);
    data[start + 3..start + 5].copy_from_slice(&(w - 11).to_le_bytes());
    let recipe = Recipe::images(&Profile::default());
    let mut info = probe(&data, ImageFormat::Webp, recipe.max_pixels).unwrap();
    info.frames = Some(3);
    info.animation = animation::decide(&info, &recipe);
    let out = render(&data, &info, &recipe).unwrap();
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|r| (r.width, r.height) == (60, 40)), "{:?}", out.iter().map(|r| (r.width, r.height)));
}

#[test]
fn frame_delays_come_from_each_frame_even_when_their_sum_passes_i32() {
    // 130 frames of 16,777,215 ms each (the largest an ANMF holds) end at 2.18e12 ms: past
    // libwebp's `int` timestamps, which the delays must not be derived from.
    let mut enc = webp::AnimEncoder::new(8, 8, 80.0, 0).unwrap();
    for i in 0..130u32 {
        let colour = [(i * 37 % 256) as u8, (i * 91 % 256) as u8, (i * 13 % 256) as u8];
        enc.add(&Raster::new(colour.repeat(64), 8, 8, 3).unwrap(), 100).unwrap();
    }
    let mut data = enc.finish().unwrap();
    let mut pos = 12;
    let mut frames = 0;
    while pos + 8 <= data.len() {
        let size = u32::from_le_bytes(data[pos + 4..pos + 8].try_into().unwrap()) as usize;
        if &data[pos..pos + 4] == b"ANMF" {
            data[pos + 8 + 12..pos + 8 + 15].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
            frames += 1;
        }
        pos += 8 + size + (size & 1);
    }
    assert_eq!(frames, 130, "every frame kept by the encoder");
    let delays: Vec<i32> = animation::frame_delays(&data).unwrap();
    assert_eq!(delays.len(), 130);
    assert!(delays.iter().all(|&d| d == 0xFF_FFFF), "{:?}", &delays[120..]);
    // And the outputs are made: every WebP variant animated.
    let recipe = Recipe::images(&Profile::default());
    let mut info = probe(&data, ImageFormat::Webp, recipe.max_pixels).unwrap();
    info.frames = Some(130);
    info.animation = animation::decide(&info, &recipe);
    let out = render(&data, &info, &recipe).unwrap();
    let webp = out.iter().find(|r| r.format == OutputFormat::Webp).unwrap();
    assert_eq!(webp.data.windows(4).filter(|w| w == b"ANMF").count(), 130);
}

#[test]
fn a_decoder_that_panics_on_hostile_bytes_makes_a_corrupt_file_not_a_crash() {
    let r: Result<(), MediaError> = guarded("WebP", || panic!("range end index 40 out of range for slice of length 0"));
    let e = r.unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
    assert_eq!(e.to_string(), "corrupt image: the WebP decoder failed on this file", "no panic text for producers");
    // The file that made image-webp panic: animations are decoded by libwebp now, which calls
    // the frame corrupt (the pipeline then keeps the first frame).
    let data = webp_with_an_oversized_frame();
    let recipe = Recipe::images(&Profile::default());
    let mut info = probe(&data, ImageFormat::Webp, recipe.max_pixels).unwrap();
    info.frames = Some(3);
    info.animation = animation::decide(&info, &recipe);
    assert!(info.animation.as_ref().is_some_and(|a| a.animated_output), "{:?}", info.animation);
    let e = render(&data, &info, &recipe).unwrap_err();
    assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
}
