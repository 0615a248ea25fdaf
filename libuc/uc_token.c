/*
 * usercenter shared contract: session tokens and the key ring.
 * See uc_token.h for the formats.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "uc_token.h"


#define UC_KEYFILE_MAX  8192


static const char  uc_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static int uc_key_init_mac(uc_key_t *key);

static int uc_kid_char(int c);
static int uc_hex(int c);


/* ---------------------------------------------------------------- base64 */

size_t
uc_base64url_encode(char *dst, const unsigned char *src, size_t len)
{
    char    *d;

    d = dst;

    while (len >= 3) {
        *d++ = uc_b64url[src[0] >> 2];
        *d++ = uc_b64url[((src[0] & 0x03) << 4) | (src[1] >> 4)];
        *d++ = uc_b64url[((src[1] & 0x0f) << 2) | (src[2] >> 6)];
        *d++ = uc_b64url[src[2] & 0x3f];
        src += 3;
        len -= 3;
    }

    if (len > 0) {
        *d++ = uc_b64url[src[0] >> 2];

        if (len == 1) {
            *d++ = uc_b64url[(src[0] & 0x03) << 4];

        } else {
            *d++ = uc_b64url[((src[0] & 0x03) << 4) | (src[1] >> 4)];
            *d++ = uc_b64url[(src[1] & 0x0f) << 2];
        }
    }

    return (size_t) (d - dst);
}


/*
 * Each base64url character's value plus one; 0 for every other byte. A
 * table, not comparisons: every token is decoded on every request, and
 * random characters defeat branch prediction.
 */
static const unsigned char  uc_b64url_values[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64
};


long
uc_base64url_decode(unsigned char *dst, const char *src, size_t len)
{
    int             v;
    size_t          i;
    unsigned int    acc, bits;
    unsigned char  *d;

    if (len % 4 == 1) {
        return -1;
    }

    d = dst;
    acc = 0;
    bits = 0;

    for (i = 0; i < len; i++) {
        v = uc_b64url_values[(unsigned char) src[i]] - 1;
        if (v < 0) {
            return -1;
        }

        acc = (acc << 6) | (unsigned int) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            *d++ = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    /* non-canonical trailing bits would give two spellings of one token */
    if (acc != 0) {
        return -1;
    }

    return (long) (d - dst);
}


/* --------------------------------------------------------------- keyring */

static int
uc_kid_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_';
}


static int
uc_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


int
uc_keyring_parse(uc_keyring_t *ring, const char *text, size_t len,
    char *err, size_t errlen)
{
    int            hi, lo;
    size_t         i, n, lineno;
    uc_key_t      *key;
    const char    *p, *end, *eol, *word;

    memset(ring, 0, sizeof(uc_keyring_t));

    p = text;
    end = text + len;
    lineno = 0;

    while (p < end) {
        lineno++;

        eol = memchr(p, '\n', (size_t) (end - p));
        if (eol == NULL) {
            eol = end;
        }

        while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r')) {
            p++;
        }

        if (p == eol || *p == '#') {
            p = eol + 1;
            continue;
        }

        if (ring->nkeys == UC_KEYS_MAX) {
            snprintf(err, errlen, "line %zu: more than %d keys", lineno,
                     UC_KEYS_MAX);
            goto failed;
        }

        key = &ring->keys[ring->nkeys];

        word = p;
        while (p < eol && uc_kid_char((unsigned char) *p)) {
            p++;
        }

        n = (size_t) (p - word);

        if (n == 0 || n > UC_KID_MAX || p == eol
            || (*p != ' ' && *p != '\t'))
        {
            snprintf(err, errlen, "line %zu: expected \"<kid> <hex secret>\" "
                     "with a kid of 1 to %d characters [A-Za-z0-9_-]",
                     lineno, UC_KID_MAX);
            goto failed;
        }

        memcpy(key->kid, word, n);
        key->kid[n] = '\0';
        key->kid_len = n;

        for (i = 0; i < ring->nkeys; i++) {
            if (strcmp(ring->keys[i].kid, key->kid) == 0) {
                snprintf(err, errlen, "line %zu: duplicate kid \"%s\"",
                         lineno, key->kid);
                goto failed;
            }
        }

        while (p < eol && (*p == ' ' || *p == '\t')) {
            p++;
        }

        n = 0;

        while (p + 1 < eol) {
            hi = uc_hex((unsigned char) p[0]);
            lo = uc_hex((unsigned char) p[1]);

            if (hi < 0 || lo < 0 || n == UC_SECRET_MAX) {
                break;
            }

            key->secret[n++] = (unsigned char) (hi << 4 | lo);
            p += 2;
        }

        while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r')) {
            p++;
        }

        if (p != eol || n < UC_SECRET_MIN) {
            snprintf(err, errlen, "line %zu: the secret of \"%s\" must be "
                     "%d to %d bytes written as hex", lineno, key->kid,
                     UC_SECRET_MIN, UC_SECRET_MAX);
            goto failed;
        }

        key->secret_len = n;

        if (uc_key_init_mac(key) != 0) {
            snprintf(err, errlen, "line %zu: OpenSSL HMAC-SHA256 unavailable",
                     lineno);
            goto failed;
        }

        ring->nkeys++;
        p = eol + 1;
    }

    if (ring->nkeys == 0) {
        snprintf(err, errlen, "no keys");
        goto failed;
    }

    return 0;

