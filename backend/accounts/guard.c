/*
 * uc-backend: the back-off in front of every password check: logins, and
 * the checks behind a session (changing the password, deleting the
 * account), so a stolen session cannot guess the password without limit.
 *
 * Attempts are counted per subject (a login, or "#<uid>" behind a
 * session) and per (subject, IP) in Redis with a 15-minute window, BEFORE
 * the password is verified, in one script: parallel guesses at one
 * account cannot all pass a check that only a later failure would close.
 * Failures are counted per IP too (after the check: an address shared by
 * many people must not be blocked by their successes). Past a threshold
 * each attempt blocks that key for a growing time (1 s doubling, at most
 * 15 minutes); nothing is locked for good. A success gives the subject's
 * and the pair's counts back.
 *
 * Without Redis the back-off cannot be consulted, and the check fails
 * closed before the password is looked at: wrong and right passwords get
 * the same 503 after the same wait, so the outage is no oracle.
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


/* thresholds: the pair, the subject, the IP */
#define PAIR_MAX      5
#define SUBJECT_MAX   20
#define IP_MAX        100


/* the pair and the subject share a hash tag; the address has its own */
typedef struct {
    char            pair[UCB_ATTEMPT_KEY_MAX];
    char            subj[UCB_ATTEMPT_KEY_MAX];
    char            addr[UCB_ATTEMPT_KEY_MAX];
} attempt_keys_t;


/*
 * KEYS: counters (each with "<key>:until" beside it, same hash tag);
 * ARGV: the window, the longest block, whether to count ("0": only look),
 * then a threshold per key. Returns the milliseconds to wait (0: this
 * attempt is counted and may go on).
 */
static const char  attempt_script[] =
    "for i = 1, #KEYS do "
    "local t = redis.call('PTTL', KEYS[i] .. ':until') "
    "if t > 0 then return t end end "
    "if ARGV[3] == '0' then return 0 end "
    "local wait = 0 "
    "for i = 1, #KEYS do "
    "local n = redis.call('INCR', KEYS[i]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end "
    "local over = n - tonumber(ARGV[3 + i]) "
    "if over > 0 then "
    "local b = math.min(2 ^ math.min(over - 1, 10), tonumber(ARGV[2])) "
    "redis.call('SET', KEYS[i] .. ':until', '1', 'EX', b) "
    "if b * 1000 > wait then wait = b * 1000 end end end "
    "return wait";


/* -1: Redis failed; else milliseconds to wait. */
static long long
attempt(int nkeys, const char **keys, const int *max, int count)
{
    int          i;
    char         thr[2][16];
    size_t       lens[3 + 2 + 3 + 2];
    const char  *argv[3 + 2 + 3 + 2];
    long long    wait;
    redisReply  *r;

    argv[0] = "EVAL";
    argv[1] = attempt_script;
    argv[2] = nkeys == 2 ? "2" : "1";

    for (i = 0; i < nkeys; i++) {
        argv[3 + i] = keys[i];
        snprintf(thr[i], sizeof(thr[i]), "%d", max[i]);
    }

    argv[3 + nkeys] = "900";        /* WINDOW */
    argv[4 + nkeys] = "900";        /* MAX_BLOCK */
    argv[5 + nkeys] = count ? "1" : "0";

    for (i = 0; i < nkeys; i++) {
        argv[6 + nkeys + i] = thr[i];
    }

    for (i = 0; i < 6 + 2 * nkeys; i++) {
        lens[i] = strlen(argv[i]);
    }

    r = ucb_redis_argv(6 + 2 * nkeys, argv, lens);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        if (r != NULL && r->type == REDIS_REPLY_ERROR) {
            ucb_log(UCB_LOG_ERROR, "back-off script failed",
                    "\"error\":\"%s\"", r->str);
        }

        freeReplyObject(r);
        return -1;
    }

    wait = r->integer;
    freeReplyObject(r);

    return wait;
}


static void
keys_of(attempt_keys_t *k, const char *subject, const char *ip)
{
    snprintf(k->pair, sizeof(k->pair), "%s{lf:%s}:%s", ucb_conf.prefix,
             subject, ip);
    snprintf(k->subj, sizeof(k->subj), "%s{lf:%s}", ucb_conf.prefix,
             subject);
    snprintf(k->addr, sizeof(k->addr), "%s{lfip:%s}", ucb_conf.prefix, ip);
}


/*
 * Counts an attempt at subject's password from ip. 0: go on and verify;
 * > 0: seconds to wait (429); -1: the back-off cannot be consulted (503).
 */
long
ucb_attempt_begin(const char *subject, const char *ip)
{
    int              max[2];
    long long        wait;
    const char      *keys[2];
    attempt_keys_t   k;

    keys_of(&k, subject, ip);

    /* a blocked address first: a sprayer costs the accounts nothing */
    keys[0] = k.addr;
    max[0] = IP_MAX;

    wait = attempt(1, keys, max, 0);

    if (wait == 0) {
        keys[0] = k.pair;
        keys[1] = k.subj;
        max[0] = PAIR_MAX;
        max[1] = SUBJECT_MAX;

        wait = attempt(2, keys, max, 1);
    }

    if (wait < 0) {
        return -1;
    }

    return (long) ((wait + 999) / 1000);
}


/* A wrong password: the address's failures count. */
void
ucb_attempt_failed(const char *subject, const char *ip)
{
    int              max[1];
    const char      *keys[1];
    attempt_keys_t   k;

    keys_of(&k, subject, ip);

    keys[0] = k.addr;
    max[0] = IP_MAX;

    (void) attempt(1, keys, max, 1);
}


/*
 * An attempt that was counted but never checked (no hashing slot in time)
 * is given back, so a flood that keeps the slots busy cannot use up an
 * account's budget.
 */
void
ucb_attempt_refund(const char *subject, const char *ip)
{
    redisReply      *r;
    attempt_keys_t   k;

    keys_of(&k, subject, ip);

    r = ucb_redis_command("EVAL %s 2 %s %s",
                          "for i = 1, 2 do "
                          "if (tonumber(redis.call('GET', KEYS[i]) or '0')) > 0 "
                          "then redis.call('DECR', KEYS[i]) end end return 1",
                          k.pair, k.subj);
    freeReplyObject(r);
}


/* A right password: the pair and the subject start again. */
void
ucb_attempt_succeeded(const char *subject, const char *ip)
{
    redisReply      *r;
    attempt_keys_t   k;

    keys_of(&k, subject, ip);

    r = ucb_redis_command("DEL %s %s", k.pair, k.subj);
    freeReplyObject(r);
}
