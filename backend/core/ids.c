/*
 * uc-backend: 64-bit time-ordered user ids.
 *
 *   41 bits  milliseconds since 2024-01-01T00:00:00Z (until 2093)
 *   10 bits  worker id, leased from Redis
 *   12 bits  sequence within the millisecond
 *
 * The worker id is a Redis key SET NX with a 30 s TTL holding this
 * process's random token, renewed every 10 s by a token-checked script.
 * Ids are refused when the lease could not be renewed for its whole TTL
 * (another instance may hold the worker id by then) and when the clock
 * goes backwards, so two instances never issue the same id.
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <openssl/rand.h>

#include "ucb.h"


#define WORKERS      1024
#define LEASE_MS     30000
#define RENEW_MS     10000


static const char  renew_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

static pthread_mutex_t  lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   wake = PTHREAD_COND_INITIALIZER;
static pthread_t        renewer;
static int              running;

static char             token[33];
static int              worker = -1;
static int64_t          lease_until;       /* ms, monotonic-free wall time */
static int64_t          last_ms;
static int              seq;


static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void
worker_key(char *dst, size_t size, int n)
{
    snprintf(dst, size, "%s{idgen}:worker:%d", ucb_conf.prefix, n);
}


static int
acquire(void)
{
    int          i, start, n;
    char         key[128];
    uint16_t     r16;
    redisReply  *r;

    RAND_bytes((unsigned char *) &r16, sizeof(r16));
    start = r16 % WORKERS;

    for (i = 0; i < WORKERS; i++) {
        n = (start + i) % WORKERS;
        worker_key(key, sizeof(key), n);

        r = ucb_redis_command("SET %s %s NX PX %d", key, token, LEASE_MS);
        if (r == NULL) {
            return -1;
        }

        if (r->type == REDIS_REPLY_STATUS) {
            freeReplyObject(r);
            worker = n;
            lease_until = now_ms() + LEASE_MS - RENEW_MS;
            ucb_log(UCB_LOG_INFO, "worker id leased", "\"worker\":%d", n);
            return 0;
        }

        freeReplyObject(r);
    }

    ucb_log(UCB_LOG_ERROR, "no free worker id", NULL);

    return -1;
}


static int
renew(void)
{
    int          ok;
    char         key[128];
    redisReply  *r;

    worker_key(key, sizeof(key), worker);

    r = ucb_redis_command("EVAL %s 1 %s %s %d", renew_script, key, token,
                          LEASE_MS);
    ok = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);

    return ok ? 0 : -1;
}


static void *
renew_loop(void *arg)
{
    int              rc;
    struct timespec  until;

    pthread_mutex_lock(&lock);

    while (running) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += RENEW_MS / 1000;
        pthread_cond_timedwait(&wake, &lock, &until);

        if (!running) {
            break;
        }

        rc = worker >= 0 ? renew() : acquire();

        if (rc == 0 && worker >= 0) {
            lease_until = now_ms() + LEASE_MS - RENEW_MS;

        } else if (worker >= 0) {
            ucb_log(UCB_LOG_WARN, "worker id lease not renewed",
                    "\"worker\":%d", worker);

            if (now_ms() >= lease_until) {
                /* the key may belong to someone else now: lease anew */
                worker = -1;
                acquire();
            }
        }
    }

    pthread_mutex_unlock(&lock);
    ucb_redis_drop();

    return NULL;
}


int
ucb_ids_start(void)
{
    size_t         i;
    unsigned char  raw[16];

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return -1;
    }

    for (i = 0; i < sizeof(raw); i++) {
        snprintf(token + 2 * i, 3, "%02x", raw[i]);
    }

    pthread_mutex_lock(&lock);
    running = 1;
    acquire();
    pthread_mutex_unlock(&lock);

    return pthread_create(&renewer, NULL, renew_loop, NULL) == 0 ? 0 : -1;
}


void
ucb_ids_stop(void)
{
    char         key[128];
    redisReply  *r;

    pthread_mutex_lock(&lock);
    running = 0;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(renewer, NULL);

    if (worker >= 0) {
        worker_key(key, sizeof(key), worker);
        r = ucb_redis_command("EVAL %s 1 %s %s", "if redis.call('GET', "
                              "KEYS[1]) == ARGV[1] then return redis.call("
                              "'DEL', KEYS[1]) end return 0", key, token);
        freeReplyObject(r);
    }
}


/*
 * For tests: move the last issued time (a clock that jumped back), and
 * read the leased worker id.
 */
void
ucb_ids_test_set_last(int64_t ms)
{
    pthread_mutex_lock(&lock);
    last_ms = ms;
    pthread_mutex_unlock(&lock);
}


int
ucb_ids_worker(void)
{
    return worker;
}


int
ucb_id_next(uint64_t *id)
{
    int64_t  ms;

    pthread_mutex_lock(&lock);

    ms = now_ms();

    if (worker < 0 || ms >= lease_until + RENEW_MS) {
        pthread_mutex_unlock(&lock);
        ucb_log(UCB_LOG_ERROR, "no worker id lease: refusing to issue ids", NULL);
        return -1;
    }

    if (ms < last_ms) {
        pthread_mutex_unlock(&lock);
        ucb_log(UCB_LOG_ERROR, "clock went backwards: refusing to issue ids",
                "\"behind_ms\":%lld", (long long) (last_ms - ms));
        return -1;
    }

    if (ms == last_ms) {
        seq = (seq + 1) & 0xfff;

        if (seq == 0) {
            while (ms <= last_ms) {     /* 4096 ids this millisecond */
                ms = now_ms();
            }
        }

    } else {
        seq = 0;
    }

    last_ms = ms;
    *id = ucb_id_compose(ms, worker, seq);

    pthread_mutex_unlock(&lock);

    return 0;
}
