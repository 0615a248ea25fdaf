/*
 * uc-backend: passwords with argon2id (libargon2). The encoded hash keeps
 * its own parameters, so a change of cost re-hashes at the next login.
 */

#include <stdio.h>
#include <string.h>

#include <argon2.h>
#include <openssl/rand.h>

#include "ucb.h"


#define SALT_LEN  16
#define HASH_LEN  32


int
ucb_password_hash(const char *password, char *out, size_t outlen)
{
    unsigned char  salt[SALT_LEN];

    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        return -1;
    }

    return argon2id_hash_encoded(ucb_conf.argon2_t, ucb_conf.argon2_m_kib,
                                 ucb_conf.argon2_p, password,
                                 strlen(password), salt, sizeof(salt),
                                 HASH_LEN, out, outlen)
           == ARGON2_OK ? 0 : -1;
}


/* 1 when it matches (libargon2 compares in constant time). */
int
ucb_password_verify(const char *encoded, const char *password)
{
    if (encoded[0] == '\0') {
        return 0;
    }

    return argon2id_verify(encoded, password, strlen(password)) == ARGON2_OK;
}


int
ucb_password_needs_rehash(const char *encoded)
{
    char  params[64];

    snprintf(params, sizeof(params), "$argon2id$v=19$m=%u,t=%u,p=%u$",
             ucb_conf.argon2_m_kib, ucb_conf.argon2_t, ucb_conf.argon2_p);

    return strncmp(encoded, params, strlen(params)) != 0;
}
