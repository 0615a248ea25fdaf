/*
 * Unit tests for proof-of-work challenges (libuc): issue, solve, verify,
 * and every way a forged, stale, borrowed or lazy answer is refused.
 */

#include <stdlib.h>
#include <time.h>

#include "tap.h"
#include "uc_pow.h"


static const char  keyfile[] =
    "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";


/* Brute force, as a client does: the first counter that is enough. */
static void
solve(const char *nonce, unsigned difficulty, char *answer)
{
    unsigned long  i;
    size_t         n;

    for (i = 0; ; i++) {
        n = (size_t) sprintf(answer, "%s:%lu", nonce, i);

        if (uc_pow_zero_bits(answer, n) >= difficulty) {
            return;
        }
    }
}


int
main(void)
{
    int            n;
    char           err[128], nonce[UC_POW_NONCE_MAX + 1], answer[256];
    char           forged[256];
    time_t         now;
    const char    *rand;
    uc_keyring_t   ring;

    uc_keyring_parse(&ring, keyfile, sizeof(keyfile) - 1, err, sizeof(err));
    now = time(NULL);

    /* SHA-256("") = e3b0c442...: no leading zero bit */
    is_int(uc_pow_zero_bits("", 0), 0, "zero bits of a known digest");

    n = uc_pow_issue(&ring, "203.0.113.7", 11, now + 60, 10, nonce);
    ok(n > 0 && strncmp(nonce, "p1.", 3) == 0, "a nonce: %s", nonce);

    solve(nonce, 10, answer);
    ok(uc_pow_verify(&ring, "203.0.113.7", 11, answer, strlen(answer), now,
                     &rand) == UC_POW_OK, "a solved challenge verifies");
    ok(strncmp(rand, nonce + n - UC_MAC_LEN - 1 - UC_POW_RAND_LEN,
               UC_POW_RAND_LEN) == 0, "the random part is handed back");

    ok(uc_pow_verify(&ring, "203.0.113.8", 11, answer, strlen(answer), now,
                     &rand) == UC_POW_BAD_SIGNATURE,
       "bound to the address it was issued to");

    ok(uc_pow_verify(&ring, "203.0.113.7", 11, answer, strlen(answer),
                     now + 61, &rand) == UC_POW_EXPIRED, "expires");

    /* a lazy answer: the first counter with fewer zero bits */
    {
        unsigned long  i;

        for (i = 0; ; i++) {
            sprintf(forged, "%s:%lu", nonce, i);
            if (uc_pow_zero_bits(forged, strlen(forged)) < 10) {
                break;
            }
        }
    }
    ok(uc_pow_verify(&ring, "203.0.113.7", 11, forged, strlen(forged), now,
                     &rand) == UC_POW_TOO_WEAK, "too few zero bits");

    /* a client lowering the difficulty in the nonce breaks the MAC */
    strcpy(forged, answer);
    forged[strlen("p1.") + 10 + 2] = (char) (forged[15] == '2' ? '3' : '2');
    ok(uc_pow_verify(&ring, "203.0.113.7", 11, forged, strlen(forged), now,
                     &rand) != UC_POW_OK, "a changed difficulty is refused");

    strcpy(forged, answer);
    forged[n - 1] = forged[n - 1] == 'A' ? 'B' : 'A';
    ok(uc_pow_verify(&ring, "203.0.113.7", 11, forged, strlen(forged), now,
                     &rand) != UC_POW_OK, "a changed MAC is refused");

    ok(uc_pow_verify(&ring, "203.0.113.7", 11, "p1.x", 4, now, &rand)
       == UC_POW_MALFORMED, "garbage is malformed");

    sprintf(forged, "%s:%s", nonce, "has space");
    ok(uc_pow_verify(&ring, "203.0.113.7", 11, forged, strlen(forged), now,
                     &rand) == UC_POW_MALFORMED,
       "a solution outside [A-Za-z0-9] is malformed");

    uc_keyring_free(&ring);

    return done_testing();
}
