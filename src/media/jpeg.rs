//! Row-streaming JPEG decoding from a file (libjpeg-turbo's libjpeg API through the small C
//! shim in `jpeg_stream.c`): neither the file nor the whole decoded image is ever in memory.

use std::ffi::{CStr, CString, c_char, c_int, c_uint};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::NonNull;

use super::MediaError;

#[repr(C)]
struct RawDecoder {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn uploadd_jpeg_open(
        path: *const c_char,
        scan_limit: c_uint,
        ok: *mut c_int,
        width: *mut c_uint,
        height: *mut c_uint,
        components: *mut c_int,
        colorspace: *mut c_int,
        progressive: *mut c_int,
    ) -> *mut RawDecoder;
    fn uploadd_jpeg_start(d: *mut RawDecoder, scale_num: c_uint, out_w: *mut c_uint, out_h: *mut c_uint) -> c_int;
    fn uploadd_jpeg_read(d: *mut RawDecoder, buf: *mut u8, max_rows: c_uint, stride: usize) -> c_int;
    fn uploadd_jpeg_message(d: *const RawDecoder) -> *const c_char;
    fn uploadd_jpeg_warned(d: *const RawDecoder) -> c_int;
    fn uploadd_jpeg_close(d: *mut RawDecoder);
}

/// Most rows one [`RowDecoder::read`] call returns (the shim's limit).
pub const MAX_ROWS: usize = 64;

/// The colour space a JPEG is stored in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colorspace {
    Gray,
    Rgb,
    YCbCr,
    Cmyk,
    Ycck,
    Unknown,
}

/// An open JPEG file, header read. Decodes to RGB rows after [`RowDecoder::start`].
pub struct RowDecoder {
    raw: NonNull<RawDecoder>,
    pub width: u32,
    pub height: u32,
    pub colorspace: Colorspace,
    pub progressive: bool,
    out: Option<(u32, u32)>,
}

impl Drop for RowDecoder {
    fn drop(&mut self) {
        // SAFETY: `raw` came from uploadd_jpeg_open and is closed once, here.
        unsafe { uploadd_jpeg_close(self.raw.as_ptr()) }
    }
}

