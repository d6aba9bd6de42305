//! ffmpeg and ffprobe command lines. Every one starts with [`safe_input`]: the only place that
//! says how uploadd lets ffmpeg read an upload.

use std::path::Path;

use crate::config::{Profile, VideoCodec, VideoConfig};

fn s(v: &str) -> String {
    v.to_owned()
}

/// How ffmpeg/ffprobe may read an upload: the local temp file only (`-protocol_whitelist
/// file`), with the demuxer forced to the container the magic bytes showed (never guessed from
/// content or name, so a playlist cannot pose as a video), and `extra` input options (threads,
/// seek, duration cap) before `-i`. MOV external references stay disabled (ffmpeg's default).
/// These are input options: they must come before `-i`, which this function ends with.
pub fn safe_input(demuxer: &str, input: &Path, extra: &[String]) -> Vec<String> {
    let mut args = vec![s("-protocol_whitelist"), s("file")];
    args.extend(extra.iter().cloned());
    args.extend([s("-f"), s(demuxer), s("-i"), input.display().to_string()]);
    args
}

/// `video.threads` bounds decoding and filtering too, not only the encoder (ffmpeg only).
fn threads(cfg: &VideoConfig) -> [String; 4] {
    [s("-filter_threads"), cfg.threads.to_string(), s("-threads"), cfg.threads.to_string()]
}

/// `ffprobe` JSON of the format and streams.
pub fn probe_args(demuxer: &str, input: &Path) -> Vec<String> {
    let mut args = vec![s("-v"), s("error"), s("-print_format"), s("json"), s("-show_format"), s("-show_streams")];
    args.extend(safe_input(demuxer, input, &[]));
    args
}

/// One MP4 output of a transcode run: the main `video` or an extra rendition.
#[derive(Debug, Clone)]
pub struct Encode {
    pub name: String,
    pub path: std::path::PathBuf,
    pub width: u32,
    pub height: u32,
    pub crf: u8,
    pub codec: VideoCodec,
}

/// What happens to the picture's colours, the same for every output of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tone {
    /// SDR in, SDR out: pixels pass as they are.
    Sdr,
    /// HDR tone-mapped to 8-bit BT.709 SDR by `operator`; the source's tags in zscale's names.
    /// With `lut` (written by the video stage, see `tonemap.rs`) through ffmpeg's `lut3d`;
    /// without, through the zscale chain.
    ToSdr { operator: String, transfer: String, primaries: String, matrix: String, lut: Option<std::path::PathBuf> },
    /// HDR kept (HEVC Main 10, the source's transfer: `smpte2084` or `arib-std-b67`).
    KeepHdr { transfer: String },
}

/// How every output of a run treats the frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub tone: Tone,
    /// Output frame rate when the source's is over the profile's `max_fps`.
    pub fps: Option<f64>,
}

/// The frame rate to encode at: the source's divided by the smallest whole number that brings
/// it to `max_fps` or under (120 → 60, 100 → 50, 1000 → 58.8), or `None` when it is under.
pub fn fps_cap(source: Option<f64>, max_fps: u32) -> Option<f64> {
    let fps = source.filter(|f| f.is_finite() && *f > 0.0)?;
    let max = f64::from(max_fps);
    if fps <= max + 0.01 {
        return None;
    }
    let divisor = (fps / max).ceil();
    Some(fps / divisor)
}

/// zscale's linear-light tone-mapping chain (CPU), ending in BT.709 primaries and transfer.
/// The frame is already at its output size (scaling first: the float stages cost per pixel).
fn tonemap_chain(operator: &str, transfer: &str, primaries: &str, matrix: &str) -> String {
    format!(
        "zscale=tin={transfer}:pin={primaries}:min={matrix}:t=linear:npl=100,format=gbrpf32le,\
         zscale=p=bt709,tonemap=tonemap={operator}:desat=0"
    )
}

/// The LUT file and swscale's name of the source matrix, when `tone` goes through `lut3d`.
fn lut_of(tone: &Tone) -> Option<(&Path, &'static str)> {
    match tone {
        Tone::ToSdr { lut: Some(lut), matrix, .. } => Some((lut.as_path(), super::tonemap::swscale_matrix(matrix)?)),
        _ => None,
    }
}

