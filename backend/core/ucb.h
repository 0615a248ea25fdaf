/*
 * uc-backend: types and entry points shared by the backend's files.
 *
 * One process, libmicrohttpd's thread pool; each pool thread owns its SQL
 * and Redis connections (thread-local, opened on first use), so handlers
 * never share a connection or take a lock around I/O.
 */

#ifndef UCB_H
#define UCB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "uc_schema.h"
#include "uc_token.h"


/* ------------------------------------------------------------ config */

typedef struct {
    char            listen_host[64];
    int             listen_port;
    char            listen_unix[108];      /* "unix:/path" when set */
    int             threads;
    size_t          max_body;

    char            database[512];         /* the SQLite file ... */
    char            store[512];            /* ... or "sqlite:/path",
                                              "postgresql://..." */

    char            redis_host[64];
    int             redis_port;
    char            redis_password[128];
    int             redis_db;
    char            prefix[UC_PREFIX_MAX + 1];

    char            secret[512];           /* session key file */
    char            gateway_secret[128];   /* X-UC-Gateway-Secret */
    char            admin_users[512];      /* comma-separated user ids */

    char            cookie_name[64];
    char            cookie_domain[128];
    int             cookie_secure;

    long            session_ttl;
    long            session_idle;

    uint32_t        argon2_t;
    uint32_t        argon2_m_kib;
    uint32_t        argon2_p;
    int             hash_slots;            /* concurrent argon2id runs */
    int             hash_wait_ms;          /* wait for a slot, then 503 */

    char            sender[16];            /* "dev" */
    int             code_ttl;
    int             code_cooldown;
    int             code_attempts;

    char            regions_file[512];     /* "" : no regions dictionary */
} ucb_config_t;

extern ucb_config_t  ucb_conf;
extern uc_keyring_t  ucb_keys;

int ucb_config_load(const char *path, char *err, size_t errlen);
/* a setting's number within [min, max]: 0, or -1 */
int ucb_config_long(long *dst, const char *value, long min, long max);
/* a secret's file: one line, the newline dropped; -1 (logged) when it
   cannot be read, is empty or too long */
int ucb_config_secret(const char *path, char *dst, size_t size);


/* ------------------------------------------------------------ logging */

typedef enum {
    UCB_LOG_DEBUG, UCB_LOG_INFO, UCB_LOG_WARN, UCB_LOG_ERROR
} ucb_level_e;

/*
 * One JSON object per line on stderr: {"ts":..,"level":..,"msg":..,...}.
 * fmt is the rest of the object, printf-style, each %s inside quotes: the
 * strings are escaped here (quotes, backslashes, control characters,
 * invalid UTF-8), so no value can end its string or the line.
 */
