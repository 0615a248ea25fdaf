/*
 * uc-backend: business lines' service keys in the store (the SHA-256 of
 * the secret, never the secret), and what a line's server may read of a
 * user. Making and revoking a key write an audit row (subject
 * line:<code>) and an event in their transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "ucb.h"


/* The row of S_KEY_GET, _LIST, _ALL; with_hash for the gateways' copy. */
static json_t *
key_row(ucb_db_stmt_t *s, void *with_hash)
{
    json_t  *key;

    key = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
                    "key_id", ucb_db_text(s, 0), "line", ucb_db_text(s, 1),
                    "name", ucb_db_text(s, 2), "status", ucb_db_text(s, 4),
                    "expires_at", (json_int_t) ucb_db_int64(s, 5),
                    "created_at", (json_int_t) ucb_db_int64(s, 6),
                    "revoked_at", (json_int_t) ucb_db_int64(s, 7));

    if (key != NULL && with_hash != NULL) {
        json_object_set_new(key, "hash", json_string(ucb_db_text(s, 3)));
    }

    return key;
}


static int
key_read(const char *kid, int with_hash, json_t **out)
{
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(S_KEY_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, kid);

    return ucb_st_one(s, key_row, with_hash ? s : NULL, out);
}


/* The audit row and the event of a key's change, then COMMIT. */
static int
key_changed(const char *line, const char *kid, const char *action,
    json_t *before, const char *actor, json_t **out)
{
    char     subject[64];
    json_t  *after;

    if (key_read(kid, 0, &after) != UCB_OK) {
        return UCB_ERROR;
    }

    snprintf(subject, sizeof(subject), "line:%s", line);

    if (ucb_st_audit_change(actor, action, subject, before, after) != 0
        || ucb_st_commit_event(action, actor,
                               json_pack("{s:s, s:s}", "line", line,
                                         "key_id", kid))
           != UCB_OK)
    {
        json_decref(after);
        return UCB_ERROR;
    }

    *out = after;

    return UCB_OK;
}


static int
key_create_once(const ucb_key_t *k, const char *actor, json_t **out)
{
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_KEY_CREATE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, k->kid);
    ucb_db_bind_text(s, 2, k->line);
    ucb_db_bind_text(s, 3, k->name);
    ucb_db_bind_text(s, 4, k->hash);
    ucb_db_bind_int64(s, 5, k->expires_at);
    ucb_db_bind_int64(s, 6, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* no such line */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    if (key_changed(k->line, k->kid, "service_key.created", NULL, actor, out)
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
ucb_store_key_create(const ucb_key_t *k, const char *actor, json_t **out)
{
    UCB_STORE_RETRY(key_create_once(k, actor, out));
}


static int
key_revoke_once(const char *line, const char *kid, const char *actor,
    json_t **out)
{
    int             rc;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = key_read(kid, 0, &before);

    if (rc == UCB_OK
        && strcmp(json_string_value(json_object_get(before, "line")), line)
           != 0)
    {
        rc = UCB_NOT_FOUND;     /* another line's key */
    }

    if (rc != UCB_OK) {
        json_decref(before);
        ucb_db_rollback();
        return rc;
    }

    s = ucb_db_stmt(S_KEY_REVOKE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, kid);
    ucb_db_bind_text(s, 2, line);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* revoked already: nothing changed, nothing to audit */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        *out = before;
        return UCB_OK;
    }

    if (key_changed(line, kid, "service_key.revoked", before, actor, out)
        != UCB_OK)
    {
        goto failed;
    }

    json_decref(before);

    return UCB_OK;

failed:

    json_decref(before);
    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_key_revoke(const char *line, const char *kid, const char *actor,
    json_t **out)
{
    UCB_STORE_RETRY(key_revoke_once(line, kid, actor, out));
}


int
ucb_store_key_get(const char *kid, json_t **out)
{
    return key_read(kid, 1, out);
}


/* line NULL: every key, with its hash (for the gateways' copies) */
int
ucb_store_keys(const char *line, json_t **out)
{
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(line != NULL ? S_KEY_LIST : S_KEY_ALL);
    if (s == NULL) {
        return UCB_ERROR;
    }

    if (line != NULL) {
        ucb_db_bind_text(s, 1, line);
    }

    return ucb_st_all(s, key_row, line == NULL ? s : NULL, out);
}


int
ucb_store_service_user(const char *uid, ucb_service_user_t *u)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_SERVICE_USER);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, uid);
    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        snprintf(u->id, sizeof(u->id), "%s", ucb_db_text(s, 0));
        u->status = (int) ucb_db_int64(s, 1);
        u->level = (int) ucb_db_int64(s, 2);
        u->created_at = ucb_db_int64(s, 3);
        snprintf(u->phone, sizeof(u->phone), "%s", ucb_db_text(s, 4));
        snprintf(u->email, sizeof(u->email), "%s", ucb_db_text(s, 5));
        snprintf(u->nickname, sizeof(u->nickname), "%s", ucb_db_text(s, 6));
        rc = UCB_OK;

    } else {
        rc = rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
    }

    ucb_db_reset(s);

    return rc;
}
