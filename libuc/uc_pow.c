/*
 * usercenter shared contract: proof-of-work challenges. See uc_pow.h.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "uc_pow.h"


/* "p1.<expires>.<difficulty>.<rand>" into buf; returns its length. */
static int
uc_pow_head(char *buf, size_t size, int64_t expires, unsigned difficulty,
    const char *rand)
{
    int  n;

    n = snprintf(buf, size, "p1.%lld.%u.%.*s", (long long) expires,
                 difficulty, UC_POW_RAND_LEN, rand);

    return n > 0 && (size_t) n < size ? n : -1;
}


static int
uc_pow_mac(const uc_keyring_t *ring, const char *head, size_t head_len,
    const char *ip, size_t ip_len, unsigned char *md)
{
    char  msg[UC_POW_NONCE_MAX + 64];

    if (ring->nkeys == 0 || head_len + 1 + ip_len > sizeof(msg)) {
        return -1;
    }

    memcpy(msg, head, head_len);
    msg[head_len] = '|';
    memcpy(msg + head_len + 1, ip, ip_len);

    return uc_key_hmac(&ring->keys[0], msg, head_len + 1 + ip_len, md);
}


int
uc_pow_issue(const uc_keyring_t *ring, const char *ip, size_t ip_len,
    int64_t expires, unsigned difficulty, char *out)
{
    int             n;
    char            rand[UC_POW_RAND_LEN + 1];
    unsigned char   raw[12], md[UC_MAC_BYTES];

    if (difficulty < 1 || difficulty > 32 || RAND_bytes(raw, 12) != 1) {
        return -1;
    }

    uc_base64url_encode(rand, raw, sizeof(raw));

    n = uc_pow_head(out, UC_POW_NONCE_MAX + 1, expires, difficulty, rand);

    if (n < 0 || (size_t) n + 1 + UC_MAC_LEN > UC_POW_NONCE_MAX
        || uc_pow_mac(ring, out, (size_t) n, ip, ip_len, md) != 0)
    {
        return -1;
    }

    out[n++] = '.';
    n += (int) uc_base64url_encode(out + n, md, UC_MAC_BYTES);
    out[n] = '\0';

    return n;
}


unsigned
uc_pow_zero_bits(const char *data, size_t len)
{
    unsigned        bits, i;
    unsigned int    mdlen;
    unsigned char   md[EVP_MAX_MD_SIZE];

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
        return 0;
    }

    bits = 0;

    for (i = 0; i < mdlen; i++) {
        if (md[i] == 0) {
            bits += 8;
            continue;
        }

        for (unsigned char b = md[i]; (b & 0x80) == 0; b <<= 1) {
            bits++;
        }

        break;
    }

    return bits;
}


uc_pow_rc_e
uc_pow_verify(const uc_keyring_t *ring, const char *ip, size_t ip_len,
    const char *answer, size_t len, int64_t now, const char **rand)
{
    int             n;
    char            head[UC_POW_NONCE_MAX + 1], expect[UC_POW_NONCE_MAX + 1];
    size_t          i, nonce_len, sol_len;
    unsigned        difficulty;
    long long       expires;
    const char     *colon, *mac, *r;
    unsigned char   md[UC_MAC_BYTES], given[UC_MAC_BYTES + 3];

    colon = memchr(answer, ':', len);
    if (colon == NULL) {
        return UC_POW_MALFORMED;
    }

    nonce_len = (size_t) (colon - answer);
    sol_len = len - nonce_len - 1;

    if (nonce_len > UC_POW_NONCE_MAX || sol_len == 0
        || sol_len > UC_POW_SOLUTION_MAX)
    {
        return UC_POW_MALFORMED;
    }

    for (i = 0; i < sol_len; i++) {
        char c = colon[1 + i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')))
        {
            return UC_POW_MALFORMED;
        }
    }

    memcpy(head, answer, nonce_len);
    head[nonce_len] = '\0';

    if (sscanf(head, "p1.%lld.%u.", &expires, &difficulty) != 2
        || difficulty < 1 || difficulty > 32)
    {
        return UC_POW_MALFORMED;
    }

    /* the last dot separates the MAC; the rand is the 16 chars before it */
    mac = NULL;

    for (i = nonce_len; i > 0; i--) {
        if (head[i - 1] == '.') {
            mac = head + i - 1;
            break;
        }
    }

    if (mac == NULL || (size_t) (mac - head) < UC_POW_RAND_LEN + 1
        || nonce_len - (size_t) (mac - head) - 1 != UC_MAC_LEN
        || uc_base64url_decode(given, mac + 1, UC_MAC_LEN) != UC_MAC_BYTES)
    {
        return UC_POW_MALFORMED;
    }

    r = mac - UC_POW_RAND_LEN;

    /* the head must be exactly what uc_pow_issue writes */
    n = uc_pow_head(expect, sizeof(expect), (int64_t) expires, difficulty, r);

    if (n < 0 || (size_t) n != (size_t) (mac - head)
        || memcmp(expect, head, (size_t) n) != 0)
    {
        return UC_POW_MALFORMED;
    }

    if (uc_pow_mac(ring, head, (size_t) n, ip, ip_len, md) != 0
        || CRYPTO_memcmp(md, given, UC_MAC_BYTES) != 0)
    {
        return UC_POW_BAD_SIGNATURE;
    }

    if (now > (int64_t) expires) {
        return UC_POW_EXPIRED;
    }

    if (uc_pow_zero_bits(answer, len) < difficulty) {
        return UC_POW_TOO_WEAK;
    }

    *rand = answer + (r - head);

    return UC_POW_OK;
}