failed:

    uc_keyring_free(ring);
    return -1;
}


int
uc_keyring_load(uc_keyring_t *ring, const char *path, char *err,
    size_t errlen)
{
    int          fd, rc;
    char         buf[UC_KEYFILE_MAX];
    size_t       len;
    ssize_t      n;
    struct stat  st;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        snprintf(err, errlen, "open(\"%s\") failed: %s", path,
                 strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "\"%s\" is not a regular file", path);
        close(fd);
        return -1;
    }

    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen, "\"%s\" is accessible by group or others; "
                 "chmod 600 it", path);
        close(fd);
        return -1;
    }

    len = 0;

    for ( ;; ) {
        n = read(fd, buf + len, sizeof(buf) - len);

        if (n == -1 && errno == EINTR) {
            continue;
        }

        if (n == -1) {
            snprintf(err, errlen, "read(\"%s\") failed: %s", path,
                     strerror(errno));
            close(fd);
            return -1;
        }

        if (n == 0) {
            break;
        }

        len += (size_t) n;

        if (len == sizeof(buf)) {
            snprintf(err, errlen, "\"%s\" is larger than %d bytes", path,
                     UC_KEYFILE_MAX);
            close(fd);
            return -1;
        }
    }

    close(fd);

    rc = uc_keyring_parse(ring, buf, len, err, errlen);
    OPENSSL_cleanse(buf, sizeof(buf));

    return rc;
}


void
uc_keyring_free(uc_keyring_t *ring)
{
    size_t  i;

    for (i = 0; i < UC_KEYS_MAX; i++) {
        if (ring->keys[i].mac != NULL) {
            EVP_MAC_CTX_free(ring->keys[i].mac);
        }
    }

    OPENSSL_cleanse(ring, sizeof(uc_keyring_t));
    ring->nkeys = 0;
}