impl RowDecoder {
    /// Opens `path` and reads the JPEG header; decoding stops with an error past `scan_limit`
    /// progressive scans.
    pub fn open(path: &Path, scan_limit: u32) -> Result<RowDecoder, MediaError> {
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| MediaError::Unsupported("a path with a NUL byte".into()))?;
        let (mut ok, mut w, mut h, mut comps, mut cs, mut prog) = (0, 0, 0, 0, 0, 0);
        // SAFETY: every pointer is valid for the call; the shim copies the path.
        let raw = unsafe {
            uploadd_jpeg_open(c_path.as_ptr(), scan_limit, &mut ok, &mut w, &mut h, &mut comps, &mut cs, &mut prog)
        };
        let raw = NonNull::new(raw).ok_or_else(|| MediaError::Io("out of memory".into()))?;
        // libjpeg's J_COLOR_SPACE values.
        let colorspace = match cs {
            1 => Colorspace::Gray,
            2 => Colorspace::Rgb,
            3 => Colorspace::YCbCr,
            4 => Colorspace::Cmyk,
            5 => Colorspace::Ycck,
            _ => Colorspace::Unknown,
        };
        let d = RowDecoder { raw, width: w, height: h, colorspace, progressive: prog != 0, out: None };
        match ok {
            1 => Ok(d),
            -1 => Err(MediaError::Io(d.message())),
            _ => Err(MediaError::Corrupt(d.message())),
        }
    }

    fn message(&self) -> String {
        // SAFETY: the shim returns a NUL-terminated buffer that lives as long as the decoder.
        unsafe { CStr::from_ptr(uploadd_jpeg_message(self.raw.as_ptr())) }.to_string_lossy().into_owned()
    }

    /// Starts decoding at `scale_num`/8 of the stored size; returns the output size.
    pub fn start(&mut self, scale_num: u32) -> Result<(u32, u32), MediaError> {
        let (mut w, mut h) = (0, 0);
        // SAFETY: `raw` is live; the out-pointers are valid.
        if unsafe { uploadd_jpeg_start(self.raw.as_ptr(), scale_num.clamp(1, 8), &mut w, &mut h) } != 0 {
            return Err(MediaError::Corrupt(self.message()));
        }
        if w == 0 || h == 0 {
            return Err(MediaError::Corrupt("zero width or height".into()));
        }
        self.out = Some((w, h));
        Ok((w, h))
    }

    /// Decodes the next rows into `buf` (whole RGB rows of the output width, at most
    /// [`MAX_ROWS`]); returns how many, 0 at the end.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, MediaError> {
        let (w, _) = self.out.ok_or_else(|| MediaError::Corrupt("decoding was not started".into()))?;
        let stride = w as usize * 3;
        let rows = (buf.len() / stride).min(MAX_ROWS);
        if rows == 0 {
            return Err(MediaError::Corrupt("row buffer smaller than one row".into()));
        }
        // SAFETY: `buf` holds `rows` rows of `stride` bytes, each one the decoder's output width.
        let n = unsafe { uploadd_jpeg_read(self.raw.as_ptr(), buf.as_mut_ptr(), rows as c_uint, stride) };
        usize::try_from(n).map_err(|_| MediaError::Corrupt(self.message()))
    }

    /// After the last row: an error if libjpeg warned about anything but extraneous bytes (a
    /// truncated file is padded with grey and only warned about).
    pub fn finish(self) -> Result<(), MediaError> {
        // SAFETY: `raw` is live.
        if unsafe { uploadd_jpeg_warned(self.raw.as_ptr()) } != 0 {
            return Err(MediaError::Corrupt(self.message()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progressive_jpeg(w: usize, h: usize) -> Vec<u8> {
        let pixels: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        let img = turbojpeg::Image {
            pixels: pixels.as_slice(),
            width: w,
            pitch: w * 3,
            height: h,
            format: turbojpeg::PixelFormat::RGB,
        };
        let mut c = turbojpeg::Compressor::new().unwrap();
        c.set_progressive(true).unwrap();
        c.compress_to_vec(img).unwrap()
    }

    fn decode_all(path: &Path, scan_limit: u32, scale: u32) -> Result<(u32, u32, usize), MediaError> {
        let mut d = RowDecoder::open(path, scan_limit)?;
        let (w, h) = d.start(scale)?;
        let mut buf = vec![0u8; w as usize * 3 * 10];
        let mut rows = 0;
        loop {
            let n = d.read(&mut buf)?;
            if n == 0 {
                break;
            }
            rows += n;
        }
        d.finish()?;
        Ok((w, h, rows))
    }

    #[test]
    fn decodes_every_row_at_the_dct_scale() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jpg");
        std::fs::write(&path, progressive_jpeg(400, 300)).unwrap();
        assert_eq!(decode_all(&path, 500, 8).unwrap(), (400, 300, 300));
        assert_eq!(decode_all(&path, 500, 4).unwrap(), (200, 150, 150));
    }

    #[test]
    fn progressive_scans_past_the_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jpg");
        std::fs::write(&path, progressive_jpeg(64, 64)).unwrap();
        // libjpeg-turbo's default progressive script has 10 scans.
        let e = decode_all(&path, 2, 8).unwrap_err();
        assert!(matches!(e, MediaError::Corrupt(ref m) if m.contains("more than 2 progressive scans")), "{e}");
    }

    #[test]
    fn not_a_jpeg_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jpg");
        std::fs::write(&path, b"GIF89a not a jpeg at all").unwrap();
        assert!(matches!(RowDecoder::open(&path, 500), Err(MediaError::Corrupt(_))));
    }

    /// A progressive JPEG whose last refinement scan is repeated `extra` times before EOI.
    fn duplicated_scans(base: &[u8], extra: usize) -> Vec<u8> {
        // Find the last SOS marker (FFDA); its scan runs to the EOI (FFD9) at the end.
        let sos = base.windows(2).rposition(|w| w == [0xff, 0xda]).unwrap();
        let eoi = base.len() - 2;
        let scan = &base[sos..eoi];
        let mut out = base[..eoi].to_vec();
        for _ in 0..extra {
            out.extend_from_slice(scan);
        }
        out.extend_from_slice(&[0xff, 0xd9]);
        out
    }

    #[test]
    fn hundreds_of_refinement_scans_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scans.jpg");
        std::fs::write(&path, duplicated_scans(&progressive_jpeg(2000, 1500), 490)).unwrap();
        let start = std::time::Instant::now();
        let e = decode_all(&path, 100, 8).unwrap_err();
        let took = start.elapsed();
        assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
        // The first repeated scan breaks the progression: libjpeg warns and decoding stops
        // there, instead of running every scan (or up to the limit).
        assert!(e.to_string().contains("progression") || e.to_string().contains("scans"), "{e}");
        assert!(took < std::time::Duration::from_secs(2), "refused in {took:?}");
    }

    #[test]
    fn extraneous_bytes_before_a_marker_are_tolerated() {
        // Camera files often carry junk between segments; libjpeg warns and decodes.
        let mut jpeg = progressive_jpeg(64, 48);
        let sos = jpeg.windows(2).position(|w| w == [0xff, 0xda]).unwrap();
        jpeg.splice(sos..sos, [0x00, 0x13, 0x37]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.jpg");
        std::fs::write(&path, jpeg).unwrap();
        assert_eq!(decode_all(&path, 100, 8).unwrap(), (64, 48, 48));
    }
}
