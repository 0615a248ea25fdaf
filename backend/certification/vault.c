/*
 * uc-backend: personal data at rest. ID numbers and names are sealed with
 * AES-256-GCM (a fresh 96-bit nonce each; the key's version, the field
 * and the account as associated data, so a value moved elsewhere does not
 * open; "v1." naming the key's version), found again by a keyed hash
 * (HMAC-SHA256), and shown masked. Both keys derive from the one in
 * certification_key, which never leaves the process.
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "certification.h"


#define NONCE  12
#define TAG    16
#define PLAIN_MAX  256


int
ucb_seal(const char *plain, const char *context, char *out, size_t size)
{
    int              n, len, ok;
    size_t           plen, need;
    EVP_CIPHER_CTX  *ctx;
    unsigned char    buf[NONCE + PLAIN_MAX + TAG];

    plen = strlen(plain);
    need = 3 + 4 * ((NONCE + plen + TAG + 2) / 3) + 1;

    if (!ucb_cert.have_key || plen > PLAIN_MAX || need > size) {
        return -1;
    }

    if (RAND_bytes(buf, NONCE) != 1) {
        return -1;
    }

    ctx = EVP_CIPHER_CTX_new();
    ok = ctx != NULL
         && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, ucb_cert.seal_key,
                               buf) == 1
         && EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *) context,
                              (int) strlen(context)) == 1
         && EVP_EncryptUpdate(ctx, buf + NONCE, &n,
                              (const unsigned char *) plain, (int) plen) == 1
         && EVP_EncryptFinal_ex(ctx, buf + NONCE + n, &len) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG,
                                buf + NONCE + plen) == 1;
    EVP_CIPHER_CTX_free(ctx);

    if (!ok) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return -1;
    }

    memcpy(out, "v1.", 3);
    EVP_EncodeBlock((unsigned char *) out + 3, buf,
                    (int) (NONCE + plen + TAG));
    OPENSSL_cleanse(buf, sizeof(buf));

    return 0;
}


int
ucb_unseal(const char *sealed, const char *context, char *out, size_t size)
{
    int              n, len, ok, raw;
    size_t           slen, plen;
    EVP_CIPHER_CTX  *ctx;
    unsigned char    buf[NONCE + PLAIN_MAX + TAG + 3];

    slen = strlen(sealed);

    if (!ucb_cert.have_key || slen < 3 || strncmp(sealed, "v1.", 3) != 0
        || (slen - 3) % 4 != 0 || (slen - 3) / 4 * 3 > sizeof(buf))
    {
        return -1;
    }

    raw = EVP_DecodeBlock(buf, (const unsigned char *) sealed + 3,
                          (int) (slen - 3));
    if (raw < 0) {
        return -1;
    }

    /* EVP_DecodeBlock counts the padding's zero bytes */
    raw -= (sealed[slen - 1] == '=') + (sealed[slen - 2] == '=');

    if (raw < NONCE + TAG || (size_t) (raw - NONCE - TAG) + 1 > size) {
        return -1;
    }

    plen = (size_t) raw - NONCE - TAG;

    ctx = EVP_CIPHER_CTX_new();
    ok = ctx != NULL
         && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, ucb_cert.seal_key,
                               buf) == 1
         && EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *) context,
                              (int) strlen(context)) == 1
         && EVP_DecryptUpdate(ctx, (unsigned char *) out, &n, buf + NONCE,
                              (int) plen) == 1
         && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG,
                                buf + NONCE + plen) == 1
         && EVP_DecryptFinal_ex(ctx, (unsigned char *) out + n, &len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    OPENSSL_cleanse(buf, sizeof(buf));

    if (!ok) {
        OPENSSL_cleanse(out, size);
        return -1;
    }

    out[plen] = '\0';

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
