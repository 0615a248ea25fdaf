/*
 * uc-backend: what store_merchants.c and store_members.c share inside a
 * transaction. Not for the rest of the backend.
 */

#ifndef UCB_STORE_MERCHANTS_H
#define UCB_STORE_MERCHANTS_H

#include <stdint.h>

#include <jansson.h>

#include "store_sql.h"


/* first in every write of a merchant: its writers one at a time */
int ucb_st_merchant_lock(const char *id);
/* the lock, then actor's role one of roles ("owner,admin"), else
   UCB_FORBIDDEN (not a member either) */
int ucb_st_merchant_lock_as(const char *id, const char *actor,
    const char *roles);
/* the merchant's version + 1, first in a change: it holds the row */
int ucb_st_merchant_bump(const char *id, int64_t *version);
/* the audit row (before, the merchant after) and the event (data taken,
   merchant_id added), then COMMIT; *out the merchant now (out: NULL ok) */
int ucb_st_merchant_changed(const char *id, const char *action,
    json_t *before, json_t *data, const char *actor, json_t **out);
/* joins, changes a role or removes (role "") at this version */
int ucb_st_member_put(const char *mid, const char *uid, const char *role,
    int64_t version);
/* SELECT COUNT(*) with ?1 text and ?2 (when b >= 0) */
int ucb_st_count(stmt_e stmt, const char *a, int64_t b, int64_t *n);

#endif /* UCB_STORE_MERCHANTS_H */
