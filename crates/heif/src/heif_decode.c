/* HEIC/AVIF decoding through libheif, run only inside the sandboxed `uploadd heif-decode` child
 * (a crash or a memory-safety bug in libheif, libde265 or dav1d kills that child, not
 * the daemon). Decodes the primary image with its irot/imir/clap transforms applied (HEIF's
 * orientation; EXIF orientation is not applied on top), converts to 8-bit interleaved RGB or
 * RGBA and writes it to `out` behind a 20-byte header: "UPLDRAW1", width, height, channels
 * (u32 LE), then width × height × channels bytes. Returns 0 on success; otherwise fills `msg`. */

#include <errno.h>
#include <libheif/heif.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
    UPLOADD_OK = 0,
    UPLOADD_CORRUPT = 1,
    UPLOADD_TOO_MANY_PIXELS = 2,
    UPLOADD_UNSUPPORTED = 3,
    UPLOADD_IO = 4,
    UPLOADD_MEMORY = 5
};

static int fail(char *msg, size_t cap, int code, const char *what, const char *detail) {
    snprintf(msg, cap, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
    return code;
}

static int classify(struct heif_error e) {
    /* libheif reports every one of its security limits as a memory allocation error, also
     * those about a file's structure (extents per item, nesting, boxes, profile sizes): only
     * an allocation that was refused, or the image size, is about memory or pixels. */
    if (e.code == heif_error_Memory_allocation_error && e.subcode == heif_suberror_Security_limit_exceeded && e.message) {
        if (strstr(e.message, "Image size") && strstr(e.message, "exceeds the maximum image size")) {
            return UPLOADD_TOO_MANY_PIXELS;
        }
        if (!strstr(e.message, "Allocat") && !strstr(e.message, "memory")) {
            return UPLOADD_UNSUPPORTED;
        }
    }
    switch (e.code) {
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature:
        return UPLOADD_UNSUPPORTED;
    case heif_error_Memory_allocation_error:
        return UPLOADD_MEMORY;
    default:
        return UPLOADD_CORRUPT;
    }
}

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
    p[2] = (unsigned char)((v >> 16) & 0xff);
    p[3] = (unsigned char)((v >> 24) & 0xff);
}

int uploadd_heif_decode(const char *in, const char *out, uint64_t max_pixels, int threads, char *msg, size_t cap) {
    int rc = UPLOADD_OK;
    struct heif_context *ctx = heif_context_alloc();
    struct heif_image_handle *handle = NULL;
    struct heif_image *img = NULL;
    struct heif_decoding_options *opts = NULL;
    FILE *f = NULL;
    if (!ctx) {
        return fail(msg, cap, UPLOADD_MEMORY, "out of memory", NULL);
    }
    heif_context_set_max_decoding_threads(ctx, threads < 0 ? 0 : threads);
    struct heif_error e = heif_context_read_from_file(ctx, in, NULL);
    if (e.code != heif_error_Ok) {
        rc = fail(msg, cap, classify(e), "not a readable HEIF file", e.message);
        goto done;
    }
    e = heif_context_get_primary_image_handle(ctx, &handle);
    if (e.code != heif_error_Ok) {
        rc = fail(msg, cap, classify(e), "no primary image", e.message);
        goto done;
    }
    int w = heif_image_handle_get_width(handle), h = heif_image_handle_get_height(handle);
    if (w <= 0 || h <= 0) {
        rc = fail(msg, cap, UPLOADD_CORRUPT, "the image has no size", NULL);
        goto done;
    }
    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        rc = fail(msg, cap, UPLOADD_TOO_MANY_PIXELS, "more pixels than the profile allows", NULL);
        goto done;
    }
    int alpha = heif_image_handle_has_alpha_channel(handle);
    opts = heif_decoding_options_alloc();
    if (!opts) {
        rc = fail(msg, cap, UPLOADD_MEMORY, "out of memory", NULL);
        goto done;
    }
    opts->convert_hdr_to_8bit = 1;
    /* A missing or undecodable tile is an error, not a grey patch with a warning attached
     * (libheif's default since 1.19 is to "try its best"). */
    opts->strict_decoding = 1;
    /* Keep the file's primaries and transfer: uploadd's own colour management (moxcms) converts
     * them to sRGB; libheif only turns YCbCr into RGB with the file's matrix. */
    opts->output_image_nclx_profile_passthrough = 1;
    e = heif_decode_image(handle, &img, heif_colorspace_RGB,
                          alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB, opts);
    if (e.code != heif_error_Ok) {
        rc = fail(msg, cap, classify(e), "decoding failed", e.message);
        goto done;
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    int iw = heif_image_get_width(img, heif_channel_interleaved);
    int ih = heif_image_get_height(img, heif_channel_interleaved);
    int bits = heif_image_get_bits_per_pixel_range(img, heif_channel_interleaved);
    if (!plane || iw <= 0 || ih <= 0 || bits != 8 || (uint64_t)iw * (uint64_t)ih > max_pixels) {
        rc = fail(msg, cap, UPLOADD_CORRUPT, "the decoder returned an unusable image", NULL);
        goto done;
    }
    int channels = alpha ? 4 : 3;
    size_t row = (size_t)iw * (size_t)channels;
    if (stride < 0 || (size_t)stride < row) {
        rc = fail(msg, cap, UPLOADD_CORRUPT, "the decoder returned an unusable image", NULL);
        goto done;
    }
    f = fopen(out, "wb");
    if (!f) {
        rc = fail(msg, cap, UPLOADD_IO, "cannot create the output file", strerror(errno));
        goto done;
    }
    unsigned char header[20];
    memcpy(header, "UPLDRAW1", 8);
    put_u32(header + 8, (uint32_t)iw);
    put_u32(header + 12, (uint32_t)ih);
    put_u32(header + 16, (uint32_t)channels);
    if (fwrite(header, 1, sizeof header, f) != sizeof header) {
        rc = fail(msg, cap, UPLOADD_IO, "writing the output failed", NULL);
        goto done;
    }
    for (int y = 0; y < ih; y++) {
        if (fwrite(plane + (size_t)y * (size_t)stride, 1, row, f) != row) {
            rc = fail(msg, cap, UPLOADD_IO, "writing the output failed", NULL);
            goto done;
        }
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = fail(msg, cap, UPLOADD_IO, "writing the output failed", NULL);
        goto done;
    }
    f = NULL;
done:
    if (f) {
        fclose(f);
    }
    if (img) {
        heif_image_release(img);
    }
    if (opts) {
        heif_decoding_options_free(opts);
    }
    if (handle) {
        heif_image_handle_release(handle);
    }
    heif_context_free(ctx);
    return rc;
}
