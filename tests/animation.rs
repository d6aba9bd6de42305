//! Animated GIF, WebP and PNG: WebP variants stay animated with their frame timing, other
//! variants take the first frame, the profile's caps (read from the headers) turn oversized
//! animations into stills, and a 40,000-frame GIF stays bounded.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use uploadd::config::Animation;
use uploadd::db::Status;

const T: Duration = Duration::from_secs(120);

/// Three animations of 4 frames (red, green, blue, white squares on grey), delays 100, 200,
/// 300 and 400 ms.
const GENERATE: &str = r#"
import sys
from PIL import Image
out = sys.argv[1]
colours = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (250, 250, 250)]
frames = []
for c in colours:
    im = Image.new('RGB', (120, 80), (128, 128, 128))
    im.paste(c, (20, 20, 60, 60))
    frames.append(im)
kw = dict(save_all=True, append_images=frames[1:], duration=[100, 200, 300, 400], loop=0)
frames[0].save(f'{out}/anim.gif', **kw)
frames[0].save(f'{out}/anim.webp', lossless=True, **kw)
frames[0].save(f'{out}/anim.png', **kw)
"#;

/// `frames` 1×1 frames of 100 ms: a GIF whose header walk is long and whose decode would be.
fn gif_with_frames(frames: usize) -> Vec<u8> {
    let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00".to_vec();
    for _ in 0..frames {
        g.extend_from_slice(b"\x21\xf9\x04\x00\x0a\x00\x00\x00");
        g.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00");
    }
    g.push(0x3b);
    g
}

fn webp_frames(data: &[u8]) -> Vec<(u32, image::RgbaImage)> {
    let dec = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(data)).expect("a WebP");
    if !dec.has_animation() {
        return vec![(0, image::load_from_memory(data).expect("a still WebP").into_rgba8())];
    }
    image::AnimationDecoder::into_frames(dec)
        .map(|f| {
            let f = f.expect("a frame");
            (f.delay().numer_denom_ms().0, f.into_buffer())
        })
        .collect()
}

