/*
 * usercenter shared library: TC3-HMAC-SHA256 signatures (uc_tc3.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "uc_tc3.h"


static void
hex(const unsigned char *raw, size_t n, char *dst)
{
    static const char  digits[] = "0123456789abcdef";
    size_t             i;

    for (i = 0; i < n; i++) {
        dst[2 * i] = digits[raw[i] >> 4];
        dst[2 * i + 1] = digits[raw[i] & 15];
    }

    dst[2 * n] = '\0';
}


static int
sha256_hex(const void *data, size_t len, char dst[65])
{
    unsigned int   n;
    unsigned char  md[EVP_MAX_MD_SIZE];

    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        return -1;
    }

    hex(md, 32, dst);

    return 0;
}


static int
hmac(const void *key, size_t klen, const char *data, size_t len,
    unsigned char md[32])
{
    unsigned int  n;

    return HMAC(EVP_sha256(), key, (int) klen, (const unsigned char *) data,
                len, md, &n) != NULL && n == 32 ? 0 : -1;
}


int
uc_tc3_signature(const char *secret_key, const char *method,
    const char *path, const char *query, const char *canonical_headers,
    const char *signed_headers, const char *payload, size_t plen,
    long timestamp, const char *service, char dst[65])
{
    int            rc, n;
    char           date[16], payload_hash[65], request_hash[65], *request;
    char           to_sign[256], secret[256];
    size_t         size;
    time_t         t;
    struct tm      tm;
    unsigned char  k_date[32], k_service[32], k_signing[32], sig[32];

    t = (time_t) timestamp;
    if (gmtime_r(&t, &tm) == NULL
        || strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0
        || sha256_hex(payload, plen, payload_hash) != 0)
    {
        return -1;
    }

    size = strlen(method) + strlen(path) + strlen(query)
           + strlen(canonical_headers) + strlen(signed_headers) + 64 + 8;
    request = malloc(size);
    if (request == NULL) {
        return -1;
    }

    n = snprintf(request, size, "%s\n%s\n%s\n%s\n%s\n%s", method, path, query,
                 canonical_headers, signed_headers, payload_hash);
    rc = n > 0 && (size_t) n < size
         ? sha256_hex(request, (size_t) n, request_hash) : -1;
    free(request);

    if (rc != 0) {
        return -1;
    }

    n = snprintf(to_sign, sizeof(to_sign),
                 "TC3-HMAC-SHA256\n%ld\n%s/%s/tc3_request\n%s", timestamp,
                 date, service, request_hash);
    if (n < 0 || (size_t) n >= sizeof(to_sign)) {
        return -1;
    }

    n = snprintf(secret, sizeof(secret), "TC3%s", secret_key);
    rc = -1;

    if (n > 0 && (size_t) n < sizeof(secret)
        && hmac(secret, (size_t) n, date, strlen(date), k_date) == 0
        && hmac(k_date, 32, service, strlen(service), k_service) == 0
        && hmac(k_service, 32, "tc3_request", 11, k_signing) == 0
        && hmac(k_signing, 32, to_sign, strlen(to_sign), sig) == 0)
    {
        hex(sig, 32, dst);
        rc = 0;
    }

    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(k_date, sizeof(k_date));
    OPENSSL_cleanse(k_service, sizeof(k_service));
    OPENSSL_cleanse(k_signing, sizeof(k_signing));

    return rc;
}


int
uc_tc3_service(const char *host, char *dst, size_t size)
{
    size_t  n;

    n = strcspn(host, ".:");

    if (n == 0 || n >= size) {
        return -1;
    }

    memcpy(dst, host, n);
    dst[n] = '\0';

    return 0;
}


int
uc_tc3_equal(const char *a, const char *b)
{
    size_t  n;

    n = strlen(a);

    return n == 64 && strlen(b) == n && CRYPTO_memcmp(a, b, n) == 0;
}
