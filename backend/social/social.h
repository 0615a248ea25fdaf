/*
 * uc-backend: social login (WeChat, Alipay): what its files share.
 *
 *   social_config.c  the providers' settings, secrets and keys
 *   provider.c       HTTPS calls to a provider: a bounded pool, deadlines
 *   wechat.c         WeChat's code exchange, refresh, userinfo,
 *                    jscode2session (wechat_answer.c reads its answers)
 *   alipay.c         Alipay's oauth.token and user.info.share, signed both
 *                    ways (libuc/uc_alipay.c)
 *   login.c          the browser flow: state, redirect, callback
 *   app_login.c      apps and mini-programs (JSON), the phone step
 *   identities.c     a user's identities: list, link, unlink
 */

#ifndef UCB_SOCIAL_H
#define UCB_SOCIAL_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ucb.h"


/* a provider's refusal, as our envelope will give it */
typedef struct {
    int             status;         /* 400, 502, 503, 504 */
    const char     *code;
    const char     *message;
    int             retry_after;    /* seconds, 0: none */
    long            errcode;        /* the provider's own, for the log */
    int             may_have_run;   /* the call reached it and its answer
                                       was lost: it may have acted */
} ucb_provider_error_t;

/*
 * A WeChat API answer (HTTP 200 either way): 0 and the object in *out
 * (json_decref it), or -1 and *err.
 */
int ucb_wechat_answer(const char *body, size_t len, json_t **out,
    ucb_provider_error_t *err);


/* ------------------------------------------------------------ settings */

#define UCB_APPID_MAX    64
#define UCB_SOCIAL_URL_MAX  256

typedef struct {
    char            appid[UCB_APPID_MAX + 1];
    char            secret_file[256];
    char            secret[129];            /* read from secret_file */
} ucb_wechat_app_t;

typedef enum {
    UCB_WECHAT_WEB = 0,     /* Open Platform website app, qrconnect */
    UCB_WECHAT_APP,         /* mobile app, the SDK's code */
    UCB_WECHAT_MINI,        /* mini-program, jscode2session */
    UCB_WECHAT_KINDS
} ucb_wechat_kind_e;

typedef struct {
    /* the gateway's public origin, for redirect_uri: https://id.example.com */
    char            public_url[UCB_SOCIAL_URL_MAX];

    char            wechat_api[UCB_SOCIAL_URL_MAX];    /* api.weixin.qq.com */
    char            wechat_open[UCB_SOCIAL_URL_MAX];   /* open.weixin.qq.com */
    ucb_wechat_app_t  wechat[UCB_WECHAT_KINDS];

    char            alipay_gateway[UCB_SOCIAL_URL_MAX];
    char            alipay_authorize[UCB_SOCIAL_URL_MAX];
    char            alipay_app_id[UCB_APPID_MAX + 1];
    char            alipay_private_key_file[256];
    char            alipay_public_key_file[256];
    EVP_PKEY       *alipay_private_key;
    EVP_PKEY       *alipay_public_key;

    long            connect_timeout_ms;
    long            timeout_ms;
    long            calls;          /* concurrent provider calls, at most */
    long            wait_ms;        /* for a free call, then 503 */
} ucb_social_conf_t;

extern ucb_social_conf_t  ucb_social;

/* config.c hands over the settings it does not know: 0, -1 bad, -2 not
   ours */
int ucb_social_config_set(const char *name, const char *value);
/* defaults, before the file */
void ucb_social_config_defaults(void);
/* reads the secrets and keys the settings name; -1 and a log line */
int ucb_social_start(void);
void ucb_social_stop(void);

int ucb_wechat_enabled(ucb_wechat_kind_e kind);
int ucb_alipay_enabled(void);


/* ------------------------------------------------------------ calls */

#define UCB_PROVIDER_BODY_MAX  (64 * 1024)

/*
 * One HTTP call to a provider: GET url, or POST form (URL-encoded) to it.
 * 0 and the body (malloc'ed, NUL-terminated) of an HTTP 200; -1 and *err
 * (504 past the deadline, 503 no free call or no connection, 502 any
 * other status or an answer too large).
 */
int ucb_provider_get(const char *url, char **body, size_t *len,
    ucb_provider_error_t *err);
int ucb_provider_post_form(const char *url, const char *form, char **body,
    size_t *len, ucb_provider_error_t *err);
/* the same, with the body of any status the provider answered with (its
   errors explained in it), the status in *status */
int ucb_provider_post_form_any(const char *url, const char *form,
    char **body, size_t *len, long *status, ucb_provider_error_t *err);
/* a POST of JSON with headers of our own ("Name: value", NULL-ended)
   beside its Content-Type, the body of any status read as above */
