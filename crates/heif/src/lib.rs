//! HEIC/AVIF decoding for uploadd's confined `uploadd heif-decode` child.
//!
//! `build.rs` compiles libde265 1.0.16 and libheif 1.23.1 from `vendor/` (static, Release,
//! with only the libde265 and dav1d decoders built in; dav1d is Debian's `libdav1d`) and the
//! C shim `src/heif_decode.c` against them. Debian 12's libheif 1.15 decoded the benchmark's
//! iPhone-style tile grids about 30 % slower (README, *Performance*).

use std::ffi::{c_char, c_int};

unsafe extern "C" {
    /// Decodes the primary image of `input` into the raw file `output` (see `heif_decode.c`
    /// for the format). Returns 0, or a failure code with a NUL-terminated message in `msg`
    /// (at most `cap` bytes).
    pub fn uploadd_heif_decode(
        input: *const c_char,
        output: *const c_char,
        max_pixels: u64,
        threads: c_int,
        msg: *mut c_char,
        cap: usize,
    ) -> c_int;
}
