/*
 * uc-backend: the checks of an uploaded image before anything decodes it
 * (issue 14, the first piece of recognition). An upload costs no more
 * than its bytes until it passes: its size, its type by its magic bytes
 * (JPEG or PNG, and the one its Content-Type names), and the dimensions
 * its header declares (Leptonica's header reader, which decodes no
 * pixel), within limits on each side and on the pixels.
 */

#ifndef UCB_IMAGE_H
#define UCB_IMAGE_H

#include <stddef.h>


#define UCB_IMAGE_BYTES_MAX    (8 * 1024 * 1024)
#define UCB_IMAGE_SIDE_MAX     8000
#define UCB_IMAGE_PIXELS_MAX   (24 * 1000 * 1000)
/* a progressive JPEG has about ten; each costs a pass over the image */
#define UCB_IMAGE_SCANS_MAX    32

typedef enum {
    UCB_IMAGE_JPEG = 1,
    UCB_IMAGE_PNG
} ucb_image_type_e;

typedef struct {
    ucb_image_type_e  type;
    int               width;
    int               height;
} ucb_image_info_t;

/* a refusal as our envelope gives it */
typedef struct {
    int               status;       /* 400, 413, 415 */
    const char       *code;
    const char       *message;
} ucb_image_error_t;

/* once, at start: Leptonica keeps its complaints to itself */
void ucb_image_init(void);

/*
 * data of len bytes, sent with content_type (NULL: none given): 0 and
 * *info, or -1 and *err (400 image_unreadable, 413 image_too_large, 415
 * unsupported_media_type).
 */
int ucb_image_check(const unsigned char *data, size_t len,
    const char *content_type, ucb_image_info_t *info, ucb_image_error_t *err);

#endif /* UCB_IMAGE_H */
