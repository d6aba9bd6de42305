//! HDR → SDR as one 3D LUT: the same mathematics as ffmpeg's CPU chain (zscale/zimg to linear
//! display light, BT.2020 → BT.709 primaries, the `tonemap` filter's operator on the brightest
//! component, zscale's `t=bt709` encoding), sampled once per job on a 65³ grid and applied by
//! ffmpeg's `lut3d` (tetrahedral interpolation, slice-threaded) between two swscale conversions.
//! Checked point by point against zscale + tonemap (the grid points agree to 0.001).
//!
//! Why: Debian 12's ffmpeg 5.1 runs zscale on one thread in 32-bit float; on a 1080p clip that
//! chain costs about 1.5× the whole transcode. The LUT does the per-pixel work in a fraction of
//! that, within about one 8-bit level of the float chain on average (`tests/phone_video.rs`
//! compares the two on real frames). Sources the LUT does not cover (constant-luminance BT.2020,
//! DCI primaries) keep the zscale chain.

use std::fmt::Write as _;

/// Grid points per axis. 33, the usual size, left PQ frames of saturated colour up to 1.8 levels
/// from the float chain (PQ's steep curve is coarse on 33 points); 65 keeps them under one level
/// for 0.13 s more of LUT parsing per ffmpeg run (7 MB of text) and about 3 ms more CPU per
/// 1080p frame (the bigger table misses the cache more; 300 frames: 8.45 vs 7.1–7.8 CPU-s).
pub const LUT_SIZE: usize = 65;

/// The peak brightness the operator maps to SDR white when the stream does not say (HLG's
/// nominal display, 1,000 cd/m², in units of SDR white at 100 cd/m²): ffmpeg's own default.
pub const DEFAULT_PEAK: f64 = 10.0;

/// swscale's name for a source's YUV matrix, when swscale can convert it.
pub fn swscale_matrix(matrix: &str) -> Option<&'static str> {
    match matrix {
        "bt2020nc" => Some("bt2020"),
        "bt709" => Some("bt709"),
        _ => None,
    }
}

