/*
 * usercenter shared contract: feature flags.
 *
 * A business line's flags live in one Redis hash, field = flag name,
 * value = the flag's rule:
 *
 *   <prefix>{f:<line>}   HASH   name -> "on=1;pct=2500;level=2;users=1,2;
 *                                  deny_users=3;merchants=m1;deny_merchants=m2"
 *
 * Every part of a rule is optional (defaults: off, 0 %, level 0, empty
 * lists). pct is in basis points, 0..10000 (2500 = 25 %). The backend
 * writes rules with uc_flag_format() and both the gateway and the backend
 * evaluate them with uc_flag_eval(), so a client asking GET /uc/v1/flags and
 * an upstream reading X-UC-Flags always agree.
 *
 * Evaluation, first match wins:
 *   1. off                                          -> false
 *   2. auth level below "level"                     -> false
 *   3. user in deny_users, merchant in deny_merchants -> false
 *   4. user in users, merchant in merchants         -> true
 *   5. rollout: uc_flag_bucket(name, user) < pct    -> true
 *      (no user: true only at 100 %)
 *   6.                                              -> false
 */

#ifndef UC_FLAGS_H
#define UC_FLAGS_H

#include <stddef.h>

#include "uc_schema.h"


#define UC_FLAG_NAME_MAX   64
#define UC_FLAG_RULE_MAX   8192
#define UC_FLAGS_MAX       256     /* per business line */


typedef struct {
    int             on;
    unsigned        pct;            /* basis points, 0..10000 */
    unsigned        level;
    uc_str_t        users;          /* comma-separated */
    uc_str_t        deny_users;
    uc_str_t        merchants;
    uc_str_t        deny_merchants;
} uc_flag_t;


/* A flag name: 1..64 of [a-z0-9_.-]. */
int uc_flag_name_valid(const char *name, size_t len);

/*
 * A list of user or merchant ids: up to UC_FLAG_RULE_MAX / 2 bytes of
 * comma-separated [A-Za-z0-9_-] items, no empty item.
 */
int uc_flag_list_valid(const char *list, size_t len);

/* 0 and *f filled (pointing into s), or -1 for a rule that is malformed. */
int uc_flag_parse(const char *s, size_t len, uc_flag_t *f);

/*
 * Writes the rule into dst (size bytes); returns its length, or 0 when it
 * does not fit or a list is invalid.
 */
size_t uc_flag_format(char *dst, size_t size, const uc_flag_t *f);

/*
 * The user's rollout bucket for a flag, 0..9999: FNV-1a (64 bit) over
 * "<name>:<user id>", then the MurmurHash3 finaliser, modulo 10000. Stable
 * per user and flag, independent between flags.
 */
unsigned uc_flag_bucket(const char *name, size_t nlen, const char *uid,
    size_t ulen);

/* uid and mid may be empty (anonymous, no merchant). */
int uc_flag_eval(const uc_flag_t *f, const char *name, size_t nlen,
    const char *uid, size_t ulen, const char *mid, size_t mlen,
    unsigned level);

#endif /* UC_FLAGS_H */
