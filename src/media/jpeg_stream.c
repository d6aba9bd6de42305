/*
 * A row-at-a-time JPEG decoder over libjpeg-turbo's libjpeg API (the same static library the
 * `turbojpeg` crate links), for `src/media/jpeg.rs`. TurboJPEG's API needs the whole file in
 * memory and returns the whole image; this reads the file through stdio and hands out rows, so
 * decoding a large photo never holds the file nor the full decoded image.
 *
 * libjpeg reports fatal errors by calling `error_exit`, which must not return: here it longjmps
 * back to the entry point that called into libjpeg, which returns -1. No Rust frame is ever
 * between the setjmp and the longjmp (Rust only calls these functions; nothing calls back).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#define UPLOADD_MAX_ROWS 64

struct uploadd_err {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    /* The fatal error, or else the first warning that makes the image corrupt. */
    char message[JMSG_LENGTH_MAX];
    int warned;
};

struct uploadd_jpeg {
    struct jpeg_decompress_struct cinfo;
    struct uploadd_err err;
    struct jpeg_progress_mgr progress;
    unsigned scan_limit;
    FILE *file;
    int created;
};

static void on_error(j_common_ptr cinfo) {
    struct uploadd_err *err = (struct uploadd_err *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

/* Warnings that mean the entropy-coded data is damaged or hostile. libjpeg would go on (a bad
 * progression sequence can make it re-run hundreds of refinement scans, burning seconds of
 * CPU on a 100 KB file; a truncated file is padded with grey): stop at the first one. */
static int is_fatal_warning(int code) {
    switch (code) {
    case JWRN_BOGUS_PROGRESSION:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_HIT_MARKER:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_JPEG_EOF:
        return 1;
    default:
        return 0;
    }
}

/* Warnings real cameras and editors produce on images that decode fine. */
static int is_benign_warning(int code) {
    switch (code) {
    case JWRN_EXTRANEOUS_DATA: /* "N extraneous bytes before marker" */
    case JWRN_JFIF_MAJOR:
    case JWRN_ADOBE_XFORM:
    case JWRN_BOGUS_ICC: /* a bad ICC marker: the image is used untagged */
        return 1;
    default:
        return 0;
    }
}

static void on_message(j_common_ptr cinfo, int level) {
    struct uploadd_err *err = (struct uploadd_err *)cinfo->err;
    if (level >= 0) {
        return; /* trace messages */
    }
    cinfo->err->num_warnings++;
    int code = cinfo->err->msg_code;
    if (is_fatal_warning(code)) {
        (*cinfo->err->format_message)(cinfo, err->message);
        longjmp(err->jump, 1);
    }
    /* Any other unknown warning makes the image corrupt, judged once decoding ends. */
    if (is_benign_warning(code) || err->warned) {
        return;
    }
    (*cinfo->err->format_message)(cinfo, err->message);
    err->warned = 1;
}

/* A progressive JPEG may declare thousands of scans, each a pass over the coefficients. */
static void on_progress(j_common_ptr cinfo) {
    struct uploadd_jpeg *d = (struct uploadd_jpeg *)cinfo;
    if (cinfo->is_decompressor && d->cinfo.input_scan_number > (int)d->scan_limit) {
        struct uploadd_err *err = &d->err;
        snprintf(err->message, sizeof err->message, "more than %u progressive scans", d->scan_limit);
        longjmp(err->jump, 1);
    }
}

const char *uploadd_jpeg_message(const struct uploadd_jpeg *d) { return d->err.message; }

int uploadd_jpeg_warned(const struct uploadd_jpeg *d) { return d->err.warned; }

void uploadd_jpeg_close(struct uploadd_jpeg *d) {
    if (d == NULL) {
        return;
    }
    if (d->created) {
        jpeg_destroy_decompress(&d->cinfo);
    }
    if (d->file != NULL) {
        fclose(d->file);
    }
    free(d);
}

/* Opens `path` and reads the header. Returns NULL only when out of memory; otherwise check
 * `*ok`: 1 on success, 0 for a bad header, -1 when the file cannot be opened. On failure the
 * message says why, and the handle must still be closed. */
struct uploadd_jpeg *uploadd_jpeg_open(const char *path, unsigned scan_limit, int *ok, unsigned *width,
                                       unsigned *height, int *components, int *colorspace, int *progressive) {
    struct uploadd_jpeg *d = calloc(1, sizeof *d);
    *ok = 0;
    if (d == NULL) {
        return NULL;
    }
    d->scan_limit = scan_limit;
    d->file = fopen(path, "rb");
    if (d->file == NULL) {
        snprintf(d->err.message, sizeof d->err.message, "cannot open the file: %s", strerror(errno));
        *ok = -1;
        return d;
    }
    d->cinfo.err = jpeg_std_error(&d->err.pub);
    d->err.pub.error_exit = on_error;
    d->err.pub.emit_message = on_message;
    if (setjmp(d->err.jump)) {
        return d;
    }
    jpeg_create_decompress(&d->cinfo);
    d->created = 1;
    d->progress.progress_monitor = on_progress;
    d->cinfo.progress = &d->progress;
    jpeg_stdio_src(&d->cinfo, d->file);
    jpeg_read_header(&d->cinfo, TRUE);
    *width = d->cinfo.image_width;
    *height = d->cinfo.image_height;
    *components = d->cinfo.num_components;
    *colorspace = (int)d->cinfo.jpeg_color_space;
    *progressive = d->cinfo.progressive_mode ? 1 : 0;
    *ok = 1;
    return d;
}

/* Starts decoding to RGB at `scale_num`/8 (libjpeg-turbo's DCT scaling). Returns 0, or -1. */
int uploadd_jpeg_start(struct uploadd_jpeg *d, unsigned scale_num, unsigned *out_width, unsigned *out_height) {
    if (setjmp(d->err.jump)) {
        return -1;
    }
    d->cinfo.out_color_space = JCS_RGB;
    d->cinfo.scale_num = scale_num;
    d->cinfo.scale_denom = 8;
    d->cinfo.dct_method = JDCT_ISLOW;
    d->cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&d->cinfo);
    if (d->cinfo.output_components != 3) {
        snprintf(d->err.message, sizeof d->err.message, "decoder produced %d components, not RGB",
                 d->cinfo.output_components);
        return -1;
    }
    *out_width = d->cinfo.output_width;
    *out_height = d->cinfo.output_height;
    return 0;
}

static unsigned read_rows(struct uploadd_jpeg *d, unsigned char *buf, unsigned max_rows, size_t stride) {
    JSAMPROW rows[UPLOADD_MAX_ROWS];
    unsigned done = 0;
    if (max_rows > UPLOADD_MAX_ROWS) {
        max_rows = UPLOADD_MAX_ROWS;
    }
    while (done < max_rows && d->cinfo.output_scanline < d->cinfo.output_height) {
        unsigned want = max_rows - done;
        for (unsigned i = 0; i < want; i++) {
            rows[i] = buf + (size_t)(done + i) * stride;
        }
        JDIMENSION got = jpeg_read_scanlines(&d->cinfo, rows, want);
        if (got == 0) {
            break; /* cannot happen with a stdio source (it pads a short file); never spin */
        }
        done += got;
    }
    return done;
}

/* Reads up to `max_rows` RGB rows into `buf` (rows `stride` bytes apart). Returns the number
 * read (0 at the end), or -1. */
int uploadd_jpeg_read(struct uploadd_jpeg *d, unsigned char *buf, unsigned max_rows, size_t stride) {
    if (setjmp(d->err.jump)) {
        return -1;
    }
    return (int)read_rows(d, buf, max_rows, stride);
}
