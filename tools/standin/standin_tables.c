/*
 * uc-standin: its tables (standin.h): the codes and tokens it mints for
 * WeChat and Alipay, and the nonces Alibaba Cloud's calls have used, in
 * open-addressed tables under one lock.
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "standin.h"


#define SLOTS  65536

typedef struct {
    char            key[129];
    char            provider;
    char            appid[65];
    char            user[SI_NAME_MAX + 1];
    time_t          expires;
    int             used;
} entry_t;

static entry_t          *codes, *tokens;
static pthread_mutex_t   lock = PTHREAD_MUTEX_INITIALIZER;


static uint32_t
hash(const char *s)
{
    uint32_t  h = 2166136261u;

    while (*s != '\0') {
        h = (h ^ (unsigned char) *s++) * 16777619u;
    }

    return h;
}


/*
 * The slot of key, or one to write it to: a free one, else (the table is
 * a cache, not a record) the one of the probed entries that expires
 * first. Lookups probe as far as inserts do.
 */
#define PROBES  64

static entry_t *
slot(entry_t *table, const char *key, int for_insert)
{
    uint32_t  i, n;
    entry_t  *e, *oldest;

    i = hash(key) % SLOTS;
    oldest = NULL;

    for (n = 0; n < PROBES; n++, i = (i + 1) % SLOTS) {
        e = &table[i];

        if (e->key[0] == '\0') {
            return for_insert ? e : NULL;
        }

        if (strcmp(e->key, key) == 0) {
            return e;
        }

        if (oldest == NULL || e->expires < oldest->expires) {
            oldest = e;
        }
    }

    return for_insert ? oldest : NULL;
}


static void
random_text(char *dst, size_t n)
{
    static const char  alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t             i;
    unsigned char      raw[128];

    RAND_bytes(raw, (int) n);

    for (i = 0; i < n; i++) {
        dst[i] = alpha[raw[i] % 62];
    }

    dst[n] = '\0';
}


int
si_code_mint(char provider, const char *appid, const char *user, long ttl,
    char *code)
{
    entry_t  *e;

    random_text(code, SI_CODE_LEN);

    pthread_mutex_lock(&lock);
    e = slot(codes, code, 1);

    if (e == NULL) {
        pthread_mutex_unlock(&lock);
        return -1;
    }

    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", code);
    e->provider = provider;
    snprintf(e->appid, sizeof(e->appid), "%s", appid);
    snprintf(e->user, sizeof(e->user), "%s", user);
    e->expires = time(NULL) + ttl;
    pthread_mutex_unlock(&lock);

    return 0;
}


si_code_rc_e
si_code_take(char provider, const char *appid, const char *code, char *user)
{
    entry_t       *e;
    si_code_rc_e   rc;

    pthread_mutex_lock(&lock);
    e = strlen(code) < sizeof(e->key) ? slot(codes, code, 0) : NULL;

    if (e == NULL || e->provider != provider
        || strcmp(e->appid, appid) != 0)
    {
        rc = SI_CODE_UNKNOWN;

    } else if (e->used) {
        rc = SI_CODE_USED;

    } else if (e->expires <= time(NULL)) {
        rc = SI_CODE_EXPIRED;

    } else {
        e->used = 1;
        strcpy(user, e->user);
        rc = SI_CODE_OK;
    }

    pthread_mutex_unlock(&lock);

    return rc;
}


int
si_token_mint(char provider, const char *appid, const char *user, long ttl,
    char *token, size_t size, const char *prefix)
{
    size_t    p;
    entry_t  *e;

    p = strlen(prefix);

    if (size < p + 41) {
        return -1;
    }

    memcpy(token, prefix, p);
    random_text(token + p, 40);

    pthread_mutex_lock(&lock);
    e = slot(tokens, token, 1);

    if (e == NULL) {
        pthread_mutex_unlock(&lock);
        return -1;
    }

    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", token);
    e->provider = provider;
    snprintf(e->appid, sizeof(e->appid), "%s", appid);
    snprintf(e->user, sizeof(e->user), "%s", user);
    /* kept past expiry (until the table needs the slot), to say
       "expired" rather than "unknown" */
    e->expires = time(NULL) + ttl;
    pthread_mutex_unlock(&lock);

    return 0;
}


int
si_token_find(char provider, const char *token, char *appid, char *user,
    int *expired)
{
    int       rc;
    entry_t  *e;

    pthread_mutex_lock(&lock);
    e = strlen(token) < sizeof(e->key) ? slot(tokens, token, 0) : NULL;
    rc = -1;

    if (e != NULL && e->provider == provider) {
        strcpy(appid, e->appid);
        strcpy(user, e->user);
        *expired = e->expires <= time(NULL);
        rc = 0;
    }

    pthread_mutex_unlock(&lock);

    return rc;
}


int
si_nonce_seen(const char *nonce)
{
    int       seen;
    entry_t  *e;

    if (nonce == NULL || nonce[0] == '\0' || strlen(nonce) >= sizeof(e->key)) {
        return 1;
    }

    pthread_mutex_lock(&lock);
    e = slot(codes, nonce, 0);
    seen = e != NULL && e->provider == 'n';

    if (!seen) {
        e = slot(codes, nonce, 1);
        if (e != NULL) {
            memset(e, 0, sizeof(*e));
            snprintf(e->key, sizeof(e->key), "%s", nonce);
            e->provider = 'n';
            e->expires = time(NULL) + 900;
        }
    }

    pthread_mutex_unlock(&lock);

    return seen;
}


int
si_tables_init(void)
{
    codes = calloc(SLOTS, sizeof(entry_t));
    tokens = calloc(SLOTS, sizeof(entry_t));

    return codes != NULL && tokens != NULL ? 0 : -1;
}