void ucb_log(ucb_level_e level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* where the lines go instead of stderr (the fuzzer keeps stderr its own) */
extern FILE  *ucb_log_file;


/* ------------------------------------------------------------ requests */

#define UCB_ID_LEN  24
#define UCB_UA_MAX  160          /* bytes of User-Agent a session keeps */
#define UCB_ETAG_MAX  128        /* "<name>-<version>": 64 + 1 + 20 + 2 */

typedef struct {
    const char     *method;
    const char     *path;
    const char     *params[2];       /* {id} segments of the route */
    char            param_buf[160];  /* ... stored here */
    json_t         *body;            /* parsed JSON object, or NULL */
    const char     *ident_field;     /* the body field naming the account
                                        (uc_ident.h), NULL when none */
    void           *conn;            /* struct MHD_Connection */
    char            ip[64];
    char            user_agent[UCB_UA_MAX + 1];   /* valid UTF-8, cut on
                                                     a character */

    /* the business line of the gateway's location (X-UC-Business-Line,
       trusted only from the gateway), "" when none */
    char            line[UC_LINE_MAX + 1];
    /* a business line's server admitted by its key (X-UC-Service-Line,
       trusted only from the gateway), "" when none */
    char            service_line[UC_LINE_MAX + 1];
    char            service_key[17];    /* its key's id, for the log */

    /* identity, trusted only from the gateway */
    int             authenticated;
    char            uid[UC_UID_MAX + 1];
    char            sid[UC_SID_LEN + 1];
    int             level;

    /* the answer */
    int             status;
    json_t         *reply;
    char           *set_cookie;
    char           *set_cookie2;     /* a second one (a sign-in's browser
                                        binding), malloc'ed */
    long            retry_after;
    char            etag[UCB_ETAG_MAX]; /* set: cacheable, revalidated */
    char           *raw;             /* a JSON body already serialised,
                                        malloc'ed, freed after sending */
    char           *location;        /* a redirect's target, malloc'ed */

    /* an answer of bytes (a photo), malloc'ed, sent as bytes_type */
    unsigned char  *bytes;
    size_t          bytes_len;
    const char     *bytes_type;

    /* an image route's body as received (ocr.h), and its Content-Type */
    const unsigned char  *upload;
    size_t                upload_len;
    const char           *upload_type;
} ucb_req_t;

typedef void (*ucb_handler_pt)(ucb_req_t *req);

/* an answer of bytes (taken: freed after sending) */
void ucb_reply_bytes(ucb_req_t *req, int status, unsigned char *bytes,
    size_t len, const char *type);

/* Error answers: {"error":{"code":..,"message":..}} */
void ucb_error(ucb_req_t *req, int status, const char *code,
    const char *message);
void ucb_reply(ucb_req_t *req, int status, json_t *body);

/* A request header or query argument, NULL when absent. */
const char *ucb_header(ucb_req_t *req, const char *name);
const char *ucb_query(ucb_req_t *req, const char *name);
const char *ucb_cookie(ucb_req_t *req, const char *name);
/* answers 302 to url (copied); -1 when it cannot */
int ucb_redirect(ucb_req_t *req, const char *url);
/* A query argument of digits only, 1 to max; def when absent; -1: bad. */
int64_t ucb_query_number(ucb_req_t *req, const char *name, int64_t def,
    int64_t max);

/*
 * Sets req's ETag to "<name>-<version>" (-1, and no ETag, should it not
 * fit: it is never cut), and whether If-None-Match names it.
 */
int ucb_etag_set(ucb_req_t *req, const char *name, int64_t version);
int ucb_etag_matches(ucb_req_t *req);

/* Body field helpers; on a bad field they answer 400 and return -1. */
int ucb_body_string(ucb_req_t *req, const char *name, size_t max,
    int required, const char **out);

int ucb_http_start(void);
void ucb_http_stop(void);


/* ------------------------------------------------------------ pieces */

#include "store.h"

/* redis.c: this thread's synchronous connection (NULL when unreachable) */
struct redisContext *ucb_redis(void);
void *ucb_redis_command(const char *fmt, ...);
void *ucb_redis_argv(int argc, const char **argv, const size_t *lens);
void ucb_redis_drop(void);
/* argv: HSET key field value ...; the hash replaced in one MULTI; 0 */
int ucb_redis_replace_hash(int argc, const char **argv, const size_t *lens);
/* argv as for HSET: EVAL script 1 key field value ...; 0 when it ran */
int ucb_redis_hash_script(const char *script, int argc, const char **argv,
    const size_t *lens);

/*
 * password.c: argon2id, at most hash_slots at a time (each holds
 * argon2_m_kib of memory); a caller that waits past hash_wait_ms gets
 * UCB_BUSY and answers 503.
 */
#define UCB_BUSY  (-2)
int ucb_password_start(void);
int ucb_password_hash(const char *password, char *out, size_t outlen);
/* 1: it matches, 0: it does not, UCB_BUSY, -1: error */
int ucb_password_verify(const char *encoded, const char *password);
int ucb_password_needs_rehash(const char *encoded);

/* ids.c: 64-bit time-ordered ids on a worker id leased from Redis */
int ucb_ids_start(void);
void ucb_ids_stop(void);
int ucb_id_next(uint64_t *id);
uint64_t ucb_id_compose(int64_t ms, int worker, int seq);
void ucb_ids_test_set_last(int64_t ms);
int ucb_ids_worker(void);
#define UCB_ID_EPOCH_MS  1704067200000LL    /* 2024-01-01T00:00:00Z */

/* sessions.c */

/*
 * How long a session lives and where its cookie goes: the configuration's,
 * or the business line's own (its record's session policy and cookie
 * domain) for a request that came through the line's location.
 */
typedef struct {
    long            ttl;            /* absolute lifetime, s */
    long            idle;           /* idle timeout, s */
    char            cookie_domain[128];
} ucb_session_policy_t;

void ucb_session_policy(ucb_req_t *req, ucb_session_policy_t *p);
int ucb_session_create(const char *uid, int level, const char *ip,
    const char *ua, const ucb_session_policy_t *p, char *token, char *sid,
    long *expires);
int ucb_session_revoke(const char *uid, const char *sid);
int ucb_session_revoke_before(const char *uid, long before,
    const char *except_sid);
int ucb_session_revoke_all(const char *uid, const char *except_sid);
/* every live session of uid at level at least (certification), or at
   most (a certification revoked); 0, -1 */
int ucb_session_raise_level(const char *uid, int level);
int ucb_session_cap_level(const char *uid, int level);
/* 1 when the session covers line (mid: the merchant it acts for, "" when
   none), 0 when not, -1 when Redis failed */
int ucb_session_admits(const char *sid, const char *line, char *mid,
    size_t size);
void ucb_set_session_cookie(ucb_req_t *req, const char *token,
    const ucb_session_policy_t *p);
void ucb_clear_session_cookie(ucb_req_t *req);

/*
 * accounts.c: the session of a sign-in of u (read before the slow work),
 * answered as JSON with its cookie; a sign-in the account's change
 * overtook is 409 account_changed. channel: how the user came, for the
 * line (req->line) they join.
 */
void ucb_answer_session(ucb_req_t *req, int status, const ucb_user_t *u,
    int created, int same_password, const char *channel);

/* codes.c: verification codes and the sender */
int ucb_code_send(ucb_req_t *req, const char *channel, const char *to,
    const char *purpose);
int ucb_code_check(const char *to, const char *purpose, const char *code);

/* guard.c: the back-off before every password check */
#define UCB_ATTEMPT_KEY_MAX  512
long ucb_attempt_begin(const char *subject, const char *ip);
void ucb_attempt_failed(const char *subject, const char *ip);
void ucb_attempt_refund(const char *subject, const char *ip);
void ucb_attempt_succeeded(const char *subject, const char *ip);

/* outbox.c: committed events to the Redis stream */
int ucb_outbox_start(void);
void ucb_outbox_stop(void);
void ucb_outbox_kick(void);

/* serials.c: PREFIX + YYYYMMDD + 8 digits, from store segments */
int ucb_serial_next(const char *prefix, char *out, size_t size);
int ucb_serial_prefix_valid(const char *prefix);
int ucb_serial_format(char *out, size_t size, const char *name, int64_t n);

/*
 * cache.c: JSON documents read cache-aside through Redis, with a null
 * marker, single flight and TTL jitter; load answers UCB_OK (*out set),
 * UCB_NOT_FOUND or UCB_ERROR. key ends inside or after its hash tag.
 */
typedef struct {
    int             ttl;             /* seconds, +- 10 % */
    int             absent_ttl;      /* of the null marker */
    int           (*load)(const char *id, json_t **out);
    long            reads;           /* of the store, for the stats */
} ucb_cache_t;

int ucb_cache_read(ucb_cache_t *c, const char *key, const char *id,
    json_t **out);
/* after a write's commit: the entry goes, and no older fill may land;
   -1 when Redis failed (the entry lives out its TTL) */
int ucb_cache_drop(ucb_cache_t *c, const char *key);
long ucb_cache_store_reads(ucb_cache_t *c);

/* formats.c: +8613812345678 -> +86138****5678, alice@x.cn -> a***@x.cn */
void ucb_mask_phone(char *dst, size_t size, const char *phone);
void ucb_mask_email(char *dst, size_t size, const char *email);

/* validate.c */
/* a positive 64-bit id in decimal without a leading 0, as stored */
int ucb_id_canonical(const char *s);
int ucb_valid_phone(const char *s);
int ucb_valid_email(const char *s);
int ucb_valid_password(const char *s);
/* "phone" or "email" with the value as stored, or NULL */
const char *ucb_login_kind(const char *login, char *norm, size_t size);
int ucb_valid_utf8(const char *s, size_t len);
int ucb_valid_dict_name(const char *s);
#define UCB_RETURN_URL_MAX  512
int ucb_valid_return_url(const char *s);
int ucb_valid_cookie_domain(const char *s);
int ucb_etag_list_has(const char *list, const char *etag);
/* the length of the valid UTF-8 character at s, 0 when it is not one */
size_t ucb_utf8_char(const unsigned char *s, size_t len);
/* src as valid UTF-8 in dst: bad bytes become U+FFFD, cut on a character */
size_t ucb_utf8_clean(char *dst, size_t size, const char *src, size_t len);

/* handlers */
void ucb_h_codes(ucb_req_t *req);
void ucb_h_register(ucb_req_t *req);
void ucb_h_login(ucb_req_t *req);
void ucb_h_login_code(ucb_req_t *req);
void ucb_h_logout(ucb_req_t *req);
void ucb_h_logout_all(ucb_req_t *req);
void ucb_h_sessions(ucb_req_t *req);
void ucb_h_session_delete(ucb_req_t *req);
void ucb_h_password_change(ucb_req_t *req);
void ucb_h_password_reset(ucb_req_t *req);
void ucb_h_deactivate(ucb_req_t *req);
void ucb_h_profile_get(ucb_req_t *req);
void ucb_h_profile_update(ucb_req_t *req);
void ucb_h_admin_freeze(ucb_req_t *req);
void ucb_h_admin_unfreeze(ucb_req_t *req);
void ucb_h_health(ucb_req_t *req);
void ucb_h_admin_stats(ucb_req_t *req);
void ucb_h_admin_serial(ucb_req_t *req);
void ucb_h_admin_guard_get(ucb_req_t *req);
void ucb_h_admin_guard_add(ucb_req_t *req);
void ucb_h_admin_guard_remove(ucb_req_t *req);
void ucb_h_flags(ucb_req_t *req);
void ucb_h_admin_flags_get(ucb_req_t *req);
void ucb_h_admin_flag_put(ucb_req_t *req);
void ucb_h_admin_flag_delete(ucb_req_t *req);
void ucb_h_dict_get(ucb_req_t *req);
void ucb_h_admin_dicts_get(ucb_req_t *req);
void ucb_h_admin_dict_put(ucb_req_t *req);
void ucb_h_admin_dict_item_put(ucb_req_t *req);
void ucb_h_admin_dict_item_delete(ucb_req_t *req);

/* lines/lines.c: business lines, the admin API */
void ucb_h_admin_lines(ucb_req_t *req);
void ucb_h_admin_line_get(ucb_req_t *req);
void ucb_h_admin_line_put(ucb_req_t *req);
void ucb_h_admin_line_suspend(ucb_req_t *req);
void ucb_h_admin_line_resume(ucb_req_t *req);
void ucb_h_admin_audit(ucb_req_t *req);
void ucb_h_admin_line_members(ucb_req_t *req);
/* lines/suffix.c: 1 when domain (".example.com" or without the dot) is
   a public suffix, or none can be told */
int ucb_public_suffix(const char *domain);
/* the {code} of the path is a business line's code; else 400 and 0 */
int ucb_line_param_valid(ucb_req_t *req);
void ucb_h_admin_keys(ucb_req_t *req);
void ucb_h_admin_key_create(ucb_req_t *req);
void ucb_h_admin_key_revoke(ucb_req_t *req);
int ucb_keys_publish(const char *kid);
void ucb_keys_reconcile(void);
void ucb_h_service_user(ucb_req_t *req);
void ucb_h_service_users(ucb_req_t *req);
void ucb_h_service_users_batch(ucb_req_t *req);
void ucb_h_me_lines(ucb_req_t *req);

/* merchants/ */
void ucb_h_merchant_create(ucb_req_t *req);
void ucb_h_merchant_get(ucb_req_t *req);
void ucb_h_merchant_update(ucb_req_t *req);
void ucb_h_me_merchants(ucb_req_t *req);
void ucb_h_me_merchant(ucb_req_t *req);
void ucb_h_admin_merchants(ucb_req_t *req);
void ucb_h_admin_merchant_get(ucb_req_t *req);
void ucb_h_admin_merchant_status(ucb_req_t *req);
void ucb_h_admin_merchant_line_put(ucb_req_t *req);
void ucb_h_admin_merchant_line_delete(ucb_req_t *req);
void ucb_h_merchant_members(ucb_req_t *req);
void ucb_h_merchant_member_put(ucb_req_t *req);
void ucb_h_merchant_member_delete(ucb_req_t *req);
void ucb_h_merchant_invite(ucb_req_t *req);
void ucb_h_merchant_invitations(ucb_req_t *req);
void ucb_h_merchant_invitation_cancel(ucb_req_t *req);
void ucb_h_me_invitations(ucb_req_t *req);
void ucb_h_invitation_accept(ucb_req_t *req);
void ucb_h_admin_invitation(ucb_req_t *req);
void ucb_h_session_merchant(ucb_req_t *req);
/* params[i] is a merchant's (i 0) or user's id; else 400 and 0 */
int ucb_merchant_param_valid(ucb_req_t *req, int i);
/* the caller's role in mid; else 404 (not a member) or 500 given, -1 */
int ucb_merchant_role_of(ucb_req_t *req, const char *mid, char *role,
    size_t size);
void ucb_merchant_store_error(ucb_req_t *req, int rc);
long ucb_merchant_store_reads(void);

/* merchants.c, after a change's commit: the gateways' copy written, the
   public record's cache entry dropped; -1 when either was not */
int ucb_merchant_changed(const char *mid);

/* merchants/merchants_sync.c: the gateways' copies in Redis */
int ucb_merchant_publish(const char *mid);
int ucb_merchant_member_publish(const char *mid, json_t *member);
/* every member's copy (the removed ones' too), then the merchant's */
int ucb_merchant_publish_all(const char *mid);
void ucb_merchants_reconcile(void);
/* the gateway's decision for a session of uid acting for mid on line
   ("" for none), from the same copies: 1, 0, or -1 (Redis failed) */
int ucb_merchant_admits(const char *mid, const char *uid, const char *line);

/* lines/lines_sync.c: a line's record copied to Redis, where gateways read
   it */
int ucb_lines_publish(const char *code);
void ucb_lines_reconcile(void);

/* flags.c: the store's flags copied to Redis, where gateways read them */
int ucb_flags_publish(const char *line);
void ucb_flags_reconcile(void);

/* dicts.c */
int ucb_dicts_seed(void);
void ucb_dicts_stop(void);

#endif /* UCB_H */
