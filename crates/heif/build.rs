//! Builds libde265 and libheif from `vendor/` with CMake (static, always Release: the decoder
//! runs in tests too, and a debug libheif would only make them slower), then the C shim.
//! Only the libde265 (HEVC) and dav1d (AV1) decoders are built in; every encoder, plugin
//! loading and optional format is off, so the build does not change with what else happens to
//! be installed. dav1d is the system's (`libdav1d-dev`).

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| "target".into()));
    println!("cargo:rerun-if-changed=vendor");
    println!("cargo:rerun-if-changed=src/heif_decode.c");

    let de265 = cmake::Config::new(root.join("vendor/libde265"))
        .out_dir(out.join("libde265"))
        .profile("Release")
        .define("BUILD_SHARED_LIBS", "OFF")
        .define("ENABLE_SDL", "OFF")
        .define("ENABLE_DECODER", "OFF")
        .define("ENABLE_ENCODER", "OFF")
        .define("CMAKE_INSTALL_LIBDIR", "lib")
        .define("CMAKE_POSITION_INDEPENDENT_CODE", "ON")
        .build();

    let mut heif = cmake::Config::new(root.join("vendor/libheif"));
    heif.out_dir(out.join("libheif"))
        .profile("Release")
        .define("CMAKE_INSTALL_LIBDIR", "lib")
        .define("CMAKE_POSITION_INDEPENDENT_CODE", "ON")
        .define("LIBDE265_INCLUDE_DIR", de265.join("include"))
        .define("LIBDE265_LIBRARY", de265.join("lib/libde265.a"))
        .define("WITH_LIBDE265", "ON")
        .define("WITH_DAV1D", "ON");
    for off in [
        "BUILD_SHARED_LIBS",
        "BUILD_TESTING",
        "BUILD_DOCUMENTATION",
        "ENABLE_PLUGIN_LOADING",
        "ENABLE_EXPERIMENTAL_FEATURES",
        "WITH_EXAMPLES",
        "WITH_EXAMPLE_HEIF_THUMB",
        "WITH_EXAMPLE_HEIF_VIEW",
        "WITH_GDK_PIXBUF",
        "WITH_LIBSHARPYUV",
        "WITH_UNCOMPRESSED_CODEC",
        "WITH_HEADER_COMPRESSION",
        "WITH_LIBDE265_PLUGIN",
        "WITH_DAV1D_PLUGIN",
        "WITH_AOM_DECODER",
        "WITH_AOM_ENCODER",
        "WITH_RAV1E",
        "WITH_SvtEnc",
        "WITH_X264",
        "WITH_X265",
        "WITH_KVAZAAR",
        "WITH_UVG266",
        "WITH_VVDEC",
        "WITH_VVENC",
        "WITH_JPEG_DECODER",
        "WITH_JPEG_ENCODER",
        "WITH_OpenJPEG_DECODER",
        "WITH_OpenJPEG_ENCODER",
        "WITH_OPENJPH_ENCODER",
        "WITH_FFMPEG_DECODER",
        "WITH_OpenH264_DECODER",
    ] {
        heif.define(off, "OFF");
    }
    let heif = heif.build();

    cc::Build::new()
        .file("src/heif_decode.c")
        .include(heif.join("include"))
        .warnings(true)
        .extra_warnings(true)
        .compile("uploadd_heif_decode");
    println!("cargo:rustc-link-search=native={}", heif.join("lib").display());
    println!("cargo:rustc-link-lib=static=heif");
    println!("cargo:rustc-link-search=native={}", de265.join("lib").display());
    println!("cargo:rustc-link-lib=static=de265");
    println!("cargo:rustc-link-lib=dav1d");
    println!("cargo:rustc-link-lib=stdc++");
}