int ucb_provider_post_json(const char *url, const char *const *headers,
    const char *json, char **body, size_t *len, long *status,
    ucb_provider_error_t *err);
/* a value URL-encoded onto dst at *n (RFC 3986 unreserved kept); -1 when
   it does not fit */
int ucb_url_append(char *dst, size_t size, size_t *n, const char *value);
int ucb_provider_start(void);
/* fills *err: our envelope's status, code and message for a refusal */
void ucb_provider_fail(ucb_provider_error_t *err, int status,
    const char *code, const char *message, int retry);
/*
 * A sign-in's calls share one deadline (provider_timeout_ms from here), so
 * one sign-in holds its thread no longer, however many calls it makes.
 */
void ucb_provider_begin(void);
void ucb_provider_stop(void);
/* calls made and calls refused for want of a slot, for the stats */
void ucb_provider_counts(long *made, long *busy);


/* ------------------------------------------------------------ identities */

#define UCB_SUBJECT_MAX  128

/*
 * Who the provider says the user is. union: the id shared by every app of
 * the account (WeChat unionid, Alipay user_id), "" when not given;
 * openid: the one of this app (appid).
 */
typedef struct {
    const char     *provider;               /* "wechat", "alipay" */
    char            appid[UCB_APPID_MAX + 1];
    char            openid[UCB_SUBJECT_MAX + 1];
    char            union_id[UCB_SUBJECT_MAX + 1];
    char            nickname[65];
    char            avatar[513];
} ucb_social_identity_t;

/* fields.c: an id of [A-Za-z0-9_-], 1 to max bytes */
int ucb_social_id_valid(const char *s, size_t max);
/* field of j into dst when it is such an id; "" when absent; -1 when bad */
int ucb_social_copy_id(json_t *j, const char *field, char *dst,
    size_t size);
/* the provider's nickname (valid UTF-8, no control character) and
   avatar (https, or none) into id */
void ucb_social_copy_profile(json_t *j, const char *nick_field,
    const char *avatar_field, ucb_social_identity_t *id);

/* wechat.c: a code of kind's app to an identity */
int ucb_wechat_identify(ucb_wechat_kind_e kind, const char *code,
    ucb_social_identity_t *id, ucb_provider_error_t *err);
/* alipay.c: an auth_code to an identity */
int ucb_alipay_identify(const char *auth_code, ucb_social_identity_t *id,
    ucb_provider_error_t *err);

/* answers a provider's refusal with our envelope (and logs it) */
void ucb_provider_refused(ucb_req_t *req, const char *provider,
    const ucb_provider_error_t *err);

/*
 * identities.c. Finish a sign-in by a provider: find or create the
 * account, then the session (line: req->line), answered as JSON, or, when
 * redirect is given, as a 302 there (the cookie set either way). A line
 * that wants a verified phone first gets the phone step instead (a ticket
 * bound to browser, "" for none).
 */
void ucb_social_sign_in(ucb_req_t *req, const ucb_social_identity_t *id,
    const char *redirect, const char *browser);
/* link id to the caller's account: 0, or answered (409 identity_taken) */
int ucb_social_link(ucb_req_t *req, const ucb_social_identity_t *id);

/* login.c: the browser's binding and the line of a sign-in */
#define UCB_NONCE_LEN  43
/* 32 random bytes in base64url into dst (UCB_NONCE_LEN + 1) */
int ucb_social_nonce(char *dst);
int ucb_social_nonce_valid(const char *s);
/* the browser binding's cookie: uc_login, __Host-uc_login when Secure */
const char *ucb_social_cookie_name(void);
/* its Set-Cookie value (malloc'ed into *out), for 10 minutes */
int ucb_social_binding_cookie(char **out, const char *value);
/* SHA-256 (hex) of the browser's uc_login cookie, "" when none */
void ucb_social_browser(ucb_req_t *req, char hex[65]);
int ucb_social_same_browser(ucb_req_t *req, const char *hash);
/* given (or the location's) line into req->line, its record active in
   *line; 0, or answered */
int ucb_social_line(ucb_req_t *req, const char *given, int required,
    json_t **line);

/* handlers */
void ucb_h_login_social(ucb_req_t *req);
void ucb_h_login_social_callback(ucb_req_t *req);
void ucb_h_login_wechat_app(ucb_req_t *req);
void ucb_h_login_wechat_mini(ucb_req_t *req);
void ucb_h_login_alipay_app(ucb_req_t *req);
void ucb_h_login_complete(ucb_req_t *req);
void ucb_h_me_identities(ucb_req_t *req);
void ucb_h_me_identity_delete(ucb_req_t *req);

#endif /* UCB_SOCIAL_H */
