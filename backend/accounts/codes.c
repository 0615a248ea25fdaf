/*
 * uc-backend: one-time verification codes (6 digits) and their sender.
 *
 * Redis keeps only an HMAC of the code, with a TTL and an attempt budget;
 * a resend cool-down key per (purpose, address) limits sending. The "dev"
 * sender appends the message to <prefix>dev:outbox:<to> (a Redis list that
 * tests and "ucctl dev outbox" read); a real SMS or mail gateway plugs in
 * behind the same function.
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ucb.h"


static const char  check_script[] =
    "local h = redis.call('HGET', KEYS[1], 'h') "
    "if not h then return -1 end "
    "if h == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end "
    "local n = redis.call('HINCRBY', KEYS[1], 'n', -1) "
    "if n <= 0 then redis.call('DEL', KEYS[1]) end "
    "return 0";


static void
code_key(char *dst, size_t size, const char *purpose, const char *to)
{
    snprintf(dst, size, "%s{c:%s:%s}", ucb_conf.prefix, purpose, to);
}


static void
code_hash(char *hex, const char *purpose, const char *to, const char *code)
{
    char            msg[512];
    unsigned int    len, i;
    unsigned char   md[EVP_MAX_MD_SIZE];
    const uc_key_t *key;

    key = &ucb_keys.keys[0];
    snprintf(msg, sizeof(msg), "%s|%s|%s", purpose, to, code);

    HMAC(EVP_sha256(), key->secret, (int) key->secret_len,
         (const unsigned char *) msg, strlen(msg), md, &len);

    for (i = 0; i < len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
}


static int
random_code(char *code)
{
    uint32_t  v;

    /* reject the top of the range so that every code is equally likely */
    do {
        if (RAND_bytes((unsigned char *) &v, sizeof(v)) != 1) {
            return -1;
        }
    } while (v >= 4294000000u);

    snprintf(code, 7, "%06u", v % 1000000);

    return 0;
}


static int
dev_send(const char *channel, const char *to, const char *text)
{
    char         key[512];
    redisReply  *r;

    snprintf(key, sizeof(key), "%sdev:outbox:%s", ucb_conf.prefix, to);

    r = ucb_redis_command("RPUSH %s %s", key, text);
    if (r == NULL) {
        return -1;
    }
    freeReplyObject(r);

    r = ucb_redis_command("EXPIRE %s 3600", key);
    freeReplyObject(r);

    ucb_log(UCB_LOG_INFO, "code sent", "\"channel\":\"%s\",\"sender\":\"dev\"",
            channel);

    return 0;
}


int
ucb_code_send(ucb_req_t *req, const char *channel, const char *to,
    const char *purpose)
{
    char         key[512], cd[520], code[8], hash[80], text[128];
    redisReply  *r;

    code_key(key, sizeof(key), purpose, to);
    snprintf(cd, sizeof(cd), "%s:cd", key);

    if (ucb_conf.code_cooldown > 0) {
        r = ucb_redis_command("SET %s 1 NX EX %d", cd, ucb_conf.code_cooldown);
        if (r == NULL) {
            ucb_error(req, 503, "unavailable", "try again shortly");
            return -1;
        }

        /* only a stored mark lets a code go: an error reply is no pass */
        if (r->type != REDIS_REPLY_NIL && r->type != REDIS_REPLY_STATUS) {
            freeReplyObject(r);
            ucb_error(req, 503, "unavailable", "try again shortly");
            return -1;
        }

        if (r->type == REDIS_REPLY_NIL) {
            freeReplyObject(r);
            r = ucb_redis_command("TTL %s", cd);
            req->retry_after = r != NULL && r->type == REDIS_REPLY_INTEGER
                               && r->integer > 0 ? r->integer : 1;
            freeReplyObject(r);
            ucb_error(req, 429, "code_cooldown",
                      "a code was sent recently; wait before asking again");
            return -1;
        }

        freeReplyObject(r);
    }

    if (random_code(code) != 0) {
        ucb_error(req, 500, "internal_error", "no randomness");
        return -1;
    }

    code_hash(hash, purpose, to, code);

    /* the code and its lifetime together: never a code without a TTL */
    r = ucb_redis_command("EVAL %s 1 %s %s %d %d",
                          "redis.call('HSET', KEYS[1], 'h', ARGV[1], 'n', "
                          "ARGV[2]) redis.call('EXPIRE', KEYS[1], ARGV[3]) "
                          "return 1", key, hash, ucb_conf.code_attempts,
                          ucb_conf.code_ttl);

    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        ucb_error(req, 503, "unavailable", "try again shortly");
        return -1;
    }

    freeReplyObject(r);

    snprintf(text, sizeof(text), "usercenter %s code: %s", purpose, code);

    if (dev_send(channel, to, text) != 0) {
        ucb_error(req, 503, "unavailable", "the code could not be sent");
        return -1;
    }

    return 0;
}


/* 1: right (and used up), 0: wrong or none, -1: Redis failed. */
int
ucb_code_check(const char *to, const char *purpose, const char *code)
{
    int          rc;
    char         key[512], hash[80];
    redisReply  *r;

    if (strlen(code) != 6 || strspn(code, "0123456789") != 6) {
        return 0;
    }

    code_key(key, sizeof(key), purpose, to);
    code_hash(hash, purpose, to, code);

    r = ucb_redis_command("EVAL %s 1 %s %s", check_script, key, hash);
    if (r == NULL) {
        return -1;
    }

    rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 1 : 0;

    if (r->type == REDIS_REPLY_ERROR) {
        ucb_log(UCB_LOG_ERROR, "code check failed", "\"error\":\"%s\"", r->str);
        rc = -1;
    }

    freeReplyObject(r);

    return rc;
}
