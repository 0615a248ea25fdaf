/*
 * usercenter shared library: Alipay OpenAPI signatures (uc_alipay.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "uc_alipay.h"


static int
param_cmp(const void *a, const void *b)
{
    return strcmp(((const uc_alipay_param_t *) a)->name,
                  ((const uc_alipay_param_t *) b)->name);
}


size_t
uc_alipay_sign_string(uc_alipay_param_t *params, size_t n, char *dst,
    size_t size)
{
    size_t  i, need, k, v;

    qsort(params, n, sizeof(uc_alipay_param_t), param_cmp);

    need = 0;

    for (i = 0; i < n; i++) {
        if (strcmp(params[i].name, "sign") == 0 || params[i].value == NULL
            || params[i].value[0] == '\0')
        {
            continue;
        }

        k = strlen(params[i].name);
        v = strlen(params[i].value);

        if (need > 0) {
            if (need + 1 < size) {
                dst[need] = '&';
            }

            need++;
        }

        if (need + k + 1 + v < size) {
            memcpy(dst + need, params[i].name, k);
            dst[need + k] = '=';
            memcpy(dst + need + k + 1, params[i].value, v);
        }

        need += k + 1 + v;
    }

    if (need < size) {
        dst[need] = '\0';
    }

    return need;
}


size_t
uc_alipay_sign(EVP_PKEY *key, const char *data, size_t len, char *dst,
    size_t size)
{
    int             ok;
    size_t          siglen, b64;
    EVP_MD_CTX     *ctx;
    unsigned char  *sig;

    siglen = (size_t) EVP_PKEY_get_size(key);
    b64 = 4 * ((siglen + 2) / 3);

    if (b64 + 1 > size) {
        return 0;
    }

    sig = malloc(siglen);
    ctx = EVP_MD_CTX_new();

    ok = sig != NULL && ctx != NULL
         && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1
         && EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *) data,
                           len) == 1;

    if (ok) {
        b64 = (size_t) EVP_EncodeBlock((unsigned char *) dst, sig,
                                       (int) siglen);
    }

    EVP_MD_CTX_free(ctx);
    free(sig);

    return ok ? b64 : 0;
}


int
uc_alipay_verify(EVP_PKEY *key, const char *data, size_t len,
    const char *sign, size_t sign_len)
{
    int             ok, n, pad;
    EVP_MD_CTX     *ctx;
    unsigned char  *raw;

    if (sign_len == 0 || sign_len % 4 != 0 || sign_len > 4096) {
        return 0;
    }

    raw = malloc(sign_len);
    if (raw == NULL) {
        return 0;
    }

    /* EVP_DecodeBlock counts the padding's zero bytes: take them off */
    n = EVP_DecodeBlock(raw, (const unsigned char *) sign, (int) sign_len);
    pad = (sign[sign_len - 1] == '=') + (sign[sign_len - 2] == '=');

    ctx = n > pad ? EVP_MD_CTX_new() : NULL;

    ok = ctx != NULL
         && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1
         && EVP_DigestVerify(ctx, raw, (size_t) (n - pad),
                             (const unsigned char *) data, len) == 1;

    EVP_MD_CTX_free(ctx);
    free(raw);

    return ok;
}


/* the first occurrence of needle in [p, end), or NULL */
static const char *
find(const char *p, const char *end, const char *needle, size_t nlen)
{
    for (/* void */; p + nlen <= end; p++) {
        if (*p == *needle && memcmp(p, needle, nlen) == 0) {
            return p;
        }
    }

    return NULL;
}


static const char *
skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
    }

    return p;
}


/* after "name": the first byte of its value, or NULL */
static const char *
value_of(const char *key_end, const char *end)
{
    const char  *p;

    p = skip_space(key_end, end);

    if (p == end || *p != ':') {
        return NULL;
    }

    return skip_space(p + 1, end);
}


int
uc_alipay_answer(const char *body, size_t len, const char *method,
    const char **span, size_t *span_len, char *sign, size_t sign_size,
    int *error)
{
    char         name[128];
    size_t       i, n, m;
    const char  *end, *key, *start, *last, *p, *close;

    end = body + len;
    m = strlen(method);

    if (m + sizeof("\"_response\"") > sizeof(name)) {
        return -1;
    }

    name[0] = '"';

    for (i = 0; i < m; i++) {
        name[1 + i] = method[i] == '.' ? '_' : method[i];
    }

    memcpy(name + 1 + m, "_response\"", sizeof("_response\""));
    n = strlen(name);

    *error = 0;
    key = find(body, end, name, n);

    if (key == NULL) {
        key = find(body, end, "\"error_response\"",
                   sizeof("\"error_response\"") - 1);
        n = sizeof("\"error_response\"") - 1;
        *error = 1;
    }

    if (key == NULL) {
        return -1;
    }

    start = value_of(key + n, end);

    if (start == NULL || start == end || *start != '{') {
        return -1;
    }

    /* the last "sign" of the text, the top level's, after the object */
    last = NULL;

    for (p = start; (p = find(p, end, "\"sign\"", 6)) != NULL; p += 6) {
        last = p;
    }

    if (last == NULL) {
        return -1;
    }

    /* the object ends at the last "}" before it */
    for (close = last - 1; close > start && *close != '}'; close--) {
        /* void */
    }

    if (close <= start) {
        return -1;
    }

    *span = start;
    *span_len = (size_t) (close - start) + 1;

    /* the signature: a JSON string of base64, where "/" may come as "\/" */
    p = value_of(last + 6, end);

    if (p == NULL || p == end || *p != '"') {
        return -1;
    }

    for (p++, i = 0; p < end && *p != '"'; p++) {
        if (*p == '\\') {
            if (p + 1 == end || p[1] != '/') {
                return -1;
            }

            p++;
        }

        if (i + 1 >= sign_size) {
            return -1;
        }

        sign[i++] = *p;
    }

    if (p == end) {
        return -1;
    }

    sign[i] = '\0';

    return 0;
}


void
uc_alipay_timestamp(time_t now, char dst[20])
{
    struct tm  tm;

    now += 8 * 3600;
    gmtime_r(&now, &tm);
    strftime(dst, 20, "%Y-%m-%d %H:%M:%S", &tm);
}
