/*
 * uc-backend: recognition's settings (ocr.h lists them).
 */

#include <string.h>

#include "ocr.h"


ucb_ocr_conf_t  ucb_ocr;


void
ucb_ocr_config_defaults(void)
{
    memset(&ucb_ocr, 0, sizeof(ucb_ocr));
    ucb_ocr.timeout_ms = 10000;
    ucb_ocr.upload_mb = 64;
    ucb_ocr.uploads = 16;
    strcpy(ucb_ocr.tessdata, "/usr/share/tesseract-ocr/5/tessdata");
}


int
ucb_ocr_config_set(const char *name, const char *value)
{
    if (strcmp(name, "ocr_workers") == 0) {
        return ucb_config_long(&ucb_ocr.workers, value, 0, 64);
    }

    if (strcmp(name, "ocr_queue") == 0) {
        return ucb_config_long(&ucb_ocr.queue, value, 0, 1024);
    }

    if (strcmp(name, "ocr_timeout_ms") == 0) {
        return ucb_config_long(&ucb_ocr.timeout_ms, value, 100, 120000);
    }

    if (strcmp(name, "ocr_upload_mb") == 0) {
        return ucb_config_long(&ucb_ocr.upload_mb, value, 8, 4096);
    }

    if (strcmp(name, "ocr_uploads") == 0) {
        return ucb_config_long(&ucb_ocr.uploads, value, 1, 4096);
    }

    if (strcmp(name, "ocr_tessdata") == 0) {
        if (strlen(value) >= sizeof(ucb_ocr.tessdata)) {
            return -1;
        }
        strcpy(ucb_ocr.tessdata, value);
        return 0;
    }

    return -2;
}