/// The `-vf` of one output: frame rate, size, colours.
fn video_filter(e: &Encode, picture: &Picture) -> String {
    let mut f = String::new();
    if let Some(fps) = picture.fps {
        f.push_str(&format!("fps=fps={fps:.4},"));
    }
    // ffmpeg applies the rotation (autorotate) before this filter, so w×h is upright.
    f.push_str(&format!("scale={}:{}:flags=lanczos", e.width, e.height));
    if let Some((lut, m)) = lut_of(&picture.tone) {
        // Scaled and converted to 16-bit RGB in one swscale pass, mapped, back to 4:2:0.
        f.push_str(&format!(
            ":in_color_matrix={m},format=gbrp16le,lut3d=file={}:interp=tetrahedral,\
             scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
            lut.display()
        ));
        return f;
    }
    match &picture.tone {
        Tone::Sdr => f.push_str(",format=yuv420p"),
        Tone::ToSdr { operator, transfer, primaries, matrix, .. } => {
            f.push(',');
            f.push_str(&tonemap_chain(operator, transfer, primaries, matrix));
            f.push_str(",zscale=t=bt709:m=bt709:r=tv,format=yuv420p");
        }
        Tone::KeepHdr { .. } => f.push_str(",format=yuv420p10le"),
    }
    f
}

/// Codec, quality and colour tags of one output.
fn codec_args(cfg: &VideoConfig, preset: &str, e: &Encode, tone: &Tone) -> Vec<String> {
    let threads = cfg.threads.to_string();
    let mut a = match (e.codec, tone) {
        // Kept HDR is HEVC Main 10 whatever the rendition asked for.
        (_, Tone::KeepHdr { transfer }) => vec![
            s("-c:v"),
            s("libx265"),
            s("-preset"),
            s(preset),
            s("-crf"),
            e.crf.to_string(),
            s("-x265-params"),
            format!(
                "pools={threads}:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc:hdr10-opt=1:repeat-headers=1"
            ),
            s("-tag:v"),
            s("hvc1"),
            s("-color_primaries"),
            s("bt2020"),
            s("-color_trc"),
            transfer.clone(),
            s("-colorspace"),
            s("bt2020nc"),
        ],
        (VideoCodec::H264, _) => vec![s("-c:v"), s("libx264"), s("-preset"), s(preset), s("-crf"), e.crf.to_string()],
        (VideoCodec::Hevc, _) => vec![
            s("-c:v"),
            s("libx265"),
            s("-preset"),
            s(preset),
            s("-crf"),
            e.crf.to_string(),
            s("-x265-params"),
            format!("pools={threads}:log-level=error"),
            s("-tag:v"),
            s("hvc1"),
        ],
        (VideoCodec::Av1, _) => vec![
            s("-c:v"),
            s("libsvtav1"),
            s("-preset"),
            svt_preset(preset).to_string(),
            s("-crf"),
            e.crf.to_string(),
            s("-svtav1-params"),
            format!("lp={threads}"),
        ],
    };
    if matches!(tone, Tone::ToSdr { .. }) {
        a.extend([s("-color_primaries"), s("bt709"), s("-color_trc"), s("bt709"), s("-colorspace"), s("bt709")]);
    }
    a
}

/// SVT-AV1's preset (0 slowest – 13 fastest) nearest to an x264 preset's speed.
fn svt_preset(x264: &str) -> u8 {
    match x264 {
        "ultrafast" => 12,
        "superfast" => 11,
        "veryfast" => 10,
        "faster" => 9,
        "fast" => 8,
        "medium" => 7,
        "slow" => 5,
        _ => 4,
    }
}

/// One run that decodes the input once and writes every output in `encodes`.
pub fn transcode_args(
    cfg: &VideoConfig,
    profile: &Profile,
    demuxer: &str,
    input: &Path,
    encodes: &[Encode],
    picture: &Picture,
) -> Vec<String> {
    let pv = &profile.video;
    let mut args = vec![s("-nostdin"), s("-hide_banner"), s("-y")];
    // A container that lies about its duration still stops at the profile's limit.
    let mut input_opts = threads(cfg).to_vec();
    input_opts.extend([s("-t"), format!("{:.3}", pv.max_duration.get().as_secs_f64())]);
    args.extend(safe_input(demuxer, input, &input_opts));
    // Output options apply to the output file that follows them, so each output repeats them.
    for e in encodes {
        args.extend([
            s("-map"),
            // `V` (not `v`) skips attached pictures (cover art), as the probe does.
            s("0:V:0"),
            s("-map"),
            s("0:a:0?"),
            s("-map_metadata"),
            s("-1"),
            s("-map_chapters"),
            s("-1"),
            s("-sn"),
            s("-dn"),
            s("-vf"),
            video_filter(e, picture),
        ]);
        args.extend(codec_args(cfg, &pv.preset, e, &picture.tone));
        args.extend([
            s("-c:a"),
            s("aac"),
            s("-b:a"),
            pv.audio_bitrate.clone(),
            s("-threads"),
            cfg.threads.to_string(),
            s("-movflags"),
            s("+faststart"),
            s("-f"),
            s("mp4"),
            e.path.display().to_string(),
        ]);
    }
    args
}

