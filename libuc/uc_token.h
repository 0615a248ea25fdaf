/*
 * usercenter shared contract: session tokens and the key ring.
 *
 * This library is linked by the nginx module, the backend and tools/ucctl.
 * It includes neither nginx nor backend headers, allocates nothing after
 * uc_keyring_load() and is safe to call from one thread per keyring; the
 * backend keeps one keyring per worker thread.
 *
 * Token:  "v1." kid "." sid "." mac
 *   kid  1..16 chars of [A-Za-z0-9_-], names the key that signed the token
 *   sid  16 random bytes, base64url without padding (22 chars)
 *   mac  HMAC-SHA256(key, "v1." kid "." sid), base64url (43 chars)
 */

#ifndef UC_TOKEN_H
#define UC_TOKEN_H

#include <stddef.h>
#include <stdint.h>


#define UC_KID_MAX          16
#define UC_SECRET_MIN       32
#define UC_SECRET_MAX       64
#define UC_KEYS_MAX         8

#define UC_SID_BYTES        16
#define UC_SID_LEN          22
#define UC_MAC_BYTES        32
#define UC_MAC_LEN          43
#define UC_TOKEN_MAX        (3 + UC_KID_MAX + 1 + UC_SID_LEN + 1 + UC_MAC_LEN)


typedef struct {
    char            kid[UC_KID_MAX + 1];
    size_t          kid_len;
    unsigned char   secret[UC_SECRET_MAX];
    size_t          secret_len;
    void           *mac;          /* EVP_MAC_CTX keyed once, dup'ed per use */
} uc_key_t;


/* keys[0] signs new tokens; every key verifies (rotation). */
typedef struct {
    uc_key_t        keys[UC_KEYS_MAX];
    size_t          nkeys;
} uc_keyring_t;


typedef enum {
    UC_TOKEN_OK = 0,
    UC_TOKEN_MALFORMED,
    UC_TOKEN_UNKNOWN_KEY,
    UC_TOKEN_BAD_SIGNATURE
} uc_token_rc_e;


/*
 * Parses a key file held in memory. On error returns -1 and writes a
 * message naming the line into err (never the secret itself).
 */
int uc_keyring_parse(uc_keyring_t *ring, const char *text, size_t len,
    char *err, size_t errlen);

/* Reads and parses a key file; refuses files readable by group or others. */
int uc_keyring_load(uc_keyring_t *ring, const char *path, char *err,
    size_t errlen);

void uc_keyring_free(uc_keyring_t *ring);

/*
 * Verifies a token in constant time with respect to the MAC. On success
 * *sid points into token and *sid_len is UC_SID_LEN.
 */
uc_token_rc_e uc_token_verify(const uc_keyring_t *ring, const char *token,
    size_t len, const char **sid, size_t *sid_len);

/*
 * Mints a token with keys[0] for 16 fresh random bytes. out must hold
 * UC_TOKEN_MAX + 1 bytes; the sid (UC_SID_LEN chars) is copied to sid_out
 * (UC_SID_LEN + 1 bytes) when it is not NULL. Returns the token length,
 * or -1 when the ring is empty or the system has no randomness.
 */
int uc_token_mint(const uc_keyring_t *ring, char *out, char *sid_out);

/* Signs a given sid (for tests and for re-issuing); same output rules. */
int uc_token_sign(const uc_keyring_t *ring, size_t key, const char *sid,
    size_t sid_len, char *out);

/* base64url without padding; returns the output length. */
size_t uc_base64url_encode(char *dst, const unsigned char *src, size_t len);

/* Returns the decoded length or -1 on a character outside the alphabet. */
long uc_base64url_decode(unsigned char *dst, const char *src, size_t len);

const char *uc_token_strerror(uc_token_rc_e rc);

/* HMAC-SHA256 with one key of the ring (UC_MAC_BYTES into md). */
int uc_key_hmac(const uc_key_t *key, const char *data, size_t len,
    unsigned char *md);

#endif /* UC_TOKEN_H */
