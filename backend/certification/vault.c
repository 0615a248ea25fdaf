/*
 * uc-backend: personal data at rest. ID numbers and names are sealed with
 * AES-256-GCM (a fresh 96-bit nonce each; the key's version, the field
 * and the account as associated data, so a value moved elsewhere does not
 * open; "v1." naming the key's version), found again by a keyed hash
 * (HMAC-SHA256), and shown masked. Both keys derive from the one in
 * certification_key, which never leaves the process.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "certification.h"


#define NONCE  12
#define TAG    16
#define PLAIN_MAX  256


/* the short values (names, numbers) as the bytes are, into out */
int
ucb_seal(const char *plain, const char *context, char *out, size_t size)
{
    char    *sealed;
    size_t   plen, n;

    plen = strlen(plain);

    if (plen > PLAIN_MAX) {
        return -1;
    }

    sealed = ucb_seal_bytes((const unsigned char *) plain, plen, context);
    if (sealed == NULL) {
        return -1;
    }

    n = strlen(sealed);

    if (n + 1 > size) {
        free(sealed);
        return -1;
    }

    memcpy(out, sealed, n + 1);
    free(sealed);

    return 0;
}


int
ucb_unseal(const char *sealed, const char *context, char *out, size_t size)
{
    size_t          plen;
    unsigned char  *plain;

    if (strlen(sealed) > 3 + 4 * ((NONCE + PLAIN_MAX + TAG + 2) / 3)) {
        return -1;
    }

    plain = ucb_unseal_bytes(sealed, context, &plen);
    if (plain == NULL) {
        return -1;
    }

    if (plen + 1 > size || memchr(plain, '\0', plen) != NULL) {
        OPENSSL_cleanse(plain, plen);
        free(plain);
        return -1;
    }

    memcpy(out, plain, plen);
    out[plen] = '\0';
    OPENSSL_cleanse(plain, plen);
    free(plain);

    return 0;
}


void
ucb_keyed_hash(const char *value, char hex[65])
{
    int            i;
    unsigned int   len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    HMAC(EVP_sha256(), ucb_cert.hash_key, sizeof(ucb_cert.hash_key),
         (const unsigned char *) value, strlen(value), md, &len);

    for (i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


void
ucb_mask_id_number(char *dst, size_t size, const char *id)
{
    size_t  n;

    n = strlen(id);

    if (n < 8) {
        snprintf(dst, size, "****");
        return;
    }

    snprintf(dst, size, "%.4s%.*s%s", id, (int) (n - 8),
             "**************************", id + n - 4);
}


void
ucb_mask_name(char *dst, size_t size, const char *name)
{
    size_t  n, head, at, out, c;

    n = strlen(name);
    head = ucb_utf8_char((const unsigned char *) name, n);

    if (head == 0 || head + 1 > size) {
        snprintf(dst, size, "*");
        return;
    }

    /* the first character, then a star for each of the others */
    memcpy(dst, name, head);
    out = head;

    for (at = head; at < n; at += c) {
        c = ucb_utf8_char((const unsigned char *) name + at, n - at);

        if (c == 0 || out + 2 > size) {
            break;
        }

        dst[out++] = '*';
    }

    dst[out] = '\0';
}


/*
 * Bytes of any length (a licence's photo) sealed as the short values are:
 * "v1." base64(nonce | ciphertext | tag), malloc'ed; NULL on failure.
 */
char *
ucb_seal_bytes(const unsigned char *plain, size_t plen, const char *context)
{
    int              n, len, ok;
    char            *out;
    unsigned char   *buf;
    EVP_CIPHER_CTX  *ctx;

    if (!ucb_cert.have_key || plen > 64 * 1024 * 1024) {
        return NULL;
    }

    buf = malloc(NONCE + plen + TAG);
    out = malloc(3 + 4 * ((NONCE + plen + TAG + 2) / 3) + 1);

    if (buf == NULL || out == NULL || RAND_bytes(buf, NONCE) != 1) {
        free(buf);
        free(out);
        return NULL;
    }

    ctx = EVP_CIPHER_CTX_new();
    ok = ctx != NULL
         && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, ucb_cert.seal_key,
                               buf) == 1
         && EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *) context,
                              (int) strlen(context)) == 1
         && EVP_EncryptUpdate(ctx, buf + NONCE, &n, plain, (int) plen) == 1
         && EVP_EncryptFinal_ex(ctx, buf + NONCE + n, &len) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG,
                                buf + NONCE + plen) == 1;
    EVP_CIPHER_CTX_free(ctx);

    if (ok) {
        memcpy(out, "v1.", 3);
        EVP_EncodeBlock((unsigned char *) out + 3, buf,
                        (int) (NONCE + plen + TAG));
    }

    OPENSSL_cleanse(buf, NONCE + plen + TAG);
    free(buf);

    if (!ok) {
        free(out);
        return NULL;
    }

    return out;
}


/* what ucb_seal_bytes sealed, malloc'ed with its length; NULL if it does
   not open (another context, another key, altered) */
unsigned char *
ucb_unseal_bytes(const char *sealed, const char *context, size_t *plen)
{
    int              n, len, ok, raw;
    size_t           slen;
    unsigned char   *buf, *out;
    EVP_CIPHER_CTX  *ctx;

    slen = strlen(sealed);

    if (!ucb_cert.have_key || slen < 3 || strncmp(sealed, "v1.", 3) != 0
        || (slen - 3) % 4 != 0)
    {
        return NULL;
    }

    buf = malloc((slen - 3) / 4 * 3 + 3);
    if (buf == NULL) {
        return NULL;
    }

    raw = EVP_DecodeBlock(buf, (const unsigned char *) sealed + 3,
                          (int) (slen - 3));
    if (raw >= 0) {
        raw -= (sealed[slen - 1] == '=') + (sealed[slen - 2] == '=');
    }

    if (raw < NONCE + TAG) {
        free(buf);
        return NULL;
    }

    *plen = (size_t) raw - NONCE - TAG;
    out = malloc(*plen + 1);

    ctx = out != NULL ? EVP_CIPHER_CTX_new() : NULL;
    ok = ctx != NULL
         && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, ucb_cert.seal_key,
                               buf) == 1
         && EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *) context,
                              (int) strlen(context)) == 1
         && EVP_DecryptUpdate(ctx, out, &n, buf + NONCE, (int) *plen) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG,
                                buf + NONCE + *plen) == 1
         && EVP_DecryptFinal_ex(ctx, out + n, &len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    free(buf);

    if (!ok) {
        free(out);
        return NULL;
    }

    return out;
}
