/*
 * usercenter shared contract: the Redis key schema and the session record.
 *
 * Every key starts with a configurable prefix (default "uc:"). Keys that
 * belong together share a hash tag so the schema works on Redis Cluster.
 *
 *   <prefix>{s:<sid>}            HASH  session record, TTL = idle timeout
 *   <prefix>{u:<uid>}:sessions   ZSET  member sid, score absolute expiry (ms)
 *   <prefix>{f:<line>}           HASH  a business line's feature flags,
 *                                      name -> rule (see uc_flags.h)
 *   <prefix>{l:<line>}           HASH  a business line: status, policy
 *   <prefix>{k:<kid>}            HASH  a service key: line, status,
 *                                      expires_at, hash of the secret
 *   <prefix>{m:<mid>}            HASH  a merchant: status, version and
 *                                      line:<code> -> its status there
 *   <prefix>{m:<mid>}:u:<uid>    HASH  a membership: role (owner, admin,
 *                                      staff; "" once removed), version
 *   <prefix>{s:~canary:<id>}     STRING a gateway's tracking heartbeat
 *
 * Gateways with a near-cache track the prefixes <prefix>{s:, {f:, {l:, {k:
 * and {m: (CLIENT TRACKING ... BCAST): every write under them is
 * announced, so only keys the gateways cache may live there.
 *
 * Session record fields, in the order the gateway reads them with HMGET:
 *   uid   user id (decimal, 1..20 digits)
 *   lvl   auth level 0..4
 *   bl    "*" (single sign-on: every business line) or "mall,pay,..."
 *   mid   merchant id, "" when none
 *   exp   absolute expiry, unix seconds
 *   idle  idle timeout in seconds (the key's TTL when renewed)
 *   rn    when the TTL was last set, unix seconds
 *   iat   issued at, unix seconds (not read by the gateway)
 */

#ifndef UC_SCHEMA_H
#define UC_SCHEMA_H

#include <stddef.h>
#include <stdint.h>


#define UC_PREFIX_DEFAULT   "uc:"
#define UC_PREFIX_MAX       32
#define UC_UID_MAX          20
#define UC_LINE_MAX         32
#define UC_MERCHANT_MAX     32
#define UC_LEVEL_MAX        4


typedef enum {
    UC_SF_UID = 0,
    UC_SF_LEVEL,
    UC_SF_LINES,
    UC_SF_MERCHANT,
    UC_SF_EXPIRES,
    UC_SF_IDLE,
    UC_SF_RENEWED,
    UC_SF_READ,             /* fields the gateway reads end here */
    UC_SF_ISSUED = UC_SF_READ,
    UC_SF_ALL
} uc_session_field_e;


typedef struct {
    const char     *data;
    size_t          len;
} uc_str_t;


typedef struct {
    uc_str_t        uid;
    uc_str_t        lines;
    uc_str_t        merchant;
    unsigned        level;
    int64_t         expires;
    int64_t         idle;
    int64_t         renewed;
} uc_session_t;


typedef enum {
    UC_SESSION_VALID = 0,
    UC_SESSION_ABSENT,          /* no record: revoked or idle-expired */
    UC_SESSION_CORRUPT,         /* a record the gateway cannot trust */
    UC_SESSION_EXPIRED          /* past its absolute expiry */
} uc_session_rc_e;


extern const char *const  uc_session_fields[UC_SF_ALL];


/*
 * The renewal script: resets the TTL and "rn" only while the record exists,
 * so a revoked session is never brought back. KEYS[1] record, ARGV[1] now,
 * ARGV[2] TTL in milliseconds.
 */
extern const char  uc_session_renew_script[];


/* Key builders write into dst (at least UC_KEY_MAX) and return the length. */
#define UC_KEY_MAX  (UC_PREFIX_MAX + 64)

size_t uc_key_session(char *dst, const char *prefix, size_t prefix_len,
    const char *sid, size_t sid_len);
size_t uc_key_user_sessions(char *dst, const char *prefix, size_t prefix_len,
    const char *uid, size_t uid_len);
size_t uc_key_flags(char *dst, const char *prefix, size_t prefix_len,
    const char *line, size_t line_len);
/* a service key's record: line, hash (of the secret), status, expires_at */
size_t uc_key_service(char *dst, const char *prefix, size_t prefix_len,
    const char *kid, size_t kid_len);
/* a business line's record: status ("active", "suspended"), policy */
size_t uc_key_line(char *dst, const char *prefix, size_t prefix_len,
    const char *line, size_t line_len);

/* a merchant's record, and a member's: both on the merchant's slot */
size_t uc_key_merchant(char *dst, const char *prefix, size_t prefix_len,
    const char *mid, size_t mid_len);
size_t uc_key_merchant_member(char *dst, const char *prefix,
    size_t prefix_len, const char *mid, size_t mid_len, const char *uid,
    size_t uid_len);

/* Prefix: 1..32 printable characters without braces or spaces. */
int uc_prefix_valid(const char *prefix, size_t len);

/* A business line name: 1..32 of [a-z0-9_-]. */
int uc_line_valid(const char *line, size_t len);

/*
 * Interprets the UC_SF_READ values of HMGET (a NULL data pointer is a nil
 * reply). now is unix seconds.
 */
uc_session_rc_e uc_session_parse(const uc_str_t *vals, int64_t now,
    uc_session_t *s);

/* Whether the session's line list admits line (exact match or "*"). */
int uc_session_has_line(const uc_session_t *s, const char *line,
    size_t len);

/*
 * The TTL in seconds to renew to, or 0 when no renewal is due yet (more than
 * half of the idle timeout left). Never beyond the absolute expiry.
 */
int64_t uc_session_renew_ttl(const uc_session_t *s, int64_t now);

/*
 * The one way a session record is written (gateway, backend and ucctl read
 * the same fields): fills argv/lens with
 *   HSET <key> uid .. lvl .. bl .. mid .. exp .. idle .. rn .. iat ..
 * using buf for the key and the numbers, and returns argc. Set the key's
 * TTL to idle seconds in the same MULTI.
 */
#define UC_SESSION_HSET_ARGC  (2 + 2 * UC_SF_ALL)

typedef struct {
    char            key[UC_KEY_MAX];
    char            level[8];
    char            expires[24];
    char            idle[24];
    char            now[24];
} uc_session_buf_t;

int uc_session_hset_argv(uc_session_buf_t *buf, const char *prefix,
    const char *sid, const char *uid, unsigned level, const char *lines,
    const char *merchant, int64_t now, int64_t ttl, int64_t idle,
    const char **argv, size_t *lens);

#endif /* UC_SCHEMA_H */
