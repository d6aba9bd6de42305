//! ffmpeg and ffprobe command lines. Every one starts with [`safe_input`]: the only place that
//! says how uploadd lets ffmpeg read an upload.

use std::path::Path;

use crate::config::{Profile, VideoConfig};

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
}

/// One run that decodes the input once and writes every output in `encodes`.
pub fn transcode_args(
    cfg: &VideoConfig,
    profile: &Profile,
    demuxer: &str,
    input: &Path,
    encodes: &[Encode],
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
            // ffmpeg applies the rotation (autorotate) before this filter, so w×h is upright.
            s("-vf"),
            format!("scale={}:{}:flags=lanczos,format=yuv420p", e.width, e.height),
            s("-c:v"),
            s("libx264"),
            s("-preset"),
            pv.preset.clone(),
            s("-crf"),
            e.crf.to_string(),
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

/// One frame at `at_secs` as PNG, seeking before the input so it costs the same on a two-hour
/// file as on a ten-second one.
pub fn poster_args(cfg: &VideoConfig, demuxer: &str, input: &Path, at_secs: f64, out: &Path) -> Vec<String> {
    let mut args = vec![s("-nostdin"), s("-hide_banner"), s("-y")];
    let mut input_opts = threads(cfg).to_vec();
    input_opts.extend([s("-ss"), format!("{at_secs:.3}")]);
    args.extend(safe_input(demuxer, input, &input_opts));
    args.extend([
        s("-map"),
        s("0:V:0"),
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
        let enc =
            Encode { name: "video".into(), path: PathBuf::from("/tmp/out.mp4"), width: 640, height: 360, crf: 23 };
        let commands = [
            probe_args("mov", input),
            transcode_args(&cfg, &profile, "mov", input, &[enc]),
            poster_args(&cfg, "mov", input, 1.0, Path::new("/tmp/f.png")),
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
}
