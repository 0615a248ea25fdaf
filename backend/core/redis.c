/*
 * uc-backend: this thread's Redis connection (hiredis, synchronous, with
 * timeouts). Opened on first use; dropped and reopened after an error.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


static __thread redisContext  *rc;
static pthread_key_t           rc_key;
static pthread_once_t          rc_once = PTHREAD_ONCE_INIT;


static void
rc_thread_exit(void *unused)
{
    ucb_redis_drop();
}


static void
rc_key_create(void)
{
    (void) pthread_key_create(&rc_key, rc_thread_exit);
}


redisContext *
ucb_redis(void)
{
    redisReply      *r;
    struct timeval   tv = { 1, 0 };

    if (rc != NULL) {
        return rc;
    }

    rc = redisConnectWithTimeout(ucb_conf.redis_host, ucb_conf.redis_port,
                                 tv);

    if (rc == NULL || rc->err) {
        ucb_log(UCB_LOG_ERROR, "redis connect failed", "\"error\":\"%s\"",
                rc != NULL ? rc->errstr : "out of memory");
        redisFree(rc);
        rc = NULL;
        return NULL;
    }

    redisSetTimeout(rc, tv);

    pthread_once(&rc_once, rc_key_create);
    pthread_setspecific(rc_key, rc);

    if (ucb_conf.redis_password[0] != '\0') {
        r = redisCommand(rc, "AUTH %s", ucb_conf.redis_password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            ucb_log(UCB_LOG_ERROR, "redis AUTH refused", NULL);
            freeReplyObject(r);
            ucb_redis_drop();
            return NULL;
        }
        freeReplyObject(r);
    }

    if (ucb_conf.redis_db > 0) {
        r = redisCommand(rc, "SELECT %d", ucb_conf.redis_db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            freeReplyObject(r);
            ucb_redis_drop();
            return NULL;
        }
        freeReplyObject(r);
    }

    return rc;
}


void
ucb_redis_drop(void)
{
    if (rc != NULL) {
        redisFree(rc);
        rc = NULL;
    }
}


/* A reply, or NULL (connection dropped, so the next call reconnects). */
void *
ucb_redis_command(const char *fmt, ...)
{
    va_list      ap;
    redisReply  *r;

    if (ucb_redis() == NULL) {
        return NULL;
    }

    va_start(ap, fmt);
    r = redisvCommand(rc, fmt, ap);
    va_end(ap);

    if (r == NULL) {
        ucb_log(UCB_LOG_ERROR, "redis command failed", "\"error\":\"%s\"",
                rc->errstr);
        ucb_redis_drop();
    }

    return r;
}


void *
ucb_redis_argv(int argc, const char **argv, const size_t *lens)
{
    redisReply  *r;

    if (ucb_redis() == NULL) {
        return NULL;
    }

    r = redisCommandArgv(rc, argc, argv, lens);

    if (r == NULL) {
        ucb_log(UCB_LOG_ERROR, "redis command failed", "\"error\":\"%s\"",
                rc->errstr);
        ucb_redis_drop();
    }

    return r;
}


/*
 * The hash at argv[1] replaced by the field/value pairs of argv (an HSET
 * command; argc 2: the hash deleted) in one MULTI, so a gateway never
 * reads half of it. 0, or -1 with the connection dropped: a MULTI half
 * sent must not stay queued on it.
 */
int
ucb_redis_replace_hash(int argc, const char **argv, const size_t *lens)
{
    int          rc;
    redisReply  *r;

    rc = -1;

    r = ucb_redis_command("MULTI");
    if (r == NULL) {
        goto done;
    }

    freeReplyObject(r);

    r = ucb_redis_command("DEL %b", argv[1], lens[1]);
    if (r == NULL) {
        goto done;
    }

    freeReplyObject(r);

    if (argc > 2) {
        r = ucb_redis_argv(argc, argv, lens);
        if (r == NULL) {
            goto done;
        }

        freeReplyObject(r);
    }

    r = ucb_redis_command("EXEC");
    if (r == NULL) {
        goto done;
    }

    rc = r->type == REDIS_REPLY_ARRAY ? 0 : -1;
    freeReplyObject(r);

done:

    if (rc != 0) {
        ucb_redis_drop();
    }

    return rc;
}


/*
 * A script on one hash: argv as for HSET (key, then field/value pairs,
 * at most 14), run as EVAL script 1 key field value ... 0 when it ran.
 */
int
ucb_redis_hash_script(const char *script, int argc, const char **argv,
    const size_t *lens)
{
    int          i, rc;
    size_t      *l;
    const char **a;
    redisReply  *r;

    if (argc < 2) {
        return -1;
    }

    a = malloc((argc + 2) * sizeof(const char *));
    l = malloc((argc + 2) * sizeof(size_t));

    if (a == NULL || l == NULL) {
        free(a);
        free(l);
        return -1;
    }

    a[0] = "EVAL";
    l[0] = 4;
    a[1] = script;
    l[1] = strlen(script);
    a[2] = "1";
    l[2] = 1;

    for (i = 1; i < argc; i++) {
        a[2 + i] = argv[i];
        l[2 + i] = lens[i];
    }

    r = ucb_redis_argv(argc + 2, a, l);

    free(a);
    free(l);

    if (r == NULL) {
        return -1;
    }

    rc = r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(r);

    return rc;
}
