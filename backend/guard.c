/*
 * uc-backend: failed-login back-off. Failures are counted per account, per
 * IP and per (account, IP) in Redis with a 15-minute window. Past a
 * threshold each failure blocks that key for a growing time (1 s doubling,
 * at most 15 minutes); nothing is ever locked for good. The pair has the
 * lowest threshold, so a guesser from one address slows down quickly
 * without locking the owner out from elsewhere.
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


#define WINDOW      900
#define MAX_BLOCK   900

typedef struct {
    const char  *kind;
    int          threshold;
} ucb_counter_t;

static const ucb_counter_t  counters[] = {
    { "pair", 5 },
    { "account", 20 },
    { "ip", 100 },
};

#define NCOUNTERS  (sizeof(counters) / sizeof(counters[0]))


static void
counter_key(char *dst, size_t size, size_t i, const char *login,
    const char *ip)
{
    if (i == 0) {
        snprintf(dst, size, "%s{lf:%s}:%s", ucb_conf.prefix, login, ip);
    } else if (i == 1) {
        snprintf(dst, size, "%s{lf:%s}", ucb_conf.prefix, login);
    } else {
        snprintf(dst, size, "%s{lfip:%s}", ucb_conf.prefix, ip);
    }
}


/* Seconds to wait before another attempt; 0 when free to try. */
long
ucb_login_blocked(const char *login, const char *ip)
{
    long         wait;
    size_t       i;
    char         key[600];
    redisReply  *r;

    wait = 0;

    for (i = 0; i < NCOUNTERS; i++) {
        counter_key(key, sizeof(key) - 8, i, login, ip);
        strcat(key, ":until");

        r = ucb_redis_command("PTTL %s", key);
        if (r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
            if ((r->integer + 999) / 1000 > wait) {
                wait = (long) ((r->integer + 999) / 1000);
            }
        }

        freeReplyObject(r);
    }

    return wait;
}


void
ucb_login_failed(const char *login, const char *ip)
{
    long         n, block;
    size_t       i;
    char         key[600], until[620];
    redisReply  *r;

    for (i = 0; i < NCOUNTERS; i++) {
        counter_key(key, sizeof(key), i, login, ip);

        r = ucb_redis_command("INCR %s", key);
        if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
            freeReplyObject(r);
            return;
        }

        n = (long) r->integer;
        freeReplyObject(r);

        if (n == 1) {
            r = ucb_redis_command("EXPIRE %s %d", key, WINDOW);
            freeReplyObject(r);
        }

        if (n >= counters[i].threshold) {
            block = 1L << (n - counters[i].threshold < 10
                           ? n - counters[i].threshold : 10);
            if (block > MAX_BLOCK) {
                block = MAX_BLOCK;
            }

            snprintf(until, sizeof(until), "%s:until", key);
            r = ucb_redis_command("SET %s 1 EX %ld", until, block);
            freeReplyObject(r);
        }
    }
}


void
ucb_login_succeeded(const char *login, const char *ip)
{
    char         key[600];
    redisReply  *r;

    /* the pair and the account start again; the IP's count stays */
    counter_key(key, sizeof(key), 0, login, ip);
    r = ucb_redis_command("DEL %s", key);
    freeReplyObject(r);

    counter_key(key, sizeof(key), 1, login, ip);
    r = ucb_redis_command("DEL %s", key);
    freeReplyObject(r);
}
