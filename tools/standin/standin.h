/*
 * uc-standin: loopback servers that speak WeChat's and Alipay's real wire
 * protocols, for the demo and the tests (the real services cannot be
 * reached from here). What they do differently from the real ones is
 * only what tests need, and is said where it is done:
 *
 *   - anyone may sign in: the authorisation pages list demo users, and
 *     "as=<name>" picks one without a page (a browser test clicks it);
 *   - a user's name chooses a fault: busy-* (WeChat -1, Alipay aop
 *     error), slow-* (answers after --slow-ms), stale-* (WeChat access
 *     tokens born expired: the refresh path), nounion-* (no unionid),
 *     openid-* (Alipay open_id only), tamper-* (Alipay answer changed
 *     after signing), badsig-* (Alipay answer signed with another key),
 *     other-* (WeChat userinfo about someone else);
 *   - POST /_standin/code mints a code the way an app's SDK would get one;
 *   - Alibaba Cloud's Id2MetaVerify answers by the name (standin_aliyun.c).
 *
 * Codes are single-use and expire (WeChat 10 minutes, Alipay 3 minutes);
 * ids are derived from the name, so a user is the same person across
 * AppIDs (one unionid, one openid per AppID) and across runs.
 */

#ifndef UC_STANDIN_H
#define UC_STANDIN_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>
#include <openssl/evp.h>


#define SI_NAME_MAX   40
#define SI_CODE_LEN   32
#define SI_APPS_MAX   8

typedef struct {
    char            appid[65];
    char            secret[129];
} si_app_t;

typedef struct {
    si_app_t        wechat[SI_APPS_MAX];
    int             nwechat;
    char            alipay_app_id[65];
    EVP_PKEY       *alipay_key;        /* the stand-in's "Alipay" key */
    EVP_PKEY       *other_key;         /* for badsig-* */
    EVP_PKEY       *app_public;        /* the app's, to check requests */
    char            aliyun_id[65];     /* Alibaba Cloud's AccessKey */
    char            aliyun_secret[129];
    char            tencent_id[65];    /* Tencent Cloud's SecretId */
    char            tencent_secret[129];
    long            slow_ms;
    unsigned char   seed[32];          /* ids derive from it and the name */
} si_conf_t;

extern si_conf_t  si;

/* an answer: status, content type, body (copied) */
typedef struct {
    int             status;
    const char     *type;
    char           *body;              /* malloc'ed */
    size_t          len;
    char           *location;          /* malloc'ed, a 302's */
    int             drop;              /* 1: the connection closed after
                                          the call, with no answer */
} si_answer_t;

void si_text(si_answer_t *a, int status, const char *type, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
void si_redirect(si_answer_t *a, const char *base, const char *query);
/* s URL-encoded (RFC 3986), malloc'ed */
char *si_urlenc(const char *s);

/* a parameter of the request (query, or the form for POST) */
typedef struct {
    char           *name;
    char           *value;
} si_param_t;

typedef struct {
    const char     *method;
    const char     *path;
    si_param_t      params[64];
    int             nparams;
    int             query_count;       /* the first ones came in the URL */
    void           *conn;              /* libmicrohttpd's, for headers */
    const char     *body;              /* as it came, or NULL */
    size_t          body_len;
} si_req_t;

const char *si_param(si_req_t *r, const char *name);
/* a fresh RequestId, written as a UUID is (upper: in capitals) */
void si_request_id(char rid[37], int upper);
/* a header of the request (any case), or NULL */
const char *si_header(si_req_t *r, const char *name);

/* standin_tables.c: the tables made, at start; 0, or -1 */
int si_tables_init(void);

/* codes: minted for (provider, appid, user); taken once */
typedef enum { SI_CODE_OK, SI_CODE_UNKNOWN, SI_CODE_USED, SI_CODE_EXPIRED }
    si_code_rc_e;

int si_code_mint(char provider, const char *appid, const char *user,
    long ttl, char *code);
si_code_rc_e si_code_take(char provider, const char *appid, const char *code,
    char *user);

/* tokens: token -> (provider, appid, user, expiry) */
int si_token_mint(char provider, const char *appid, const char *user,
    long ttl, char *token, size_t size, const char *prefix);
/* 0 found (user set, *expired), -1 unknown */
int si_token_find(char provider, const char *token, char *appid, char *user,
    int *expired);

int si_name_valid(const char *name);
int si_has_prefix(const char *name, const char *prefix);
void si_sleep_if_slow(const char *user);
/* an id derived from the seed: label|a|b, alphabet chars, n of them */
void si_derive(char *dst, size_t n, const char *alphabet, const char *label,
    const char *a, const char *b);

const si_app_t *si_wechat_app(const char *appid);

/* 1 when nonce was seen (in the last 15 minutes or so), else remembered */
int si_nonce_seen(const char *nonce);
long si_aliyun_billed(void);
/* one more billed answer, of either provider */
void si_bill(void);

void si_wechat(si_req_t *r, si_answer_t *a);
void si_aliyun(si_req_t *r, si_answer_t *a);
void si_tencent(si_req_t *r, si_answer_t *a);
void si_alipay(si_req_t *r, si_answer_t *a);

#endif /* UC_STANDIN_H */
