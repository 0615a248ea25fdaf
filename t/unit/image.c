/*
 * The checks of an uploaded image (backend/ocr/image.c), before anything
 * decodes it: real PNG and JPEG files made here with Leptonica pass with
 * their sizes; headers patched to declare 100,000 x 100,000 pixels, or
 * more than a side or the pixel budget allows, are refused without a
 * pixel decoded; truncated, empty, foreign and mislabelled uploads get
 * their own answers.
 */

#include <stdlib.h>

#include <leptonica/allheaders.h>

#include "tap.h"
#include "image.h"


static int
check(const unsigned char *d, size_t n, const char *ctype, int status,
    const char *code, const char *what)
{
    int                rc;
    ucb_image_info_t   info;
    ucb_image_error_t  err;

    rc = ucb_image_check(d, n, ctype, &info, &err);

    ok(rc == -1 && err.status == status && strcmp(err.code, code) == 0,
       "%s: %d %s", what, status, code);

    return rc;
}


static void
put32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


/* the SOF0 marker of a baseline JPEG: height at +5, width at +7 */
static unsigned char *
sof(unsigned char *d, size_t n)
{
    size_t  i;

    for (i = 2; i + 9 < n; i++) {
        if (d[i] == 0xff && d[i + 1] == 0xc0) {
            return d + i;
        }
    }

    return NULL;
}