static int
uc_key_init_mac(uc_key_t *key)
{
    EVP_MAC      *mac;
    OSSL_PARAM    params[2];
    EVP_MAC_CTX  *ctx;

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) {
        return -1;
    }

    ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);

    if (ctx == NULL) {
        return -1;
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    if (EVP_MAC_init(ctx, key->secret, key->secret_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return -1;
    }

    key->mac = ctx;

    return 0;
}


/* The keyed context is copied so that the ring stays read-only in use. */
int
uc_key_hmac(const uc_key_t *key, const char *data, size_t len,
    unsigned char *md)
{
    int           rc;
    size_t        mdlen;
    EVP_MAC_CTX  *ctx;

    ctx = EVP_MAC_CTX_dup(key->mac);
    if (ctx == NULL) {
        return -1;
    }

    rc = EVP_MAC_update(ctx, (const unsigned char *) data, len) == 1
         && EVP_MAC_final(ctx, md, &mdlen, UC_MAC_BYTES) == 1
         && mdlen == UC_MAC_BYTES;

    EVP_MAC_CTX_free(ctx);

    return rc ? 0 : -1;
}


/* ----------------------------------------------------------------- token */

uc_token_rc_e
uc_token_verify(const uc_keyring_t *ring, const char *token, size_t len,
    const char **sid, size_t *sid_len)
{
    size_t          i, kid_len, signed_len;
    const char     *p, *kid, *dot;
    unsigned char   given[UC_MAC_BYTES + 3], md[UC_MAC_BYTES];
    const uc_key_t *key;

    if (len < 3 + 1 + 1 + UC_SID_LEN + 1 + UC_MAC_LEN || len > UC_TOKEN_MAX
        || memcmp(token, "v1.", 3) != 0)
    {
        return UC_TOKEN_MALFORMED;
    }

    kid = token + 3;
    dot = memchr(kid, '.', len - 3);

    if (dot == NULL) {
        return UC_TOKEN_MALFORMED;
    }

    kid_len = (size_t) (dot - kid);
    signed_len = 3 + kid_len + 1 + UC_SID_LEN;

    if (kid_len == 0 || kid_len > UC_KID_MAX
        || len != signed_len + 1 + UC_MAC_LEN
        || token[signed_len] != '.')
    {
        return UC_TOKEN_MALFORMED;
    }

    for (p = kid; p < dot; p++) {
        if (!uc_kid_char((unsigned char) *p)) {
            return UC_TOKEN_MALFORMED;
        }
    }

    if (uc_base64url_decode(given, dot + 1, UC_SID_LEN) != UC_SID_BYTES
        || uc_base64url_decode(given, token + signed_len + 1, UC_MAC_LEN)
           != UC_MAC_BYTES)
    {
        return UC_TOKEN_MALFORMED;
    }

    key = NULL;

    for (i = 0; i < ring->nkeys; i++) {
        if (ring->keys[i].kid_len == kid_len
            && memcmp(ring->keys[i].kid, kid, kid_len) == 0)
        {
            key = &ring->keys[i];
            break;
        }
    }

    if (key == NULL) {
        return UC_TOKEN_UNKNOWN_KEY;
    }

    if (uc_key_hmac(key, token, signed_len, md) != 0
        || CRYPTO_memcmp(md, given, UC_MAC_BYTES) != 0)
    {
        return UC_TOKEN_BAD_SIGNATURE;
    }

    *sid = dot + 1;
    *sid_len = UC_SID_LEN;

    return UC_TOKEN_OK;
}


int
uc_token_sign(const uc_keyring_t *ring, size_t k, const char *sid,
    size_t sid_len, char *out)
{
    size_t          n;
    unsigned char   md[UC_MAC_BYTES];
    const uc_key_t *key;

    if (k >= ring->nkeys || sid_len != UC_SID_LEN) {
        return -1;
    }

    key = &ring->keys[k];

    n = 0;
    memcpy(out, "v1.", 3);
    n += 3;
    memcpy(out + n, key->kid, key->kid_len);
    n += key->kid_len;
    out[n++] = '.';
    memcpy(out + n, sid, UC_SID_LEN);
    n += UC_SID_LEN;

    if (uc_key_hmac(key, out, n, md) != 0) {
        return -1;
    }

    out[n++] = '.';
    n += uc_base64url_encode(out + n, md, UC_MAC_BYTES);
    out[n] = '\0';

    return (int) n;
}


int
uc_token_mint(const uc_keyring_t *ring, char *out, char *sid_out)
{
    char            sid[UC_SID_LEN + 1];
    unsigned char   raw[UC_SID_BYTES];

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return -1;
    }

    uc_base64url_encode(sid, raw, sizeof(raw));
    sid[UC_SID_LEN] = '\0';

    if (sid_out != NULL) {
        memcpy(sid_out, sid, UC_SID_LEN + 1);
    }

    return uc_token_sign(ring, 0, sid, UC_SID_LEN, out);
}


const char *
uc_token_strerror(uc_token_rc_e rc)
{
    switch (rc) {
    case UC_TOKEN_OK:
        return "ok";
    case UC_TOKEN_MALFORMED:
        return "malformed token";
    case UC_TOKEN_UNKNOWN_KEY:
        return "token signed with an unknown key";
    case UC_TOKEN_BAD_SIGNATURE:
        return "bad token signature";
    }

    return "unknown";
}
