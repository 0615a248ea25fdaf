/*
 * Fuzz target: session tokens and key files, as the gateway and the
 * backend read them from clients and disk. The first byte picks which.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uc_token.h"


static uc_keyring_t  ring;
static int           ready;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           err[256];
    size_t         sid_len;
    const char    *sid;
    unsigned char  raw[512];
    uc_keyring_t   other;

    if (!ready) {
        static const char  keys[] =
            "# two keys, the first signs\n"
            "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
            "k2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";

        if (uc_keyring_parse(&ring, keys, sizeof(keys) - 1, err, sizeof(err))
            != 0)
        {
            abort();
        }

        ready = 1;
    }

    if (size == 0) {
        return 0;
    }

    switch (data[0] % 3) {

    case 0:
        (void) uc_token_verify(&ring, (const char *) data + 1, size - 1, &sid,
                               &sid_len);
        break;

    case 1:
        memset(&other, 0, sizeof(other));
        if (uc_keyring_parse(&other, (const char *) data + 1, size - 1, err,
                             sizeof(err))
            == 0)
        {
            uc_keyring_free(&other);
        }
        break;

    default:
        if ((size - 1) / 4 * 3 + 3 <= sizeof(raw)) {
            (void) uc_base64url_decode(raw, (const char *) data + 1, size - 1);
        }
        break;
    }

    return 0;
}
