//! Photos as phones and cameras make them: HEIC/AVIF (single, grid, alpha, 10-bit, rotated),
//! wide-gamut and CMYK colour, EXIF orientations in JPEG, WebP and HEIC, odd-but-valid PNGs and
//! JPEGs — each output compared pixel by pixel with Pillow (+ pillow-heif, + LittleCMS for
//! colour) as the reference — and the hostile counterparts, which must be rejected fast.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use uploadd::config::{Colour, Fit, OutputFormat, Profile, VariantSpec};
use uploadd::db::Status;

const T: Duration = Duration::from_secs(120);

/// Writes every fixture into argv[1] and, next to each, `<name>.ref.png`: what the image should
/// look like upright and in sRGB, made by Pillow (and LittleCMS through ImageCms).
const GENERATE: &str = r#"
import io, sys
from PIL import Image, ImageCms, ImageOps
import pillow_heif
pillow_heif.register_heif_opener()
out, p3_path = sys.argv[1], sys.argv[2]
p3 = open(p3_path, 'rb').read()
adobe = open('/usr/share/color/icc/colord/AdobeRGB1998.icc', 'rb').read()
srgb_icc = open('/usr/share/color/icc/colord/sRGB.icc', 'rb').read()
cmyk_icc = open('/usr/share/color/icc/ghostscript/default_cmyk.icc', 'rb').read()
SRGB = ImageCms.createProfile('sRGB')

