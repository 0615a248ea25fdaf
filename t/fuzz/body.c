/*
 * Fuzz target: the registration guard's reading of a request body (JSON
 * or a form) into the one identifier the endpoint acts on. The first byte
 * picks the content type and the endpoint.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uc_ident.h"


static const char *const  paths[] = {
    "/uc/v1/codes", "/uc/v1/register", "/uc/v1/login/code", "/elsewhere"
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          honeypot;
    const char  *ctype, *path;
    uc_ident_t   id;

    if (size == 0) {
        return 0;
    }

    ctype = data[0] & 1 ? "application/x-www-form-urlencoded"
                        : "application/json; charset=utf-8";
    path = paths[(data[0] >> 1) & 3];

    uc_ident_init(&id, uc_ident_field_of(path, strlen(path)));

    if (uc_ident_body(&id, ctype, strlen(ctype), (const char *) data + 1,
                      size - 1, "website", 7, &honeypot)
        == UC_BODY_OK)
    {
        /* what is kept is bounded and whole */
        if (id.value != NULL
            && (id.rc != UC_IDENT_OK || id.len > UC_IDENT_MAX
                || id.value[id.len] != '\0'))
        {
            abort();
        }
    }

    return 0;
}
