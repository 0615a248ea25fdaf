/*
 * uc-backend: the store's certifications (store.h). One certified record
 * per account and kind (a partial unique index), and, unless configured
 * otherwise, one account per identity: checked under a transaction lock
 * on the identity's keyed hash, so two accounts certifying one number at
 * once cannot both pass.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "ucb.h"


/* the account's dense number and status, in the caller's transaction */
static int
user_seq(const char *uid, int64_t *seq, int *status)
{
    int         rc;
    ucb_user_t  u;

    rc = ucb_store_get_user(uid, &u);

    if (rc == UCB_OK) {
        *seq = u.seq;
        *status = u.status;
    }

    return rc;
}


/* certified rows of hash on accounts other than seq: a count, or -1 */
/* S_CERT_HASH_OTHERS or S_CERT_HASH_REVOKED: the rows, or -1 */
static int64_t
count_of(int stmt, const char *hash, const char *kind, int64_t seq)
{
    int64_t         n;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(stmt);
    if (s == NULL) {
        return -1;
    }

    ucb_db_bind_text(s, 1, hash);
    ucb_db_bind_text(s, 2, kind);
    ucb_db_bind_int64(s, 3, seq);

    n = ucb_db_step(s) == UCB_DB_ROW ? ucb_db_int64(s, 0) : -1;
    ucb_db_reset(s);

    return n;
}


static int
certify_once(const ucb_certification_t *c)
{
    int             rc, status;
    json_t         *data;
    int64_t         seq, n;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("certification", c->id_hash) != 0
        || ucb_st_lock_key("user", c->uid) != 0)
    {
        goto failed;
    }

    rc = user_seq(c->uid, &seq, &status);

    if (rc != UCB_OK || status != UCB_USER_ACTIVE) {
        ucb_db_rollback();
        return rc == UCB_ERROR ? UCB_ERROR : UCB_NOT_FOUND;
    }

    /* taken from this account by an operator: not given back by asking */
    n = count_of(S_CERT_HASH_REVOKED, c->id_hash, c->kind, seq);

    if (n != 0) {
        ucb_db_rollback();
        return n < 0 ? UCB_ERROR : UCB_FORBIDDEN;
    }

    if (c->unique) {
        n = count_of(S_CERT_HASH_OTHERS, c->id_hash, c->kind, seq);

        if (n != 0) {
            ucb_db_rollback();
            return n < 0 ? UCB_ERROR : UCB_TAKEN;
        }
    }

    s = ucb_db_stmt(S_CERT_INSERT);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, (int64_t) c->id);
    ucb_db_bind_int64(s, 2, seq);
    ucb_db_bind_text(s, 3, c->kind);
    ucb_db_bind_text(s, 4, c->name_sealed);
    ucb_db_bind_text(s, 5, c->name_masked);
    ucb_db_bind_text(s, 6, c->id_sealed);
    ucb_db_bind_text(s, 7, c->id_masked);
    ucb_db_bind_text(s, 8, c->id_hash);
    ucb_db_bind_text(s, 9, c->provider);
    ucb_db_bind_text(s, 10, c->provider_request);
    ucb_db_bind_int64(s, 11, ucb_st_now());

    rc = ucb_db_exec(s);

    /* the partial unique index: this account is certified already */
    if (rc == UCB_DB_CONSTRAINT) {
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    if (rc != UCB_DB_DONE) {
        goto failed;
    }

    s = ucb_db_stmt(S_USER_LEVEL_AT_LEAST);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, seq);
    ucb_db_bind_int64(s, 2, c->level);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_st_audit(c->uid, "certified", c->provider) != 0) {
        goto failed;
    }

    /* no name, no number: events travel far */
    data = json_pack("{s:s, s:i}", "kind", c->kind, "level", c->level);

    if (ucb_st_commit_event("user.certified", c->uid, data) != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_certify(const ucb_certification_t *c)
{
    UCB_STORE_RETRY(certify_once(c));
}


static json_t *
cert_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
                     "id", ucb_db_text(s, 0), "kind", ucb_db_text(s, 1),
                     "status", ucb_db_text(s, 2), "name", ucb_db_text(s, 3),
                     "id_number", ucb_db_text(s, 4),
                     "provider", ucb_db_text(s, 5),
                     "created_at", (json_int_t) ucb_db_int64(s, 6));
}


int
ucb_store_certification(const char *uid, const char *kind, json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_CERT_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);
    ucb_db_bind_text(s, 2, kind);

    return ucb_st_one(s, cert_row, NULL, out);
}


int
ucb_store_identity_barred(const char *hash, const char *kind,
    const char *uid, int unique)
{
    int      status;
    int64_t  seq, n;

    if (user_seq(uid, &seq, &status) != UCB_OK) {
        return -1;
    }

    n = count_of(S_CERT_HASH_REVOKED, hash, kind, seq);

    if (n != 0 || !unique) {
        return n < 0 ? -1 : n > 0 ? 2 : 0;
    }

    n = count_of(S_CERT_HASH_OTHERS, hash, kind, seq);

    return n < 0 ? -1 : n > 0;
}


static int
revoke_once(const char *uid, const char *reason, const char *actor,
    int *level)
{
    int             rc, status;
    char            subject[64];
    json_t         *data;
    int64_t         seq, verified;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_lock_key("user", uid) != 0) {
        goto failed;
    }

    rc = user_seq(uid, &seq, &status);

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_CERT_REVOKE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, seq);
    ucb_db_bind_text(s, 2, "person");

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    /* back to what the account proves without it */
    s = ucb_db_stmt(S_USER_VERIFIED);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, seq);
    verified = ucb_db_step(s) == UCB_DB_ROW ? ucb_db_int64(s, 0) : -1;
    ucb_db_reset(s);

    if (verified < 0) {
        goto failed;
    }

    *level = verified > 0 ? 2 : 1;

    s = ucb_db_stmt(S_USER_SET_LEVEL);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, seq);
    ucb_db_bind_int64(s, 2, *level);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE
        || ucb_st_audit(uid, "certification_revoked", actor) != 0)
    {
        goto failed;
    }

    data = json_pack("{s:s, s:i, s:s}", "kind", "person", "level", *level,
                     "reason", reason);
    snprintf(subject, sizeof(subject), "user:%s", uid);

    /* the operator's reason with the change, in the administrative audit */
    if (data == NULL
        || ucb_st_audit_change(actor, "user.certification_revoked", subject,
                               NULL, data) != 0)
    {
        json_decref(data);
        goto failed;
    }

    if (ucb_st_commit_event("user.certification_revoked", uid, data)
        != UCB_OK)
    {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_certification_revoke(const char *uid, const char *reason,
    const char *actor, int *level)
{
    UCB_STORE_RETRY(revoke_once(uid, reason, actor, level));
}


static int
note_once(const char *actor, const char *action, const char *subject,
    json_t *what)
{
    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_audit_change(actor, action, subject, NULL, what) != 0
        || ucb_db_commit() != 0)
    {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    return UCB_OK;
}


int
ucb_store_audit_note(const char *actor, const char *action,
    const char *subject, json_t *what)
{
    UCB_STORE_RETRY(note_once(actor, action, subject, what));
}