def photo(w=96, h=64, alpha=False):
    """Saturated patches (what a gamut conversion moves), a gradient, and a row of edges;
    asymmetric, so any wrong rotation or mirroring shows."""
    img = Image.new('RGBA' if alpha else 'RGB', (w, h))
    px = img.load()
    for y in range(h):
        for x in range(w):
            if y < 4:
                c = (255, 255, 255) if (x // 2) % 2 else (0, 0, 0)
            elif x < w // 3:
                c = (230, 30, 40)
            elif x < 2 * w // 3:
                c = (40, 210, 60)
            else:
                c = (int(255 * y / (h - 1)), 90, 200)
            px[x, y] = c + ((255 if x < w // 2 else 96),) if alpha else c
    return img

def reference(path, im=None, convert=True):
    """Pillow's reading of the file: first frame, upright, in sRGB."""
    if im is None:
        im = Image.open(path)
        im.load()
        if not path.endswith(('.heic', '.avif')):
            im = ImageOps.exif_transpose(im)
    icc = im.info.get('icc_profile')
    alpha = im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info)
    if convert and icc and im.mode in ('RGB', 'RGBA', 'CMYK', 'L'):
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = 'RGBA' if im.mode == 'RGBA' else 'RGB'
        try:
            converted = ImageCms.profileToProfile(im, src, SRGB, renderingIntent=0, outputMode=mode)
        except ImageCms.PyCMSError:
            # A profile that does not fit the pixels (RGB profile, CMYK data): ignored, as
            # LittleCMS, libvips and browsers ignore it.
            converted = None
        # What the pixels look like unconverted: the conversion must move the output away
        # (an sRGB profile moves nothing).
        if converted is not None and 'srgb' not in path:
            im.convert('RGBA' if alpha else 'RGB').save(path + '.raw.png')
        im = converted or im
    im.convert('RGBA' if alpha else 'RGB').save(path + '.ref.png')

def save(name, img, **kw):
    path = f'{out}/{name}'
    img.save(path, **kw)
    return path

# Wide gamut and CMYK, tagged: converted to sRGB.
for name, kw in [('p3.jpg', dict(quality=95, icc_profile=p3)), ('p3.png', dict(icc_profile=p3)),
                 ('p3.webp', dict(lossless=True, icc_profile=p3)), ('adobe.jpg', dict(quality=95, icc_profile=adobe)),
                 ('srgb-tagged.jpg', dict(quality=95, icc_profile=srgb_icc)), ('untagged.jpg', dict(quality=95)),
                 ('p3.heic', dict(quality=95, icc_profile=p3))]:
    reference(save(name, photo(), **kw))
reference(save('cmyk.jpg', photo().convert('CMYK'), quality=95, icc_profile=cmyk_icc))
# Grey images with a grey profile (Photoshop's "Dot Gain 20%" and "Gray Gamma" are of this
# kind; Artifex's linear "PS Gray" moves mid-grey by ~60 levels): converted like RGB ones.
grey_icc = open('/usr/share/color/icc/ghostscript/ps_gray.icc', 'rb').read()
reference(save('grey-tagged.jpg', photo().convert('L'), quality=95, icc_profile=grey_icc))
reference(save('grey-tagged.png', photo().convert('L'), icc_profile=grey_icc))
# A profile of the wrong kind for the pixels is ignored: an RGB profile on CMYK inks.
reference(save('cmyk-rgb-profile.jpg', photo().convert('CMYK'), quality=95, icc_profile=adobe))
# "keep": the P3 photo's own colours, unconverted.
reference(f'{out}/p3.png', Image.open(f'{out}/p3.png'), convert=False)
import shutil; shutil.copy(f'{out}/p3.png.ref.png', f'{out}/p3-kept.ref.png')
reference(f'{out}/p3.png')

# HEIC and AVIF as phones write them.
reference(save('plain.heic', photo(), quality=95))
reference(save('alpha.heic', photo(alpha=True), quality=95))
reference(save('plain.avif', photo(), quality=95))
reference(save('alpha.avif', photo(alpha=True), quality=95))
grey = Image.linear_gradient('L').resize((96, 64))
g16 = Image.new('I;16', grey.size)
g16.putdata([v * 257 for v in grey.get_flattened_data()])
pillow_heif.from_pillow(g16).save(f'{out}/grey-10bit.heic', quality=95)
grey.convert('RGB').save(f'{out}/grey-10bit.heic.ref.png')
pillow_heif.options.GRID_TILE_SIZE = 512
reference(save('grid.heic', photo().resize((1100, 700), Image.NEAREST), quality=90))
pillow_heif.options.GRID_TILE_SIZE = 0
ex = Image.Exif(); ex[0x0112] = 6
reference(save('irot-and-exif-6.heic', photo(), quality=95, exif=ex.tobytes()))
# Odd sizes: HEVC codes even sizes only, so libheif pads the picture and crops it back with a
# clean aperture (`clap`), before or after the rotation.
reference(save('odd.heic', photo(101, 77), quality=95))
reference(save('odd-alpha.heic', photo(101, 77, alpha=True), quality=95))
reference(save('odd-irot.heic', photo(101, 77), quality=95, exif=ex.tobytes()))
reference(save('odd.avif', photo(101, 77), quality=95))

# EXIF orientation 1-8 in JPEG and WebP.
for o in range(1, 9):
    ex = Image.Exif(); ex[0x0112] = o
    reference(save(f'orient-{o}.jpg', photo(), quality=95, exif=ex.tobytes()))
    reference(save(f'orient-{o}.webp', photo(), lossless=True, exif=ex.tobytes()))

# Odd but valid.
g16.save(f'{out}/grey-16bit.png')
grey.convert('RGB').save(f'{out}/grey-16bit.png.ref.png')
pal = photo().quantize(16)
pal.info['transparency'] = 0
reference(save('palette-trns.png', pal, transparency=0))
reference(save('grey-alpha.png', photo(alpha=True).convert('LA')))
frames = [photo(), photo().transpose(Image.FLIP_LEFT_RIGHT), photo().transpose(Image.FLIP_TOP_BOTTOM)]
frames[0].save(f'{out}/animated.png', save_all=True, append_images=frames[1:], duration=100, loop=0)
reference(f'{out}/animated.png', frames[0])
reference(save('progressive-restart.jpg', photo(), quality=95, progressive=True, restart_marker_rows=1))

def interlaced_png(img, path):
    """Adam7 (Pillow cannot write it): seven passes of filter-0 scanlines."""
    import struct, zlib
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    w, h = img.size
    px = img.load()
    raw = b''
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        xs, ys = range(x0, w, dx), range(y0, h, dy)
        if len(xs) and len(ys):
            for y in ys:
                raw += b'\0' + b''.join(bytes(px[x, y]) for x in xs)
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 1)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
    open(path, 'wb').write(data)
    check = Image.open(path)
    assert check.info.get('interlace') == 1 and list(check.convert('RGB').get_flattened_data()) == list(img.get_flattened_data())
interlaced_png(photo(93, 61), f'{out}/interlaced.png')
reference(f'{out}/interlaced.png')
"#;

/// (file, max mean difference per channel, max single difference) against the reference.
fn cases() -> Vec<(String, f64, u8)> {
    let mut v: Vec<(String, f64, u8)> = [
        ("p3.jpg", 2.0, 40),
        ("p3.png", 1.5, 6),
        ("p3.webp", 1.5, 6),
        ("adobe.jpg", 2.0, 40),
        ("srgb-tagged.jpg", 1.0, 40),
        ("untagged.jpg", 1.0, 40),
        // moxcms and LittleCMS treat the perceptual intent of a LUT-based CMYK profile slightly
        // differently (LittleCMS's own perceptual and relative renderings differ by 4.7 levels
        // on this image); a naive CMYK→RGB is ~30 levels off.
        ("cmyk.jpg", 5.0, 48),
        ("grey-tagged.jpg", 1.0, 40),
        ("grey-tagged.png", 0.5, 4),
        ("cmyk-rgb-profile.jpg", 1.0, 40),
        ("p3.heic", 3.0, 48),
        ("plain.heic", 3.0, 48),
        ("alpha.heic", 3.0, 48),
        // libavif (Pillow) and libheif upsample chroma differently: the 1-px black/white edge
        // row differs by up to ~80 levels; the rest of the image agrees.
        ("plain.avif", 3.0, 96),
        ("alpha.avif", 3.0, 96),
        ("grey-10bit.heic", 3.0, 24),
        ("grid.heic", 3.0, 64),
        ("irot-and-exif-6.heic", 3.0, 48),
        ("odd.heic", 3.0, 48),
        ("odd-alpha.heic", 3.0, 48),
        ("odd-irot.heic", 3.0, 64),
        ("odd.avif", 3.0, 96),
        ("grey-16bit.png", 0.0, 0),
        ("palette-trns.png", 0.5, 4),
        ("grey-alpha.png", 0.5, 4),
        ("animated.png", 0.5, 4),
        ("progressive-restart.jpg", 1.0, 40),
        ("interlaced.png", 0.0, 0),
    ]
    .into_iter()
    .map(|(n, mean, max)| (n.to_owned(), mean, max))
    .collect();
    for o in 1..=8 {
        v.push((format!("orient-{o}.jpg"), 1.0, 40));
        v.push((format!("orient-{o}.webp"), 0.5, 4));
    }
    v
}

fn generate(dir: &Path) {
    let p3 = dir.join("p3.icc");
    std::fs::write(&p3, moxcms::ColorProfile::new_display_p3().encode().unwrap()).unwrap();
    python(GENERATE, &[&dir.display().to_string(), &p3.display().to_string()]);
}

/// A profile whose one variant is a lossless PNG at least as large as any fixture, so the
/// output is exactly the decoded, upright, colour-converted image.
fn reference_profile(colour: Colour) -> Profile {
    Profile {
        colour,
        variants: vec![VariantSpec {
            name: "full".into(),
            width: 4096,
            height: 4096,
            fit: Fit::Contain,
            format: OutputFormat::Png,
            quality: 90,
            webp_method: 4,
            flatten: false,
        }],
        ..Profile::default()
    }
}

struct Diff {
    mean: f64,
    max: u8,
}

/// Compares RGB where both are opaque (alpha rounds through premultiplication), and alpha
/// itself everywhere.
fn compare(ours: &image::RgbaImage, reference: &image::RgbaImage) -> Diff {
    let (mut sum, mut n, mut max) = (0u64, 0u64, 0u8);
    for (a, b) in ours.pixels().zip(reference.pixels()) {
        let alpha = a[3].abs_diff(b[3]);
        max = max.max(alpha.saturating_sub(1));
        if a[3] == 255 && b[3] == 255 {
            for c in 0..3 {
                let d = a[c].abs_diff(b[c]);
                sum += u64::from(d);
                n += 1;
                max = max.max(d);
            }
        }
    }
    Diff { mean: if n == 0 { 0.0 } else { sum as f64 / n as f64 }, max }
}

async fn enqueue_as(app: &uploadd::app::App, path: &Path, profile: &str) -> String {
    uploadd::producer::enqueue_file(app, path, profile, uploadd::producer::EnqueueOptions::default())
        .await
        .unwrap_or_else(|e| panic!("enqueue {}: {e}", path.display()))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_and_camera_photos_match_pillow_upright_and_in_srgb() {
    let env = TestEnv::new(Stack::Embedded).await;
    let fixtures = env.data_dir().join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    generate(&fixtures);
    let app = env
        .app_with(|cfg| {
            cfg.profiles.insert("ref".into(), reference_profile(Colour::Srgb));
            cfg.profiles.insert("keep".into(), reference_profile(Colour::Keep));
        })
        .await;
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for (name, _, _) in cases() {
        let id = enqueue_as(&app, &fixtures.join(&name), "ref").await;
        ids.push(id);
    }
    let kept = enqueue_as(&app, &fixtures.join("p3.png"), "keep").await;
    let mut failures = Vec::new();
    let mut facts = BTreeMap::new();
    let mut converted = 0;
    for ((name, mean, max), id) in cases().into_iter().zip(&ids) {
        let rec = wait_terminal(&app, id, T).await;
        if rec.status != Status::Ready {
            failures.push(format!("{name}: {} {:?}", rec.status, rec.reason));
            continue;
        }
        facts.insert(name.clone(), rec.media.clone().unwrap_or_default());
        let out = image::load_from_memory(&read_object(&app, &rec.outputs[0].key).await).unwrap().into_rgba8();
        let reference = image::open(fixtures.join(format!("{name}.ref.png"))).unwrap().into_rgba8();
        if out.dimensions() != reference.dimensions() {
            failures.push(format!("{name}: {:?}, Pillow says {:?}", out.dimensions(), reference.dimensions()));
            continue;
        }
        let d = compare(&out, &reference);
        if d.mean > mean || d.max > max {
            failures.push(format!("{name}: mean difference {:.2} (≤ {mean}), max {} (≤ {max})", d.mean, d.max));
        }
        let raw = fixtures.join(format!("{name}.raw.png"));
        if raw.exists() {
            let unconverted = compare(&out, &image::open(&raw).unwrap().into_rgba8());
            if unconverted.mean < 2.0 * d.mean.max(1.0) {
                failures
                    .push(format!("{name}: not converted (mean {:.2} from the unconverted pixels)", unconverted.mean));
            }
            converted += 1;
        }
        assert_placeholders(rec.placeholders.as_ref().unwrap_or_else(|| panic!("{name}: no placeholders")));
    }
    assert!(failures.is_empty(), "outputs differ from Pillow's:\n{}", failures.join("\n"));
    assert_eq!(converted, 8, "P3 JPEG/PNG/WebP/HEIC, Adobe RGB, CMYK, grey JPEG/PNG: each converted");

    // The facts say what the header said.
    assert_eq!(facts["p3.jpg"]["color_profile"], "Display P3", "{}", facts["p3.jpg"]);
    assert_eq!(facts["grid.heic"]["format"], "heic");
    assert_eq!(facts["grid.heic"]["heif"]["codec"], "grid/hvc1");
    assert_eq!(facts["grid.heic"]["heif"]["tiles"], 6, "1100×700 in 512-px tiles");
    assert_eq!(facts["grey-10bit.heic"]["heif"]["bits"], 10);
    assert_eq!(facts["plain.avif"]["format"], "avif");
    assert_eq!(
        (facts["irot-and-exif-6.heic"]["width"].as_u64(), facts["irot-and-exif-6.heic"]["height"].as_u64()),
        (Some(64), Some(96))
    );
    assert_eq!(facts["irot-and-exif-6.heic"]["orientation"], 1, "irot applies; EXIF is not applied on top");

    // `colour = "keep"`: the original's colours, and its profile in the output.
    let rec = wait_terminal(&app, &kept, T).await;
    assert_eq!(rec.status, Status::Ready, "{:?}", rec.reason);
    let png = read_object(&app, &rec.outputs[0].key).await;
    let reader = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
    let p3 = std::fs::read(fixtures.join("p3.icc")).unwrap();
    assert!(reader.info().icc_profile.as_deref() == Some(&p3[..]), "the P3 profile is embedded as it was");
    let out = image::load_from_memory(&png).unwrap().into_rgba8();
    let d = compare(&out, &image::open(fixtures.join("p3-kept.ref.png")).unwrap().into_rgba8());
    assert!(d.max == 0, "kept colours are untouched: max difference {}", d.max);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heic_and_avif_take_the_default_profile_and_its_variants() {
    let env = TestEnv::new(Stack::Production).await;
    let fixtures = env.data_dir().join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    generate(&fixtures);
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for (name, declared) in [("grid.heic", "image/heic"), ("alpha.avif", "image/avif"), ("p3.heic", "image/heif")] {
        let bytes = std::fs::read(fixtures.join(name)).unwrap();
        ids.push((name, enqueue_bytes(&app, &env, name, &bytes, Some(declared)).await));
    }
    for (name, id) in ids {
        let rec = wait_terminal(&app, &id, T).await;
        assert_eq!(rec.status, Status::Ready, "{name}: {:?}", rec.reason);
        let variants: Vec<&str> = rec.outputs.iter().map(|o| o.variant.as_str()).collect();
        assert_eq!(variants, ["display", "thumb", "webp"], "{name}");
        let webp = image::load_from_memory(&read_object(&app, &rec.outputs[2].key).await).unwrap();
        assert_eq!(webp.color().has_alpha(), name.starts_with("alpha"), "{name}: alpha kept in WebP only when present");
        assert_placeholders(rec.placeholders.as_ref().unwrap());
    }
    worker.shutdown().await;
}

/// A HEIF whose grid item names `tiles` tiles (nothing else is real).
fn grid_claiming(tiles: u32) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    fn full(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0];
        b.extend_from_slice(body);
        boxed(kind, &b)
    }
    let mut file = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
    let mut meta = vec![0, 0, 0, 0];
    meta.extend(full(b"pitm", &1u16.to_be_bytes()));
    let mut iinf = 1u16.to_be_bytes().to_vec();
    iinf.extend({
        let mut e = vec![2, 0, 0, 0, 0, 1, 0, 0];
        e.extend_from_slice(b"grid");
        boxed(b"infe", &e)
    });
    meta.extend(full(b"iinf", &iinf));
    let mut iref = Vec::new();
    let mut left = tiles;
    while left > 0 {
        let n = left.min(60_000) as u16;
        let mut dimg = 1u16.to_be_bytes().to_vec();
        dimg.extend_from_slice(&n.to_be_bytes());
        for i in 0..n {
            dimg.extend_from_slice(&(2 + i).to_be_bytes());
        }
        iref.extend(boxed(b"dimg", &dimg));
        left -= u32::from(n);
    }
    meta.extend(full(b"iref", &iref));
    let mut ispe = 4000u32.to_be_bytes().to_vec();
    ispe.extend_from_slice(&3000u32.to_be_bytes());
    let mut iprp = boxed(b"ipco", &full(b"ispe", &ispe));
    iprp.extend(full(b"ipma", &[0, 0, 0, 1, 0, 1, 1, 0x81]));
    meta.extend(boxed(b"iprp", &iprp));
    file.extend(boxed(b"meta", &meta));
    file.extend(boxed(b"mdat", &[0u8; 64]));
    file
}

/// `data` with the first `ispe` box (after the given marker) claiming `w`×`h`.
fn with_ispe(mut data: Vec<u8>, w: u32, h: u32) -> Vec<u8> {
    let at = data.windows(4).position(|x| x == b"ispe").expect("an ispe box");
    data[at + 8..at + 12].copy_from_slice(&w.to_be_bytes());
    data[at + 12..at + 16].copy_from_slice(&h.to_be_bytes());
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_heic_and_avif_are_rejected_fast_and_the_decoder_is_confined() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    let fixtures = env.data_dir().join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    generate(&fixtures);
    let grid = std::fs::read(fixtures.join("grid.heic")).unwrap();
    let avif = std::fs::read(fixtures.join("plain.avif")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.heic", grid[..grid.len() * 6 / 10].to_vec(), "corrupt"),
        ("100k-tiles.heic", grid_claiming(100_000), "corrupt"),
        ("absurd.avif", with_ispe(avif.clone(), 100_000, 100_000), "too_many_pixels"),
        (
            "absurd.heic",
            with_ispe(std::fs::read(fixtures.join("plain.heic")).unwrap(), 60_000, 60_000),
            "too_many_pixels",
        ),
        ("header-only.avif", avif[..avif.len().min(300)].to_vec(), "corrupt"),
        // Within the profile's pixel limit, beyond libheif's 32,768 px a side: said from the
        // header, not as the decoder's "memory allocation error".
        (
            "panorama.heic",
            with_ispe(std::fs::read(fixtures.join("plain.heic")).unwrap(), 40_000, 100),
            "too_many_pixels",
        ),
    ];
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let started = Instant::now();
    let mut ids = Vec::new();
    for (name, bytes, _) in &cases {
        ids.push(enqueue_bytes(&app, &env, name, bytes, None).await);
    }
    for ((name, _, code), id) in cases.iter().zip(&ids) {
        let rec = wait_terminal(&app, id, T).await;
        assert_eq!(rec.status, Status::Rejected, "{name}: {:?}", rec.reason);
        assert_eq!(rec.reason_code.as_deref(), Some(*code), "{name}: {:?}", rec.reason);
        assert_eq!(rec.attempts, 1, "{name}: a bad file is not retried");
    }
    assert!(started.elapsed() < Duration::from_secs(30), "hostile files took {:?}", started.elapsed());
    worker.shutdown().await;

    // The decoder runs with an empty environment (no credentials to steal) and a crash is the
    // file's rejection, not the daemon's.
    let spy = env.data_dir().join("spy.sh");
    let seen = env.data_dir().join("child-env.txt");
    std::fs::write(&spy, format!("#!/bin/sh\nenv > {}\nkill -SEGV $$\n", seen.display())).unwrap();
    std::fs::set_permissions(&spy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    env.set("UPLOADD_IMAGES__HEIF_DECODER", &spy.display().to_string());
    env.set("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "do-not-leak-me");
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let id = enqueue_bytes(&app, &env, "crash.heic", &std::fs::read(fixtures.join("plain.heic")).unwrap(), None).await;
    let rec = wait_terminal(&app, &id, T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("corrupt")), "{:?}", rec.reason);
    assert!(rec.reason.unwrap_or_default().contains("crashed"));
    let child_env = std::fs::read_to_string(&seen).unwrap();
    assert!(!child_env.contains("UPLOADD_") && !child_env.contains("do-not-leak-me"), "{child_env}");
    worker.shutdown().await;

    // A decoder that cannot be started is ours to fix: retried, not rejected.
    env.set("UPLOADD_IMAGES__HEIF_DECODER", "/nonexistent/uploadd");
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let id = enqueue_bytes(&app, &env, "later.heic", &std::fs::read(fixtures.join("plain.heic")).unwrap(), None).await;
    let rec = wait_status(&app, &id, T, |r| r.status == Status::Retrying).await;
    assert_eq!(rec.reason_code.as_deref(), Some("decoder_unavailable"), "{:?}", rec.reason);
    worker.shutdown().await;
}

/// Lists, as JSON, every file of argv[1] (recursively) that is a JPEG, PNG, GIF, WebP, HEIF or
/// AVIF by its first bytes, and whether Pillow 13 (+ pillow-heif) decodes it.
const PILLOW_CORPUS: &str = r#"
import json, os, sys, warnings
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener()
warnings.simplefilter('ignore')
Image.MAX_IMAGE_PIXELS = None
def ours(b):
    return (b[:3] == b'\xff\xd8\xff' or b[:8] == b'\x89PNG\r\n\x1a\n' or b[:6] in (b'GIF87a', b'GIF89a')
            or (b[:4] == b'RIFF' and b[8:12] == b'WEBP') or b[4:8] == b'ftyp')
out = []
for dp, _, names in os.walk(sys.argv[1]):
    for n in sorted(names):
        p = os.path.join(dp, n)
        if os.path.islink(p) or not os.path.isfile(p) or not ours(open(p, 'rb').read(32)):
            continue
        try:
            with Image.open(p) as im:
                im.load()
            ok = True
        except Exception:
            ok = False
        out.append({'path': p, 'name': os.path.relpath(p, sys.argv[1]), 'pillow': ok})
print(json.dumps(out))
"#;

/// Pillow's own test images (a third-party collection of odd, broken and edge-case files, fetched
/// by `scripts/services.sh install`): every file of a type uploadd accepts ends `ready` or
/// `rejected` with a documented reason — never failed, retrying or an internal error text — and
/// every one Pillow decodes is `ready`, but for the two listed with why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pillows_test_images_end_ready_where_pillow_decodes_them() {
    // Pillow decodes these, but uploadd refuses them on purpose.
    let expected_rejections = BTreeMap::from([
        // libjpeg reports a bad Huffman code: Pillow's pixels are noise past the first rows.
        ("hopper_bad_exif.jpg", "corrupt"),
        // A GIF with no colour table at all: Pillow invents a grey one.
        ("no_palette.gif", "corrupt"),
    ]);
    let documented = [
        "corrupt",
        "too_large",
        "too_many_pixels",
        "type_not_allowed",
        "type_mismatch",
        "unsupported",
        "too_much_memory",
    ];
    let env = TestEnv::new(Stack::Embedded).await;
    let listing = python(PILLOW_CORPUS, &[services().get("UPLOADD_TEST_PILLOW_IMAGES")]);
    let files: Vec<serde_json::Value> = serde_json::from_str(&listing).unwrap();
    assert!(files.len() > 500, "Pillow's test images are missing: re-run scripts/services.sh install");
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let start = Instant::now();
    let mut ids = Vec::new();
    for f in &files {
        let path = Path::new(f["path"].as_str().unwrap());
        ids.push((f["name"].as_str().unwrap(), f["pillow"] == true, enqueue_as(&app, path, "default").await));
    }
    let mut unexpected = Vec::new();
    let (mut ready, mut pillow_ready) = (0, 0);
    for (name, pillow, id) in &ids {
        let rec = wait_terminal(&app, id, T).await;
        let code = rec.reason_code.as_deref().unwrap_or("");
        let reason = rec.reason.as_deref().unwrap_or("");
        let ok = match rec.status {
            Status::Ready => {
                ready += 1;
                pillow_ready += usize::from(*pillow);
                rec.outputs.len() == 3
            }
            Status::Rejected => {
                documented.contains(&code)
                    && !reason.contains("os error")
                    && (!pillow || expected_rejections.get(name) == Some(&code))
            }
            _ => false,
        };
        if !ok {
            unexpected.push(format!("{name} (pillow decodes: {pillow}): {:?} {code} {reason}", rec.status));
        }
    }
    assert!(unexpected.is_empty(), "{} unexpected outcomes:\n{}", unexpected.len(), unexpected.join("\n"));
    let decodable = ids.iter().filter(|(_, p, _)| *p).count();
    eprintln!(
        "{} files: {ready} ready; {pillow_ready} of the {decodable} Pillow decodes; {:?}",
        ids.len(),
        start.elapsed()
    );
    worker.shutdown().await;
}
