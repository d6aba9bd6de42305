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
    ) -> *mut RawDecoder;
    fn uploadd_jpeg_start(d: *mut RawDecoder, scale_num: c_uint, out_w: *mut c_uint, out_h: *mut c_uint) -> c_int;
    fn uploadd_jpeg_read(d: *mut RawDecoder, buf: *mut u8, max_rows: c_uint, stride: usize) -> c_int;
    fn uploadd_jpeg_message(d: *const RawDecoder) -> *const c_char;
    fn uploadd_jpeg_warned(d: *const RawDecoder) -> c_int;
    fn uploadd_jpeg_close(d: *mut RawDecoder);
}

/// Most rows one [`RowDecoder::read`] call returns (the shim's limit).
pub const MAX_ROWS: usize = 64;

/// An open JPEG file, header read. Decodes to RGB rows after [`RowDecoder::start`].
pub struct RowDecoder {
    raw: NonNull<RawDecoder>,
    pub width: u32,
    pub height: u32,
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
        let (mut ok, mut w, mut h, mut comps) = (0, 0, 0, 0);
        // SAFETY: every pointer is valid for the call; the shim copies the path.
        let raw = unsafe { uploadd_jpeg_open(c_path.as_ptr(), scan_limit, &mut ok, &mut w, &mut h, &mut comps) };
        let raw = NonNull::new(raw).ok_or_else(|| MediaError::Io("out of memory".into()))?;
        let d = RowDecoder { raw, width: w, height: h, out: None };
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
}
