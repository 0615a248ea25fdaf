/*
 * usercenter shared library: Alibaba Cloud RPC signatures (uc_aliyun.h).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "uc_aliyun.h"


size_t
uc_aliyun_encode(const char *s, char *dst, size_t size)
{
    static const char  hex[] = "0123456789ABCDEF";
    size_t             n;
    unsigned char      c;

    for (n = 0; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == '~')
        {
            if (n + 1 < size) {
                dst[n] = (char) c;
            }
            n++;
            continue;
        }

        if (n + 3 < size) {
            dst[n] = '%';
            dst[n + 1] = hex[c >> 4];
            dst[n + 2] = hex[c & 15];
        }
        n += 3;
    }

    if (n < size) {
        dst[n] = '\0';
    }

    return n;
}


static int
param_cmp(const void *a, const void *b)
{
    return strcmp(((const uc_aliyun_param_t *) a)->name,
                  ((const uc_aliyun_param_t *) b)->name);
}


size_t
uc_aliyun_query(uc_aliyun_param_t *params, size_t n, char *dst, size_t size)
{
    size_t  i, need, k;

    qsort(params, n, sizeof(uc_aliyun_param_t), param_cmp);

    need = 0;

    for (i = 0; i < n; i++) {
        if (strcmp(params[i].name, "Signature") == 0
            || params[i].value == NULL)
        {
            continue;
        }

        if (need > 0) {
            if (need + 1 < size) {
                dst[need] = '&';
            }
            need++;
        }

        k = uc_aliyun_encode(params[i].name,
                             need < size ? dst + need : NULL,
                             need < size ? size - need : 0);
        need += k;

        if (need + 1 < size) {
            dst[need] = '=';
        }
        need++;

        k = uc_aliyun_encode(params[i].value,
                             need < size ? dst + need : NULL,
                             need < size ? size - need : 0);
        need += k;
    }

    if (need < size) {
        dst[need] = '\0';
    }

    return need;
}


size_t
uc_aliyun_string_to_sign(const char *method, uc_aliyun_param_t *params,
    size_t n, char *dst, size_t size)
{
    char    *query;
    size_t   qlen, m, need;

    qlen = uc_aliyun_query(params, n, NULL, 0);
    query = malloc(qlen + 1);

    if (query == NULL) {
        return (size_t) -1;
    }

    uc_aliyun_query(params, n, query, qlen + 1);

    m = strlen(method);
    need = m + sizeof("&%2F&") - 1;

    if (need < size) {
        memcpy(dst, method, m);
        memcpy(dst + m, "&%2F&", 5);
    }

    need += uc_aliyun_encode(query, need < size ? dst + need : NULL,
                             need < size ? size - need : 0);

    if (need < size) {
        dst[need] = '\0';
    }

    OPENSSL_cleanse(query, qlen);
    free(query);

    return need;
}


int
uc_aliyun_sign(const char *secret, const char *data, size_t len,
    char dst[29])
{
    size_t         klen;
    char           key[256];
    unsigned int   mlen;
    unsigned char  md[EVP_MAX_MD_SIZE];

    klen = strlen(secret);

    if (klen + 2 > sizeof(key)) {
        return -1;
    }

    memcpy(key, secret, klen);
    key[klen] = '&';

    if (HMAC(EVP_sha1(), key, (int) klen + 1, (const unsigned char *) data,
             len, md, &mlen) == NULL
        || mlen != 20)
    {
        OPENSSL_cleanse(key, sizeof(key));
        return -1;
    }

    OPENSSL_cleanse(key, sizeof(key));

    /* 20 bytes: 28 characters of base64 */
    EVP_EncodeBlock((unsigned char *) dst, md, 20);

    return 0;
}


int
uc_aliyun_verify(const char *secret, const char *data, size_t len,
    const char *sign)
{
    char  want[29];

    if (sign == NULL || strlen(sign) != 28
        || uc_aliyun_sign(secret, data, len, want) != 0)
    {
        return 0;
    }

    return CRYPTO_memcmp(want, sign, 28) == 0;
}
