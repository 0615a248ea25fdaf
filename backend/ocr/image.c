/*
 * uc-backend: an uploaded image checked before it is decoded (image.h).
 */

#include <string.h>
#include <strings.h>

#include <leptonica/allheaders.h>

#include "image.h"


void
ucb_image_init(void)
{
    /* hostile input is expected here: no line on stderr for each */
    setMsgSeverity(L_SEVERITY_NONE);
}


static int
refuse(ucb_image_error_t *err, int status, const char *code,
    const char *message)
{
    err->status = status;
    err->code = code;
    err->message = message;

    return -1;
}


/* the type by its first bytes, 0 when neither */
static ucb_image_type_e
sniff(const unsigned char *data, size_t len)
{
    static const unsigned char  png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
                                           0x1a, '\n' };

    if (len >= 8 && memcmp(data, png, 8) == 0) {
        return UCB_IMAGE_PNG;
    }

    if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
        return UCB_IMAGE_JPEG;
    }

    return 0;
}


/*
 * A JPEG's declared size from its frame header (SOFn), walking the
 * markers: libjpeg would print its complaint about absurd sizes to stderr,
 * where our log lines go, so no such header reaches it. 0, or -1 when
 * there is none before the scan.
 */
static int
jpeg_size(const unsigned char *d, size_t len, int *w, int *h)
{
    size_t    at, seg;
    unsigned  m;

    for (at = 2; at + 4 <= len; at += 2 + seg) {
        if (d[at] != 0xff) {
            return -1;
        }

        m = d[at + 1];

        if (m == 0xff) {            /* fill bytes */
            seg = 0;
            at--;
            continue;
        }

        if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
            seg = 0;
            continue;
        }

        if (m == 0xda || m == 0xd9) {
            return -1;
        }

        seg = (size_t) d[at + 2] << 8 | d[at + 3];

        if (seg < 2) {
            return -1;
        }

        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (at + 9 > len || seg < 7) {
                return -1;
            }

            *h = d[at + 5] << 8 | d[at + 6];
            *w = d[at + 7] << 8 | d[at + 8];
            return 0;
        }
    }

    return -1;
}


/*
 * A JPEG's scans, counted by walking its markers through the entropy-coded
 * data (a marker there is 0xFF followed by neither 0x00 nor a restart).
 * libjpeg decodes every scan it is given, each a pass over the whole
 * image, and checks no deadline: a few kilobytes repeated make a decode of
 * minutes. -1 when the walk finds no end.
 */
static long
jpeg_scans(const unsigned char *d, size_t len)
{
    long      scans;
    size_t    at, seg;
    unsigned  m;

    scans = 0;
    at = 2;

    while (at + 2 <= len) {
        if (d[at] != 0xff) {
            at++;               /* entropy-coded data */
            continue;
        }

        m = d[at + 1];

        if (m == 0x00 || m == 0xff || (m >= 0xd0 && m <= 0xd7)) {
            at += m == 0xff ? 1 : 2;
            continue;
        }

        if (m == 0xd9) {
            return scans;
        }

        if (m == 0x01 || m == 0xd8) {
            at += 2;
            continue;
        }

        if (at + 4 > len) {
            return -1;
        }

        seg = (size_t) d[at + 2] << 8 | d[at + 3];

        if (seg < 2) {
            return -1;
        }

        scans += m == 0xda;
        at += 2 + seg;
    }

    /* cut short of its end: libjpeg stops where the data does */
    return scans;
}


int
ucb_image_check(const unsigned char *data, size_t len,
    const char *content_type, ucb_image_info_t *info, ucb_image_error_t *err)
{
    long              scans;
    l_int32           format, w, h, bps, spp, cmap;
    ucb_image_type_e  type;

    memset(info, 0, sizeof(*info));

    if (len > UCB_IMAGE_BYTES_MAX) {
        return refuse(err, 413, "image_too_large", "the image is larger "
                      "than 8 MB");
    }

    if (len == 0) {
        return refuse(err, 400, "image_unreadable", "no image was sent");
    }

    type = sniff(data, len);

    if (type == 0) {
        return refuse(err, 415, "unsupported_media_type", "send the image "
                      "as JPEG or PNG");
    }

    /* what the client says it sends must be what it sends */
    if (content_type != NULL
        && !((type == UCB_IMAGE_JPEG
              && strncasecmp(content_type, "image/jpeg", 10) == 0)
             || (type == UCB_IMAGE_PNG
                 && strncasecmp(content_type, "image/png", 9) == 0)))
    {
        return refuse(err, 415, "unsupported_media_type", "the image is not "
                      "of the type its Content-Type names");
    }

    if (type == UCB_IMAGE_JPEG) {
        if (jpeg_size(data, len, &w, &h) != 0) {
            return refuse(err, 400, "image_unreadable", "the image cannot "
                          "be read: damaged or cut short");
        }

        if (w > UCB_IMAGE_SIDE_MAX || h > UCB_IMAGE_SIDE_MAX) {
            return refuse(err, 413, "image_too_large", "the image has more "
                          "pixels than 8000 on a side or 24 million in all");
        }

        scans = jpeg_scans(data, len);

        /* a marker libjpeg would pass over that the walk cannot (a
           segment shorter than its own length field) could hide scans */
        if (scans < 0) {
            return refuse(err, 400, "image_unreadable", "the image cannot "
                          "be read: damaged or cut short");
        }

        if (scans > UCB_IMAGE_SCANS_MAX) {
            return refuse(err, 413, "image_too_large", "the image has more "
                          "progressive scans than a photo needs");
        }
    }

    /* the header only: no pixel is decoded, whatever it declares */
    if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap) != 0
        || w <= 0 || h <= 0
        || (type == UCB_IMAGE_PNG) != (format == IFF_PNG))
    {
        return refuse(err, 400, "image_unreadable", "the image cannot be "
                      "read: damaged or cut short");
    }

    if (w > UCB_IMAGE_SIDE_MAX || h > UCB_IMAGE_SIDE_MAX
        || (long long) w * h > UCB_IMAGE_PIXELS_MAX)
    {
        return refuse(err, 413, "image_too_large", "the image has more "
                      "pixels than 8000 on a side or 24 million in all");
    }

    info->type = type;
    info->width = w;
    info->height = h;

    return 0;
}
