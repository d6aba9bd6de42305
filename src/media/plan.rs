//! Planning the variants: each one's size and crop in the stored frame, the order they are
//! made in (largest first) and which earlier variant each smaller one is derived from.

use super::ImageInfo;
use crate::config::{Fit, VariantSpec};

/// What to produce for one variant, in the stored (raw) frame.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Output size in the raw frame (swapped back by orientation at the end).
    pub(super) out_w: u32,
    pub(super) out_h: u32,
    /// Centred crop of the full raw frame, as fractions of its width and height.
    pub(super) crop_fw: f64,
    pub(super) crop_fh: f64,
}

impl Plan {
    pub(super) fn full_frame(&self) -> bool {
        self.crop_fw >= 1.0 && self.crop_fh >= 1.0
    }
    /// Smallest fraction of the full raw frame's size that still yields this output without
    /// upscaling.
    pub(super) fn needed_scale(&self, raw_w: u32, raw_h: u32) -> f64 {
        let sx = f64::from(self.out_w) / (f64::from(raw_w) * self.crop_fw);
        let sy = f64::from(self.out_h) / (f64::from(raw_h) * self.crop_fh);
        sx.max(sy)
    }
}

pub(super) fn plan_variant(info: &ImageInfo, v: &VariantSpec) -> Plan {
    let (w, h) = (f64::from(info.width), f64::from(info.height));
    let (bw, bh) = (f64::from(v.width), f64::from(v.height));
    let round = |x: f64| (x.round() as u32).max(1);
    let (out_w, out_h, fw, fh) = match v.fit {
        Fit::Contain => {
            let s = (bw / w).min(bh / h).min(1.0);
            let (ow, oh) = (round(w * s).min(info.width), round(h * s).min(info.height));
            (ow, oh, 1.0, 1.0)
        }
        Fit::Cover => {
            let s = (bw / w).max(bh / h);
            if s >= 1.0 {
                // Never upscale: crop the largest centred box of the target aspect, keep its size.
                let aspect = bw / bh;
                let (cw, ch) = if w / h > aspect { (h * aspect, h) } else { (w, w / aspect) };
                (round(cw).min(info.width), round(ch).min(info.height), cw / w, ch / h)
            } else {
                (v.width, v.height, (bw / s) / w, (bh / s) / h)
            }
        }
    };
    let (fw, fh) = (fw.min(1.0), fh.min(1.0));
    if info.transposed() {
        Plan { out_w: out_h, out_h: out_w, crop_fw: fh, crop_fh: fw }
    } else {
        Plan { out_w, out_h, crop_fw: fw, crop_fh: fh }
    }
}

/// The order variants are produced in (largest first) and, for each, the earlier full-frame
/// variant it is derived from (the smallest one that covers it), or `None` for the decode.
pub(super) fn schedule(plans: &[Plan]) -> (Vec<usize>, Vec<Option<usize>>) {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(plans[i].out_w) * u64::from(plans[i].out_h)));
    let mut sources = vec![None; plans.len()];
    for (k, &i) in order.iter().enumerate() {
        let p = plans[i];
        sources[i] = order[..k]
            .iter()
            .copied()
            .filter(|&j| {
                let r = plans[j];
                r.full_frame()
                    && f64::from(r.out_w) * p.crop_fw >= f64::from(p.out_w) - 0.5
                    && f64::from(r.out_h) * p.crop_fh >= f64::from(p.out_h) - 0.5
            })
            .min_by_key(|&j| u64::from(plans[j].out_w) * u64::from(plans[j].out_h));
    }
    (order, sources)
}

/// Every variant's plan, and the fraction of the stored size the largest of them needs.
pub(super) fn plan_all(info: &ImageInfo, variants: &[VariantSpec]) -> (Vec<Plan>, f64) {
    let plans: Vec<Plan> = variants.iter().map(|v| plan_variant(info, v)).collect();
    let needed = plans.iter().map(|p| p.needed_scale(info.stored_width, info.stored_height)).fold(0.0f64, f64::max);
    (plans, needed)
}

/// Fixed overhead of one image job: decoder state, row buffers, the encoders' own buffers.
const JOB_OVERHEAD: u64 = 32 << 20;

/// The memory rendering this image will take at its peak, from its header alone (before any
/// pixel buffer exists), so it can be checked against the budget first:
///
/// `32 MiB + decode + Σ variants (out_w × out_h × 4 × 3)`, where decode is, with
/// `px = stored width × height` and `ch` = 4 with alpha, else 3:
/// - JPEG (row-streamed): `px × 3` if progressive (libjpeg's coefficient buffer), else 0;
/// - JPEG in CMYK/YCCK (decoded whole): `file + px × (4 + ch)`;
/// - PNG (straight to 8-bit): `file + px × (ch + 1)`;
/// - still WebP: `file + px × ch`; animated WebP and GIF: `file + px × 8` (frame and canvas).
pub fn memory_estimate(info: &ImageInfo, variants: &[VariantSpec], file_bytes: u64) -> u64 {
    use super::ImageFormat;
    let px = u64::from(info.stored_width) * u64::from(info.stored_height);
    let ch = if info.has_alpha { 4 } else { 3 };
    let decode = match info.format {
        ImageFormat::Jpeg if info.libjpeg_decodes() => {
            if info.progressive {
                px.saturating_mul(3)
            } else {
                0
            }
        }
        ImageFormat::Png => file_bytes.saturating_add(px.saturating_mul(ch + 1)),
        ImageFormat::Webp if !info.animated => file_bytes.saturating_add(px.saturating_mul(ch)),
        ImageFormat::Webp | ImageFormat::Gif => file_bytes.saturating_add(px.saturating_mul(8)),
        // The child's decode (16-bit YUV planes and the interleaved output) and, once it has
        // exited, the raster read back.
        ImageFormat::Heic | ImageFormat::Avif => px.saturating_mul(3 + 2 * ch),
        // JPEG through `image`, and any still format `image` decodes: the file, its decoded
        // pixels (up to 4 bytes each) and our copy.
        _ => file_bytes.saturating_add(px.saturating_mul(4 + ch)),
    };
    // An animation kept: the decoder's canvas and its previous one, our premultiplied copy, and
    // libwebp's animation encoder (several canvases per variant).
    let animated = info.animation.as_ref().is_some_and(|a| a.animated_output);
    let decode = if animated { decode.saturating_add(px.saturating_mul(8)) } else { decode };
    let per_output = if animated { 4 * 6 } else { 4 * 3 };
    let outputs: u64 = variants
        .iter()
        .map(|v| plan_variant(info, v))
        .map(|p| u64::from(p.out_w) * u64::from(p.out_h) * per_output)
        .fold(0u64, u64::saturating_add);
    JOB_OVERHEAD.saturating_add(decode).saturating_add(outputs)
}
