/*
 * uc-backend: JSON documents read cache-aside through Redis (profiles,
 * merchants' public records).
 *
 *   <key>        the document, TTL ttl +- 10 %; "-" for an id the store
 *                does not have, absent_ttl, so unknown ids stop at Redis
 *   <key>:lock   single flight: SET NX PX 2000
 *   <key>:gen    bumped by every write after its commit
 *
 * On a miss one reader takes the lock and rebuilds from the store; the
 * others wait for the entry (up to the lock's life) instead of all
 * reading the store at once. Every write drops the entry after commit,
 * and a rebuild that read the store before that commit is not written
 * (the generation moved). Keys passed in end with their hash tag's "}"
 * or later, so the three share a slot.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "ucb.h"


#define LOCK_MS         2000
#define WAIT_STEP_US    10000
#define KEY_MAX         (UC_KEY_MAX + 16)


static int
jitter(int ttl)
{
    uint16_t  r;

    RAND_bytes((unsigned char *) &r, sizeof(r));

    return ttl - ttl / 10 + (int) (r % (unsigned) (ttl / 5 + 1));
}


/* 1: *out set (NULL for a cached absence), 0: miss, -1: Redis failed */
static int
cache_get(const char *key, json_t **out)
{
    redisReply  *r;

    r = ucb_redis_command("GET %s", key);
    if (r == NULL) {
        return -1;
    }

    if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 0;
    }

    *out = strcmp(r->str, "-") == 0 ? NULL
                                    : json_loads(r->str, 0, NULL);
    freeReplyObject(r);

    return 1;
}


/*
 * A fill is written only while the generation is the one read before the
 * store was: a reader that read the old row cannot put it back after a
 * writer's delete. KEYS: generation, entry.
 */
static const char  generation_bump[] =
    "redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1]) "
    "redis.call('DEL', KEYS[2]) return 1";

static const char  generation_fill[] =
    "if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end "
    "redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) return 1";


/* UCB_OK, UCB_NOT_FOUND or UCB_ERROR, as the store said */
static int
load_and_cache(ucb_cache_t *c, const char *key, const char *id,
    json_t **out)
{
    int          rc;
    char        *text, gen[KEY_MAX], seen[32];
    redisReply  *r;

    snprintf(gen, sizeof(gen), "%s:gen", key);

    /* no generation read: no fill (the store still answers) */
    seen[0] = '\0';
    r = ucb_redis_command("GET %s", gen);

    if (r != NULL && (r->type == REDIS_REPLY_STRING
                      || r->type == REDIS_REPLY_NIL))
    {
        snprintf(seen, sizeof(seen), "%s",
                 r->type == REDIS_REPLY_STRING ? r->str : "0");
    }

    freeReplyObject(r);

    __atomic_add_fetch(&c->reads, 1, __ATOMIC_RELAXED);

    *out = NULL;
    rc = c->load(id, out);

    if (rc != UCB_OK && rc != UCB_NOT_FOUND) {
        return UCB_ERROR;
    }

    text = *out != NULL ? json_dumps(*out, JSON_COMPACT) : strdup("-");

    if (text != NULL && seen[0] != '\0') {
        r = ucb_redis_command("EVAL %s 2 %s %s %s %s %d", generation_fill,
                              gen, key, seen, text,
                              *out != NULL ? jitter(c->ttl) : c->absent_ttl);
        freeReplyObject(r);
    }

    free(text);

    return *out != NULL ? UCB_OK : UCB_NOT_FOUND;
}


int
ucb_cache_read(ucb_cache_t *c, const char *key, const char *id,
    json_t **out)
{
    int          rc, waited;
    char         lock[KEY_MAX];
    redisReply  *r;

    snprintf(lock, sizeof(lock), "%s:lock", key);

    *out = NULL;
    rc = cache_get(key, out);

    for (waited = 0; rc == 0; waited += WAIT_STEP_US) {
        r = ucb_redis_command("SET %s 1 NX PX %d", lock, LOCK_MS);

        if (r != NULL && r->type == REDIS_REPLY_STATUS) {
            freeReplyObject(r);

            /* the previous holder may have filled it just now */
            rc = cache_get(key, out);

            if (rc == 0) {
                rc = load_and_cache(c, key, id, out);
                r = ucb_redis_command("DEL %s", lock);
                freeReplyObject(r);
                return rc;
            }

            r = ucb_redis_command("DEL %s", lock);
            freeReplyObject(r);
            break;
        }

        freeReplyObject(r);

        if (waited >= LOCK_MS * 1000) {
            return load_and_cache(c, key, id, out);
        }

        usleep(WAIT_STEP_US);
        rc = cache_get(key, out);
    }

    if (rc < 0) {
        /* Redis down: the store still answers */
        return load_and_cache(c, key, id, out);
    }

    return *out != NULL ? UCB_OK : UCB_NOT_FOUND;
}


int
ucb_cache_drop(ucb_cache_t *c, const char *key)
{
    int          rc;
    char         gen[KEY_MAX];
    redisReply  *r;

    /* a fill that read the store before this commit must not land */
    snprintf(gen, sizeof(gen), "%s:gen", key);
    r = ucb_redis_command("EVAL %s 2 %s %s %d", generation_bump, gen, key,
                          2 * c->ttl);
    rc = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(r);

    return rc;
}


long
ucb_cache_store_reads(ucb_cache_t *c)
{
    return __atomic_load_n(&c->reads, __ATOMIC_RELAXED);
}
