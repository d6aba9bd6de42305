//! Compiles `src/media/jpeg_stream.c` against the libjpeg-turbo that `turbojpeg-sys` builds
//! (its headers come through the `links = "turbojpeg"` metadata; its static library is already
//! linked by that crate). (The HEIF decoder's C shim is built by `crates/heif`.)

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
}
