/* Private to image/: the output buffer shared by inflate, zlib and PNG. */
#ifndef GAN99_ZLIB_INTERNAL_H
#define GAN99_ZLIB_INTERNAL_H

#include "image.h"

/* A growable output buffer (fixed = 1: a caller-supplied buffer of cap
 * bytes that never grows). Writing past max (or a fixed cap) fails with
 * G99_ELIMIT. */
typedef struct img__zbuf {
    uint8_t *buf;
    size_t len, cap, max;
    int fixed;
} img__zbuf;

int img__zbuf_reserve(img__zbuf *z, size_t more, g99_error *err);

/* Raw deflate into z (appending); *used = input bytes taken (may be NULL). */
int img__inflate_into(const uint8_t *in, size_t n, img__zbuf *out, size_t *used, g99_error *err);
/* A zlib stream appended to out; header and Adler-32 checked. */
int img__zlib_decode_into(const uint8_t *in, size_t n, img__zbuf *out, g99_error *err);

/* RFC 1951 §3.2.5: base values and extra bits of the length codes 257..285
 * and the distance codes 0..29 (defined in inflate.c, used by both ways). */
extern const uint16_t img__length_base[29];
extern const uint8_t img__length_extra[29];
extern const uint16_t img__dist_base[30];
extern const uint8_t img__dist_extra[30];

#endif
