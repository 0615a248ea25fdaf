/*
 * Fuzz target: a proof-of-work answer (X-UC-PoW) as the guard checks it.
 */

#include <stdint.h>
#include <stdlib.h>

#include "uc_pow.h"


static uc_keyring_t  ring;
static int           ready;


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char         err[256];
    const char  *rand;

    if (!ready) {
        static const char  keys[] =
            "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";

        if (uc_keyring_parse(&ring, keys, sizeof(keys) - 1, err, sizeof(err))
            != 0)
        {
            abort();
        }

        ready = 1;
    }

    (void) uc_pow_verify(&ring, "127.0.0.1", 9, (const char *) data, size,
                         1790000000, &rand);
    (void) uc_pow_zero_bits((const char *) data, size);

    return 0;
}