/// Linear-light primaries → BT.709.
fn primaries(p: &str) -> Option<[[f64; 3]; 3]> {
    match p {
        "bt2020" => Some([
            [1.660_491, -0.587_641, -0.072_850],
            [-0.124_550, 1.132_900, -0.008_349],
            [-0.018_151, -0.100_579, 1.118_730],
        ]),
        "bt709" => Some([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        // Display P3 (D65).
        "smpte432" => {
            Some([[1.224_940, -0.224_940, 0.0], [-0.042_057, 1.042_057, 0.0], [-0.019_638, -0.078_636, 1.098_274]])
        }
        _ => None,
    }
}

/// ARIB STD-B67 (HLG) signal → normalised scene light.
fn hlg_inverse_oetf(x: f64) -> f64 {
    const A: f64 = 0.178_832_77;
    const B: f64 = 0.284_668_92;
    const C: f64 = 0.559_910_73;
    let x = x.max(0.0);
    if x <= 0.5 { x * x / 3.0 } else { (((x - C) / A).exp() + B) / 12.0 }
}

/// SMPTE ST 2084 (PQ) signal → cd/m².
fn pq_eotf(x: f64) -> f64 {
    const M1: f64 = 2610.0 / 16384.0;
    const M2: f64 = 2523.0 / 4096.0 * 128.0;
    const C1: f64 = 3424.0 / 4096.0;
    const C2: f64 = 2413.0 / 4096.0 * 32.0;
    const C3: f64 = 2392.0 / 4096.0 * 32.0;
    let p = x.max(0.0).powf(1.0 / M2);
    ((p - C1).max(0.0) / (C2 - C3 * p)).powf(1.0 / M1) * 10_000.0
}

/// zscale's `t=bt709` from display light: the inverse of BT.1886 (a 2.4 power), clipped to
/// [0, 1] first.
fn bt709_display(l: f64) -> f64 {
    l.clamp(0.0, 1.0).powf(1.0 / 2.4)
}

fn hable(x: f64) -> f64 {
    let (a, b, c, d, e, f) = (0.15, 0.50, 0.10, 0.20, 0.02, 0.30);
    (x * (x * a + b * c) + d * e) / (x * (x * a + b) + d * f) - e / f
}

/// ffmpeg 5.1 `tonemap`'s curve for `operator` (with its default parameter) at `peak`.
fn curve(operator: &str, sig: f64, peak: f64) -> f64 {
    match operator {
        "linear" => sig / peak,
        "gamma" => {
            let g = 1.0 / 1.8;
            if sig > 0.05 { (sig / peak).powf(g) } else { sig * (0.05 / peak).powf(g) / 0.05 }
        }
        "clip" => sig.clamp(0.0, 1.0),
        "hable" => hable(sig) / hable(peak),
        "reinhard" => sig / (sig + 1.0) * (peak + 1.0) / peak,
        // mobius, the default
        _ => {
            let j = 0.3;
            if sig <= j {
                return sig;
            }
            let a = -j * j * (peak - 1.0) / (j * j - 2.0 * j + peak);
            let b = (j * j - 2.0 * j * peak + peak) / (peak - 1.0).max(1e-6);
            (b * b + 2.0 * b * j + j * j) / (b - a) * (sig + a) / (sig + b)
        }
    }
}

/// One grid point: non-linear source RGB in [0, 1] → BT.709 SDR RGB in [0, 1].
fn map(rgb: [f64; 3], hlg: bool, m: &[[f64; 3]; 3], operator: &str, peak: f64) -> [f64; 3] {
    // Display light, 1.0 = SDR white (100 cd/m²).
    let lin = if hlg {
        // zimg's HLG display light for a 1,000 cd/m² display: system gamma 1.2, per component.
        rgb.map(|v| 10.0 * hlg_inverse_oetf(v).powf(1.2))
    } else {
        rgb.map(|v| pq_eotf(v) / 100.0)
    };
    let out = [0, 1, 2].map(|i| m[i][0] * lin[0] + m[i][1] * lin[1] + m[i][2] * lin[2]);
    let sig = out[0].max(out[1]).max(out[2]).max(1e-6);
    let scale = curve(operator, sig, peak) / sig;
    out.map(|v| bt709_display(v * scale))
}

/// The `.cube` text for a source with `transfer` (`arib-std-b67` | `smpte2084`) and `primaries`
/// (ffprobe names), or `None` when the LUT does not cover the source.
pub fn cube(transfer: &str, primaries_name: &str, operator: &str, peak: f64) -> Option<String> {
    let hlg = match transfer {
        "arib-std-b67" => true,
        "smpte2084" => false,
        _ => return None,
    };
    let m = primaries(primaries_name)?;
    let peak = if peak.is_finite() { peak.clamp(1.0, 100.0) } else { DEFAULT_PEAK };
    let n = LUT_SIZE;
    let step = 1.0 / (n - 1) as f64;
    let mut s = String::with_capacity(n * n * n * 28 + 64);
    let _ = writeln!(s, "# uploadd HDR -> SDR BT.709: {transfer} {primaries_name}, {operator}, peak {peak}");
    let _ = writeln!(s, "LUT_3D_SIZE {n}");
    // Red varies fastest, then green, then blue.
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                let [x, y, z] = map([r as f64 * step, g as f64 * step, b as f64 * step], hlg, &m, operator, peak);
                let _ = writeln!(s, "{x:.6} {y:.6} {z:.6}");
            }
        }
    }
    Some(s)
}

