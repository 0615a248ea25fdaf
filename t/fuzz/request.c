/*
 * Fuzz target: the backend's decoding of a request and its validators: the
 * body's UTF-8 check and JSON parse, the identifier rule, the phone, e-mail
 * and password checks on the first string, the device-list cleaning (its
 * output must be valid UTF-8 that fits), If-None-Match against an ETag,
 * and a log line with the input in it.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ucb.h"
#include "uc_ident.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           *s, clean[UCB_UA_MAX + 1];
    size_t          n;
    json_t         *body;
    uc_ident_t      id;
    json_error_t    err;
    if (ucb_log_file == NULL) {
        /* the log goes nowhere (stderr stays libFuzzer's, for its report);
           only a crash or a sanitizer report counts */
        ucb_log_file = fopen("/dev/null", "w");
        if (ucb_log_file == NULL) {
            abort();
        }
    }

    s = malloc(size + 1);
    if (s == NULL) {
        return 0;
    }

    memcpy(s, data, size);
    s[size] = '\0';

    if (ucb_valid_utf8(s, size)) {
        body = json_loadb(s, size, JSON_REJECT_DUPLICATES, &err);

        if (json_is_object(body)) {
            uc_ident_init(&id, "login");
            uc_ident_json(&id, body);
        }

        json_decref(body);
    }

    (void) ucb_valid_phone(s);
    (void) ucb_valid_email(s);
    (void) ucb_valid_password(s);
    (void) ucb_valid_dict_name(s);
    (void) ucb_etag_list_has(s, "\"genders-12\"");

    n = ucb_utf8_clean(clean, sizeof(clean), s, size);

    if (n >= sizeof(clean) || !ucb_valid_utf8(clean, n)) {
        abort();
    }

    ucb_log(UCB_LOG_INFO, "fuzz", "\"path\":\"%s\",\"n\":%zu", s, size);

    free(s);

    return 0;
}
