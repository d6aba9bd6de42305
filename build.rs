//! Compiles `src/media/jpeg_stream.c` against the libjpeg-turbo that `turbojpeg-sys` builds
//! (its headers come through the `links = "turbojpeg"` metadata; its static library is already
//! linked by that crate), and `src/media/heif_decode.c` against the system libheif (Debian's
//! `libheif-dev`; found with pkg-config).

fn main() {
    println!("cargo:rerun-if-changed=src/media/jpeg_stream.c");
    let mut build = cc::Build::new();
    build.file("src/media/jpeg_stream.c").warnings(true).extra_warnings(true);
    if let Ok(dirs) = std::env::var("DEP_TURBOJPEG_INCLUDE") {
        for dir in dirs.split(',').filter(|d| !d.is_empty()) {
            build.include(dir);
        }
    }
    build.compile("uploadd_jpeg_stream");

    println!("cargo:rerun-if-changed=src/media/heif_decode.c");
    let mut heif = cc::Build::new();
    heif.file("src/media/heif_decode.c").warnings(true).extra_warnings(true);
    let cflags = pkg_config(&["--cflags", "libheif"]).unwrap_or_else(|| {
        panic!("libheif was not found (pkg-config libheif): install Debian's libheif-dev (scripts/test.sh and scripts/demo.sh do)")
    });
    for flag in cflags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-I") {
            heif.include(dir);
        }
    }
    heif.compile("uploadd_heif_decode");
    let libs = pkg_config(&["--libs", "libheif"]).unwrap_or_default();
    for flag in libs.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={lib}");
        }
    }
}

/// `pkg-config <args>`'s output, if it ran and succeeded.
fn pkg_config(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("pkg-config").args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