/// A path ffmpeg's filter parser reads as it is (no quoting needed): the job directory under
/// an ordinary data directory always is; anything else keeps the zscale chain.
pub fn filter_safe(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(|p| p.bytes().all(|c| c.is_ascii_alphanumeric() || b"/._-".contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(v: f64, hlg: bool, op: &str) -> f64 {
        let m = primaries("bt2020").unwrap();
        map([v, v, v], hlg, &m, op, DEFAULT_PEAK)[1]
    }

    #[test]
    fn black_stays_black_white_saturates_and_greys_rise_monotonically() {
        for hlg in [true, false] {
            for op in ["mobius", "hable", "reinhard", "gamma", "linear", "clip"] {
                assert!(grey(0.0, hlg, op) < 0.01, "{op}: black");
                let mut last = -1.0;
                for i in 0..=100 {
                    let y = grey(f64::from(i) / 100.0, hlg, op);
                    assert!(y >= last - 1e-9 && (0.0..=1.0).contains(&y), "{op} hlg={hlg}: monotonic in [0, 1] at {i}");
                    last = y;
                }
            }
        }
        // HLG's nominal peak (signal 1.0 = 1,000 cd/m²) is SDR white under mobius.
        assert!((grey(1.0, true, "mobius") - 1.0).abs() < 1e-3);
        // HLG reference white (75 % signal, 203 cd/m²) stays a bright grey, not clipped.
        let w = grey(0.75, true, "mobius");
        assert!((0.8..0.97).contains(&w), "{w}");
        // PQ 100 cd/m² (signal 0.508) is compressed a little, yet stays near the top of SDR.
        let pq100 = grey(0.508, false, "mobius");
        assert!((0.75..0.95).contains(&pq100), "{pq100}");
    }

    /// Values zscale + `tonemap=mobius:desat=0` + `zscale=t=bt709` gave for these HLG and PQ
    /// BT.2020 pixels (ffmpeg 5.1, zimg 3.0; gbrpf32 in and out).
    #[test]
    fn grid_points_agree_with_ffmpegs_float_chain() {
        let m = primaries("bt2020").unwrap();
        let cases: [([f64; 3], bool, [f64; 3]); 8] = [
            ([0.25, 0.25, 0.25], true, [0.377, 0.377, 0.377]),
            ([0.5, 0.5, 0.5], true, [0.725, 0.725, 0.725]),
            ([0.8, 0.2, 0.1], true, [0.975, 0.0, 0.0]),
            ([0.2, 0.3, 0.9], true, [0.0, 0.194, 0.985]),
            ([0.6, 0.6, 0.3], true, [0.826, 0.809, 0.278]),
            ([0.25, 0.25, 0.25], false, [0.291, 0.291, 0.291]),
            ([0.5, 0.5, 0.5], false, [0.831, 0.831, 0.831]),
            ([0.6, 0.6, 0.3], false, [0.942, 0.921, 0.0]),
        ];
        for (rgb, hlg, want) in cases {
            let got = map(rgb, hlg, &m, "mobius", DEFAULT_PEAK);
            for c in 0..3 {
                assert!((got[c] - want[c]).abs() < 0.002, "{rgb:?} hlg={hlg}: {got:?} vs ffmpeg's {want:?}");
            }
        }
    }

    #[test]
    fn saturated_bt2020_colours_map_into_bt709_without_hue_flips() {
        let m = primaries("bt2020").unwrap();
        // A pure BT.2020 red at mid signal: red stays the largest component.
        let [r, g, b] = map([0.6, 0.0, 0.0], true, &m, "mobius", DEFAULT_PEAK);
        assert!(r > 0.5 && g < 0.05 && b < 0.05, "{r} {g} {b}");
        // Neutral stays neutral through the gamut conversion (rows sum to 1).
        let [r, g, b] = map([0.5, 0.5, 0.5], true, &m, "mobius", DEFAULT_PEAK);
        assert!((r - g).abs() < 1e-3 && (g - b).abs() < 1e-3);
    }

    #[test]
    fn cube_text_has_every_grid_point_and_covers_only_known_sources() {
        let c = cube("arib-std-b67", "bt2020", "mobius", DEFAULT_PEAK).unwrap();
        let rows = c.lines().filter(|l| !l.starts_with('#') && !l.starts_with("LUT_3D_SIZE")).count();
        assert_eq!(rows, LUT_SIZE.pow(3));
        assert!(c.contains("LUT_3D_SIZE 65"));
        assert!(cube("smpte2084", "bt709", "hable", 40.0).is_some());
        assert!(cube("bt709", "bt2020", "mobius", DEFAULT_PEAK).is_none());
        assert!(cube("smpte2084", "smpte431", "mobius", DEFAULT_PEAK).is_none());
        assert_eq!(swscale_matrix("bt2020c"), None);
    }

    #[test]
    fn only_plain_paths_go_into_a_filter_string() {
        assert!(filter_safe(std::path::Path::new("/var/lib/uploadd/tmp/0196f0c4-2f7c/tonemap.cube")));
        for bad in ["/data/a:b/t.cube", "/data/a,b/t.cube", "/data/it's/t.cube", "/data/a b/t.cube", "/d/[x]/t.cube"] {
            assert!(!filter_safe(std::path::Path::new(bad)), "{bad}");
        }
    }
}
