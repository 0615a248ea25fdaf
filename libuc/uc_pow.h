/*
 * usercenter shared contract: proof-of-work challenges for the
 * registration guard.
 *
 * Nonce:  "p1." expires "." difficulty "." rand "." mac
 *   expires     unix seconds
 *   difficulty  leading zero bits asked for, 1..32
 *   rand        12 random bytes, base64url (16 chars)
 *   mac         HMAC-SHA256(keys[0], "p1.<expires>.<difficulty>.<rand>|<ip>"),
 *               base64url: the nonce is bound to the client address
 * Solution: 1..64 of [A-Za-z0-9] such that SHA-256("<nonce>:<solution>")
 * starts with `difficulty` zero bits. The client sends
 * "X-UC-PoW: <nonce>:<solution>".
 */

#ifndef UC_POW_H
#define UC_POW_H

#include <stddef.h>
#include <stdint.h>

#include "uc_token.h"


#define UC_POW_NONCE_MAX   96
#define UC_POW_RAND_LEN    16
#define UC_POW_SOLUTION_MAX 64


typedef enum {
    UC_POW_OK = 0,
    UC_POW_MALFORMED,
    UC_POW_BAD_SIGNATURE,
    UC_POW_EXPIRED,
    UC_POW_TOO_WEAK
} uc_pow_rc_e;


/* Writes a nonce (UC_POW_NONCE_MAX + 1 bytes); returns its length or -1. */
int uc_pow_issue(const uc_keyring_t *ring, const char *ip, size_t ip_len,
    int64_t expires, unsigned difficulty, char *out);

/*
 * Checks "nonce:solution" for this client address at time now. On UC_POW_OK
 * *rand points at the nonce's random part (UC_POW_RAND_LEN chars), the key
 * for single use.
 */
uc_pow_rc_e uc_pow_verify(const uc_keyring_t *ring, const char *ip,
    size_t ip_len, const char *answer, size_t len, int64_t now,
    const char **rand);

/* Leading zero bits of SHA-256(data). */
unsigned uc_pow_zero_bits(const char *data, size_t len);

#endif /* UC_POW_H */