/// An animated GIF or APNG as an H.264 MP4 (the profile's `animation_mp4`): frame timing kept
/// (variable frame rate), no audio, `w`×`h` (even). Transparency is not kept (MP4 has none).
pub fn animation_args(
    cfg: &VideoConfig,
    profile: &Profile,
    demuxer: &str,
    input: &Path,
    out: &Path,
    w: u32,
    h: u32,
) -> Vec<String> {
    let pv = &profile.video;
    let mut args = vec![s("-nostdin"), s("-hide_banner"), s("-y")];
    args.extend(safe_input(demuxer, input, &threads(cfg)));
    args.extend([
        s("-map"),
        s("0:V:0"),
        s("-an"),
        s("-map_metadata"),
        s("-1"),
        s("-vf"),
        format!("scale={w}:{h}:flags=lanczos,format=yuv420p"),
        s("-fps_mode"),
        s("vfr"),
        s("-c:v"),
        s("libx264"),
        s("-preset"),
        pv.preset.clone(),
        s("-crf"),
        pv.crf.to_string(),
        s("-threads"),
        cfg.threads.to_string(),
        s("-movflags"),
        s("+faststart"),
        s("-f"),
        s("mp4"),
        out.display().to_string(),
    ]);
    args
}

/// One frame at `at_secs` as PNG, seeking before the input so it costs the same on a two-hour
/// file as on a ten-second one. An HDR frame goes through the same tone mapping as the video
/// (a kept-HDR video's poster too: a JPEG is SDR).
pub fn poster_args(
    cfg: &VideoConfig,
    demuxer: &str,
    input: &Path,
    at_secs: f64,
    out: &Path,
    tone: &Tone,
) -> Vec<String> {
    let mut args = vec![s("-nostdin"), s("-hide_banner"), s("-y")];
    let mut input_opts = threads(cfg).to_vec();
    input_opts.extend([s("-ss"), format!("{at_secs:.3}")]);
    args.extend(safe_input(demuxer, input, &input_opts));
    args.extend([s("-map"), s("0:V:0")]);
    match (tone, lut_of(tone)) {
        (_, Some((lut, m))) => {
            args.extend([
                s("-vf"),
                format!(
                    "scale=in_color_matrix={m},format=gbrp16le,lut3d=file={}:interp=tetrahedral,format=gbrp",
                    lut.display()
                ),
            ]);
        }
        (Tone::ToSdr { operator, transfer, primaries, matrix, .. }, None) => {
            args.extend([
                s("-vf"),
                format!("{},zscale=t=bt709,format=gbrp", tonemap_chain(operator, transfer, primaries, matrix)),
            ]);
        }
        (Tone::Sdr | Tone::KeepHdr { .. }, None) => {}
    }
    args.extend([
        s("-frames:v"),
        s("1"),
        s("-map_metadata"),
        s("-1"),
        s("-c:v"),
        s("png"),
        s("-f"),
        s("image2"),
        out.display().to_string(),
    ]);
    args
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn position(args: &[String], flag: &str) -> usize {
        args.iter().position(|a| a == flag).unwrap_or_else(|| panic!("{flag} missing: {args:?}"))
    }

    #[test]
    fn every_command_reads_the_input_the_safe_way() {
        let cfg = VideoConfig::default();
        let profile = Profile::default();
        let input = Path::new("/tmp/in");
        let enc = Encode {
            name: "video".into(),
            path: PathBuf::from("/tmp/out.mp4"),
            width: 640,
            height: 360,
            crf: 23,
            codec: VideoCodec::H264,
        };
        let sdr = Picture { tone: Tone::Sdr, fps: None };
        let commands = [
            probe_args("mov", input),
            transcode_args(&cfg, &profile, "mov", input, &[enc], &sdr),
            poster_args(&cfg, "mov", input, 1.0, Path::new("/tmp/f.png"), &Tone::Sdr),
        ];
        for args in &commands {
            let at = |flag: &str| position(args, flag);
            let i = at("-i");
            assert_eq!(args[i + 1], "/tmp/in");
            // ffmpeg applies options to the next file named: after `-i` they would bind the output.
            for flag in ["-protocol_whitelist", "-f"] {
                assert!(at(flag) < i, "{flag} must be an input option: {args:?}");
            }
            assert_eq!(args[at("-protocol_whitelist") + 1], "file");
            assert_eq!(args[at("-f") + 1], "mov");
        }
        for args in &commands[1..] {
            for flag in ["-threads", "-filter_threads"] {
                assert!(position(args, flag) < position(args, "-i"), "{flag} bounds decoding too: {args:?}");
            }
        }
        let t = &commands[1];
        assert!(position(t, "-t") < position(t, "-i"), "the duration cap is an input option");
        let limit: f64 = t[position(t, "-t") + 1].parse().unwrap();
        assert!((limit - profile.video.max_duration.get().as_secs_f64()).abs() < 1e-6);
        assert_eq!(t[position(t, "-map") + 1], "0:V:0");
        assert!(position(&commands[2], "-ss") < position(&commands[2], "-i"), "posters seek before the input");
    }

    fn encode_720p() -> Encode {
        Encode {
            name: "video".into(),
            path: PathBuf::from("/tmp/o.mp4"),
            width: 1280,
            height: 720,
            crf: 23,
            codec: VideoCodec::H264,
        }
    }

    fn hlg() -> Tone {
        Tone::ToSdr {
            operator: "mobius".into(),
            transfer: "arib-std-b67".into(),
            primaries: "bt2020".into(),
            matrix: "bt2020nc".into(),
            lut: None,
        }
    }

    #[test]
    fn hdr_is_scaled_first_then_tone_mapped_and_tagged_bt709() {
        let e = encode_720p();
        let f = video_filter(&e, &Picture { tone: hlg(), fps: Some(60.0) });
        let (fps, scale, tonemap) =
            (f.find("fps=").unwrap(), f.find("scale=1280:720").unwrap(), f.find("tonemap=").unwrap());
        assert!(fps < scale && scale < tonemap, "drop frames, then scale, then the float stages: {f}");
        assert!(f.contains("tin=arib-std-b67:pin=bt2020:min=bt2020nc") && f.ends_with("format=yuv420p"), "{f}");
        let args = codec_args(&VideoConfig::default(), "veryfast", &e, &hlg());
        for tag in ["-color_primaries", "-color_trc", "-colorspace"] {
            assert_eq!(args[position(&args, tag) + 1], "bt709", "{tag}");
        }
        let keep = codec_args(&VideoConfig::default(), "veryfast", &e, &Tone::KeepHdr { transfer: "smpte2084".into() });
        assert_eq!(keep[position(&keep, "-c:v") + 1], "libx265", "kept HDR is HEVC whatever the rendition says");
        assert_eq!(keep[position(&keep, "-color_trc") + 1], "smpte2084");
        let av1 = Encode { codec: VideoCodec::Av1, ..e };
        assert_eq!(codec_args(&VideoConfig::default(), "veryfast", &av1, &Tone::Sdr)[1], "libsvtav1");
    }

    #[test]
    fn a_tone_with_a_lut_goes_through_lut3d_unless_swscale_cannot_read_the_matrix() {
        let e = encode_720p();
        let with_lut = |matrix: &str| Tone::ToSdr {
            operator: "mobius".into(),
            transfer: "smpte2084".into(),
            primaries: "bt2020".into(),
            matrix: matrix.into(),
            lut: Some(PathBuf::from("/tmp/job/tonemap.cube")),
        };
        let f = video_filter(&e, &Picture { tone: with_lut("bt2020nc"), fps: None });
        assert_eq!(
            f,
            "scale=1280:720:flags=lanczos:in_color_matrix=bt2020,format=gbrp16le,\
             lut3d=file=/tmp/job/tonemap.cube:interp=tetrahedral,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"
        );
        let poster = poster_args(
            &VideoConfig::default(),
            "mov",
            Path::new("/tmp/in"),
            1.0,
            Path::new("/tmp/f.png"),
            &with_lut("bt2020nc"),
        );
        let vf = &poster[position(&poster, "-vf") + 1];
        assert!(
            vf.contains("in_color_matrix=bt2020,")
                && vf.contains("lut3d=file=/tmp/job/tonemap.cube")
                && vf.ends_with("format=gbrp"),
            "{vf}"
        );
        // Constant-luminance BT.2020: swscale has no such matrix, zscale does.
        let cl = video_filter(&e, &Picture { tone: with_lut("bt2020c"), fps: None });
        assert!(cl.contains("zscale=tin=smpte2084:pin=bt2020:min=bt2020c") && !cl.contains("lut3d"), "{cl}");
    }

    #[test]
    fn frame_rates_over_the_cap_are_divided_by_a_whole_number() {
        assert_eq!(fps_cap(Some(30.0), 60), None);
        assert_eq!(fps_cap(Some(60.0), 60), None);
        assert_eq!(fps_cap(Some(120.0), 60), Some(60.0));
        assert_eq!(fps_cap(Some(100.0), 60), Some(50.0));
        assert!((fps_cap(Some(1000.0), 60).unwrap() - 1000.0 / 17.0).abs() < 1e-9);
        assert_eq!(fps_cap(Some(f64::NAN), 60), None);
        assert_eq!(fps_cap(None, 60), None);
    }
}