async fn outputs(app: &uploadd::app::App, id: &str) -> (serde_json::Value, Vec<(String, Vec<u8>)>) {
    let rec = wait_terminal(app, id, T).await;
    assert_eq!(rec.status, Status::Ready, "{:?}", rec.reason);
    let mut out = Vec::new();
    for o in &rec.outputs {
        out.push((o.variant.clone(), read_object(app, &o.key).await));
    }
    (rec.media.unwrap_or_default(), out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn animations_stay_animated_in_webp_with_their_timing() {
    let env = TestEnv::new(Stack::Embedded).await;
    let dir = fixtures(&env, GENERATE);
    let app = env
        .app_with(|cfg| {
            let mut still = cfg.profiles["default"].clone();
            still.animation = Animation::Still;
            cfg.profiles.insert("still".into(), still);
            let mut mp4 = cfg.profiles["default"].clone();
            mp4.animation_mp4 = true;
            cfg.profiles.insert("mp4".into(), mp4);
        })
        .await;
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for name in ["anim.gif", "anim.webp", "anim.png"] {
        ids.push((name, enqueue_file(&app, &dir.join(name), "default").await));
    }
    let still = enqueue_file(&app, &dir.join("anim.gif"), "still").await;
    let mp4s = [
        enqueue_file(&app, &dir.join("anim.gif"), "mp4").await,
        enqueue_file(&app, &dir.join("anim.png"), "mp4").await,
    ];
    for (name, id) in ids {
        let (media, out) = outputs(&app, &id).await;
        assert_eq!(media["frames"], 4, "{name}: {media}");
        assert_eq!(media["animation"]["animated_output"], true, "{name}: {media}");
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["display", "thumb", "webp"], "{name}");
        let frames = webp_frames(&out[2].1);
        let delays: Vec<u32> = frames.iter().map(|(d, _)| *d).collect();
        assert_eq!(delays, [100, 200, 300, 400], "{name}: timing kept");
        // Each frame shows its own square, in the middle.
        for ((_, f), want) in frames.iter().zip([[220, 30, 30], [30, 200, 30], [30, 30, 220], [250, 250, 250]]) {
            let p = f.get_pixel(40, 40);
            assert!((0..3).all(|c| p[c].abs_diff(want[c]) < 40), "{name}: {p:?} should be {want:?}");
        }
        // The JPEG is the first frame.
        let display = image::load_from_memory(&out[0].1).unwrap().into_rgb8();
        let p = display.get_pixel(40, 40);
        assert!(p[0] > 180 && p[1] < 80, "{name}: first frame (red): {p:?}");
    }
    let (media, out) = outputs(&app, &still).await;
    assert_eq!(media["animation"]["animated_output"], false);
    assert!(media["animation"]["reason"].as_str().unwrap().contains("still"), "{media}");
    assert_eq!(webp_frames(&out[2].1).len(), 1, "animation = \"still\": one frame");
    // `animation_mp4`: an H.264 MP4 as well, each frame starting when it did (0, 0.1, 0.3 and
    // 0.6 s). ffmpeg 5.1 gives the last frame 0.1 s instead of its 0.4 (documented).
    for id in mp4s {
        let (_, out) = outputs(&app, &id).await;
        let (name, data) = out.iter().find(|(n, _)| n == "animation").expect("animation.mp4");
        let path = env.data_dir().join(format!("{id}-{name}.mp4"));
        std::fs::write(&path, data).unwrap();
        let probe = std::process::Command::new(services().get("UPLOADD_TEST_FFPROBE"))
            .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name:packet=pts_time"])
            .args(["-print_format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
        assert_eq!(v["streams"][0]["codec_name"], "h264");
        let mut starts: Vec<f64> =
            v["packets"].as_array().unwrap().iter().map(|p| p["pts_time"].as_str().unwrap().parse().unwrap()).collect();
        starts.sort_by(f64::total_cmp);
        let want = [0.0, 0.1, 0.3, 0.6];
        assert_eq!(starts.len(), 4, "{starts:?}");
        assert!(starts.iter().zip(want).all(|(a, b)| (a - b).abs() < 0.02), "frame times {starts:?}, want {want:?}");
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_cap_an_animation_becomes_a_still_and_40000_frames_stay_bounded() {
    let env = TestEnv::new(Stack::Embedded).await;
    let dir = fixtures(&env, GENERATE);
    let huge = dir.join("40000.gif");
    std::fs::write(&huge, gif_with_frames(40_000)).unwrap();
    let app = env
        .app_with(|cfg| {
            let mut small = cfg.profiles["default"].clone();
            // 120 × 80 × 4 frames = 38,400 pixels: over this cap.
            small.max_animation_pixels = 30_000;
            cfg.profiles.insert("small".into(), small);
        })
        .await;
    let worker = RunningWorker::start(&app);
    let started = Instant::now();
    let huge_id = enqueue_file(&app, &huge, "default").await;
    let capped = enqueue_file(&app, &dir.join("anim.gif"), "small").await;
    let (media, out) = outputs(&app, &huge_id).await;
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(media["frames"], 40_000);
    assert_eq!(media["animation"]["animated_output"], false);
    assert!(media["animation"]["reason"].as_str().unwrap().contains("over max_frames (1000)"), "{media}");
    assert_eq!(webp_frames(&out[2].1).len(), 1);
    let (media, out) = outputs(&app, &capped).await;
    assert!(media["animation"]["reason"].as_str().unwrap().contains("max_animation_pixels"), "{media}");
    assert_eq!(webp_frames(&out[2].1).len(), 1);
    worker.shutdown().await;
}

/// APNGs written chunk by chunk: 32×24, a red first frame (the default image) then blue and
/// green. `apng16.png` is 16-bit RGBA (valid; the `image` crate's frame decoder has no 16-bit
/// path), `badseq.png` numbers its third frame's chunk 9 instead of 4 (a broken animation whose
/// default image is intact, as in Pillow's test corpus).
const APNGS: &str = r#"
import struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
def pixels(rgb, depth):
    w, h = 32, 24
    px = b''.join((bytes([c]) if depth == 8 else bytes([c, c])) for c in (*rgb, 255))
    return zlib.compress(b''.join(b'\x00' + px * w for _ in range(h)))
def apng(depth, seqs):
    frames = [(220, 30, 30), (30, 30, 220), (30, 200, 30)]
    b = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 32, 24, depth, 6, 0, 0, 0))
    b += chunk(b'acTL', struct.pack('>II', len(frames), 0))
    seq = iter(seqs)
    for i, rgb in enumerate(frames):
        b += chunk(b'fcTL', struct.pack('>IIIIIHHBB', next(seq), 32, 24, 0, 0, 10, 100, 0, 0))
        data = pixels(rgb, depth)
        b += chunk(b'IDAT', data) if i == 0 else chunk(b'fdAT', struct.pack('>I', next(seq)) + data)
    return b + chunk(b'IEND', b'')
open(f'{out}/apng16.png', 'wb').write(apng(16, range(5)))
open(f'{out}/badseq.png', 'wb').write(apng(8, [0, 1, 2, 3, 9]))
open(f'{out}/goodseq.png', 'wb').write(apng(8, range(5)))
# A GIF cut off inside its third frame's data, as a partial download leaves it.
from PIL import Image
import io, random
random.seed(7)
gif = io.BytesIO()
noisy = lambda rgb: Image.frombytes('RGB', (32, 24), bytes(c if random.random() < 0.9 else 255 - c for _ in range(32 * 24) for c in rgb))
frames = [noisy(rgb) for rgb in [(220, 30, 30), (30, 30, 220), (30, 200, 30)]]
frames[0].save(gif, format='GIF', save_all=True, append_images=frames[1:], duration=100, loop=0)
data = gif.getvalue()
third = data.rindex(b'\x2c\x00\x00\x00\x00')
open(f'{out}/truncated.gif', 'wb').write(data[:third + 40])
check = Image.open(f'{out}/truncated.gif'); check.load()
"#;

/// An animation that cannot be decoded frame by frame used to make the whole upload `rejected`
/// (`corrupt`) although its default image is fine (Pillow, browsers and every non-APNG reader
/// show it): now every output is that first frame and the facts say why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_animation_whose_frames_cannot_be_decoded_keeps_its_first_frame() {
    let env = TestEnv::new(Stack::Embedded).await;
    let dir = fixtures(&env, APNGS);
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let good = enqueue_file(&app, &dir.join("goodseq.png"), "default").await;
    let (media, out) = outputs(&app, &good).await;
    assert_eq!(media["animation"]["animated_output"], true, "the generator writes valid APNGs: {media}");
    assert_eq!(webp_frames(&out[2].1).len(), 3);
    for name in ["apng16.png", "badseq.png"] {
        let id = enqueue_file(&app, &dir.join(name), "default").await;
        let (media, out) = outputs(&app, &id).await;
        assert_eq!(media["frames"], 3, "{name}: {media}");
        assert_eq!(media["animation"]["animated_output"], false, "{name}: {media}");
        let reason = media["animation"]["reason"].as_str().unwrap();
        assert!(reason.contains("cannot be decoded") && reason.contains("first frame"), "{name}: {reason}");
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["display", "thumb", "webp"], "{name}");
        let frames = webp_frames(&out[2].1);
        assert_eq!(frames.len(), 1, "{name}: a still WebP");
        for data in [&out[0].1, &out[2].1] {
            let img = image::load_from_memory(data).unwrap().into_rgb8();
            let p = img.get_pixel(16, 12);
            assert!(p[0] > 180 && p[1] < 80 && p[2] < 80, "{name}: the first frame (red): {p:?}");
        }
    }
    // Cut off inside a later frame: the complete frames are counted and the first one is the
    // image (it used to be `rejected`: "GIF: truncated"), as in Pillow and browsers.
    let id = enqueue_file(&app, &dir.join("truncated.gif"), "default").await;
    let (media, out) = outputs(&app, &id).await;
    assert_eq!(media["frames"], 2, "{media}");
    let img = image::load_from_memory(&out[0].1).unwrap().into_rgb8();
    let mean = |c: usize| img.pixels().map(|p| u64::from(p[c])).sum::<u64>() / u64::from(img.width() * img.height());
    assert!(mean(0) > 150 && mean(2) < 100, "the first frame (red): {} {} {}", mean(0), mean(1), mean(2));
    worker.shutdown().await;
}

/// Runs a generator script into the test's `fixtures/` directory, returned.
fn fixtures(env: &TestEnv, script: &str) -> std::path::PathBuf {
    let dir = env.data_dir().join("fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    python(script, &[&dir.display().to_string()]);
    dir
}

async fn enqueue_file(app: &uploadd::app::App, path: &Path, profile: &str) -> String {
    uploadd::producer::enqueue_file(app, path, profile, uploadd::producer::EnqueueOptions::default())
        .await
        .unwrap()
        .to_string()
}