int
main(void)
{
    PIX                *pix;
    size_t              png_n, jpg_n;
    l_uint8            *png, *jpg;
    unsigned char      *p, *big;
    ucb_image_info_t    info;
    ucb_image_error_t   err;
    static const char   gif[] = "GIF89a\x14\x00\x0a\x00";

    ucb_image_init();

    pix = pixCreate(20, 10, 8);
    pixSetAll(pix);
    if (pixWriteMem(&png, &png_n, pix, IFF_PNG) != 0
        || pixWriteMem(&jpg, &jpg_n, pix, IFF_JFIF_JPEG) != 0)
    {
        printf("Bail out! Leptonica cannot write images\n");
        return 1;
    }
    pixDestroy(&pix);

    ok(ucb_image_check(png, png_n, "image/png", &info, &err) == 0
       && info.type == UCB_IMAGE_PNG && info.width == 20 && info.height == 10,
       "a PNG passes with its size, 20 x 10");
    ok(ucb_image_check(jpg, jpg_n, "image/jpeg", &info, &err) == 0
       && info.type == UCB_IMAGE_JPEG && info.width == 20
       && info.height == 10, "a JPEG passes with its size");
    ok(ucb_image_check(png, png_n, NULL, &info, &err) == 0,
       "no Content-Type: the bytes say what it is");

    /* PNG: width and height are IHDR's first eight bytes (offset 16) */
    p = malloc(png_n);
    memcpy(p, png, png_n);
    put32(p + 16, 100000);
    put32(p + 20, 100000);
    check(p, png_n, "image/png", 413, "image_too_large",
          "a PNG declaring 100000 x 100000");
    put32(p + 16, 8001);
    put32(p + 20, 1);
    check(p, png_n, "image/png", 413, "image_too_large",
          "a side of 8001 pixels");
    put32(p + 16, 6000);
    put32(p + 20, 6000);
    check(p, png_n, "image/png", 413, "image_too_large",
          "36 million pixels");
    put32(p + 16, 0);
    check(p, png_n, "image/png", 400, "image_unreadable", "a width of 0");
    free(p);

    p = malloc(jpg_n);
    memcpy(p, jpg, jpg_n);
    ok(sof(p, jpg_n) != NULL, "the JPEG's frame header found");
    if (sof(p, jpg_n) != NULL) {
        unsigned char *f = sof(p, jpg_n);

        f[5] = 0xff;
        f[6] = 0xff;
        f[7] = 0xff;
        f[8] = 0xff;
        check(p, jpg_n, "image/jpeg", 413, "image_too_large",
              "a JPEG declaring 65535 x 65535 (no word from libjpeg)");
        f[5] = 0x1f;
        f[6] = 0x40;                /* 8000 */
        f[7] = 0x1f;
        f[8] = 0x40;
        check(p, jpg_n, "image/jpeg", 413, "image_too_large",
              "8000 x 8000: 64 million pixels");
    }
    free(p);

    check(png, 12, "image/png", 400, "image_unreadable",
          "a PNG cut in its header");
    check(jpg, 4, "image/jpeg", 400, "image_unreadable",
          "a JPEG cut in its header");
    check(png, 0, "image/png", 400, "image_unreadable", "nothing");
    check((const unsigned char *) gif, sizeof(gif) - 1, "image/gif", 415,
          "unsupported_media_type", "a GIF");
    check((const unsigned char *) "%PDF-1.4", 8, NULL, 415,
          "unsupported_media_type", "a PDF");
    check(png, png_n, "image/jpeg", 415, "unsupported_media_type",
          "a PNG sent as image/jpeg");

    p = malloc(png_n);
    memcpy(p, png, 8);
    memset(p + 8, 0x5a, png_n - 8);
    check(p, png_n, "image/png", 400, "image_unreadable",
          "the PNG signature and then noise");
    free(p);

    p = malloc(4096);
    memcpy(p, jpg, 3);
    for (size_t i = 3; i < 4096; i++) {
        p[i] = (unsigned char) (i * 131 + 7);
    }
    check(p, 4096, "image/jpeg", 400, "image_unreadable",
          "the JPEG signature and then noise");
    memset(p + 3, 0xff, 4093);
    check(p, 4096, "image/jpeg", 400, "image_unreadable",
          "the JPEG signature and then fill bytes only");
    free(p);

    /* a real progressive JPEG passes; one whose scans repeat does not */
    {
        PIX      *photo;
        l_uint8  *prog;
        size_t    prog_n, at, n, k;

        photo = pixCreate(64, 48, 32);
        pixSetAllArbitrary(photo, 0x80604000);
        prog = NULL;
        ok(photo != NULL
           && pixWriteMemJpeg(&prog, &prog_n, photo, 75, 1) == 0
           && ucb_image_check(prog, prog_n, "image/jpeg", &info, &err) == 0,
           "a progressive JPEG passes");

        /* its first scan (SOS to the next marker), repeated 40 times */
        for (at = 2; prog != NULL && at + 1 < prog_n; at++) {
            if (prog[at] == 0xff && prog[at + 1] == 0xda) {
                break;
            }
        }
        for (n = at + 2; prog != NULL && n + 1 < prog_n; n++) {
            if (prog[n] == 0xff && prog[n + 1] != 0x00
                && (prog[n + 1] < 0xd0 || prog[n + 1] > 0xd7))
            {
                break;
            }
        }

        p = malloc(prog_n + 40 * (n - at));
        if (prog != NULL && p != NULL && n + 1 < prog_n) {
            memcpy(p, prog, n);
            for (k = 0; k < 40; k++) {
                memcpy(p + n + k * (n - at), prog + at, n - at);
            }
            memcpy(p + n + 40 * (n - at), prog + n, prog_n - n);
            check(p, prog_n + 40 * (n - at), "image/jpeg", 413,
                  "image_too_large", "a JPEG of 40 repeated scans more");

            /* the same, the count's walk stopped by a segment shorter
               than its length field (libjpeg passes over it) */
            {
                size_t          total = prog_n + 40 * (n - at);
                unsigned char  *q = malloc(total + 4);

                if (q != NULL && total >= 2) {
                    memcpy(q, p, total - 2);
                    memcpy(q + total - 2, "\xff\xfe\x00\x00\xff\xd9", 6);
                    check(q, total + 4, "image/jpeg", 400,
                          "image_unreadable",
                          "... with a comment of length 0 before its end");
                }
                free(q);
            }
        } else {
            ok(0, "a JPEG of 40 repeated scans more (could not be made)");
        }

        free(p);
        lept_free(prog);
        pixDestroy(&photo);
    }

    big = calloc(1, UCB_IMAGE_BYTES_MAX + 1);
    memcpy(big, png, png_n);
    check(big, UCB_IMAGE_BYTES_MAX + 1, "image/png", 413, "image_too_large",
          "one byte over 8 MB");
    free(big);

    lept_free(png);
    lept_free(jpg);

    return done_testing();
}
