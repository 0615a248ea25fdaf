/*
 * uc-backend: merchants in the store: the record, its status and the
 * business lines it is on. Members and invitations are store_members.c.
 * Every change bumps the merchant's version and writes its audit row
 * (subject merchant:<id>) and event in its transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_db.h"
#include "store_merchants.h"
#include "ucb.h"


static json_t *
line_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:s}", "line", ucb_db_text(s, 0),
                     "status", ucb_db_text(s, 1));
}


/* The row of S_MERCHANT_GET and _LIST, without its lines. */
static json_t *
merchant_row(ucb_db_stmt_t *s, void *arg)
{
    const char  *code;

    code = ucb_db_text(s, 3);

    return json_pack("{s:s, s:s, s:s, s:o, s:s,"
                     " s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:s,"
                     " s:I, s:I, s:I}",
                     "id", ucb_db_text(s, 0), "kind", ucb_db_text(s, 1),
                     "name", ucb_db_text(s, 2),
                     "credit_code", code[0] != '\0' ? json_string(code)
                                                    : json_null(),
                     "legal_rep", ucb_db_text(s, 4),
                     "contact", "name", ucb_db_text(s, 5),
                     "phone", ucb_db_text(s, 6),
                     "email", ucb_db_text(s, 7),
                     "address", ucb_db_text(s, 8),
                     "logo_url", ucb_db_text(s, 9),
                     "industry", ucb_db_text(s, 10),
                     "status", ucb_db_text(s, 11),
                     "status_reason", ucb_db_text(s, 12),
                     "certification", ucb_db_text(s, 13),
                     "version", (json_int_t) ucb_db_int64(s, 14),
                     "created_at", (json_int_t) ucb_db_int64(s, 15),
                     "updated_at", (json_int_t) ucb_db_int64(s, 16));
}


int
ucb_store_merchant_get(const char *id, json_t **out)
{
    int             rc;
    json_t         *lines;
    ucb_db_stmt_t  *s;

    *out = NULL;

    s = ucb_db_stmt(S_MERCHANT_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, id);

    rc = ucb_st_one(s, merchant_row, NULL, out);
    if (rc != UCB_OK) {
        return rc;
    }

    s = ucb_db_stmt(S_MERCHANT_LINES);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, id);

    if (ucb_st_all(s, line_row, NULL, &lines) != UCB_OK) {
        goto failed;
    }

    json_object_set_new(*out, "lines", lines);

    return UCB_OK;

failed:

    json_decref(*out);
    *out = NULL;
    return UCB_ERROR;
}


/* every write of a merchant holds this first (PostgreSQL: an advisory
   lock for the transaction; SQLite serialises every writer anyway) */
int
ucb_st_merchant_lock(const char *id)
{
    return ucb_st_lock_key("merchant", id) == 0 ? UCB_OK : UCB_ERROR;
}


int
ucb_st_merchant_lock_as(const char *id, const char *actor,
    const char *roles)
{
    int   rc;
    char  role[16], list[32], item[24];

    rc = ucb_st_merchant_lock(id);

    if (rc == UCB_OK) {
        rc = ucb_store_member_role(id, actor, role, sizeof(role));
    }

    if (rc != UCB_OK) {
        return rc == UCB_NOT_FOUND ? UCB_FORBIDDEN : rc;
    }

    /* a whole item of the list, not a part of one */
    snprintf(list, sizeof(list), ",%s,", roles);
    snprintf(item, sizeof(item), ",%s,", role);

    return strstr(list, item) != NULL ? UCB_OK : UCB_FORBIDDEN;
}


/* a copy for the audit: the contact's phone and e-mail masked */
static json_t *
audit_copy(json_t *merchant)
{
    char         masked[320];
    json_t      *copy, *contact;
    const char  *v;

    if (merchant == NULL) {
        return NULL;
    }

    copy = json_deep_copy(merchant);
    contact = json_object_get(copy, "contact");

    v = json_string_value(json_object_get(contact, "phone"));
    if (v != NULL) {
        ucb_mask_phone(masked, sizeof(masked), v);
        json_object_set_new(contact, "phone", json_string(masked));
    }

    v = json_string_value(json_object_get(contact, "email"));
    if (v != NULL) {
        ucb_mask_email(masked, sizeof(masked), v);
        json_object_set_new(contact, "email", json_string(masked));
    }

    return copy;
}


/* The change's audit row and event, then COMMIT; *out the merchant now. */
int
ucb_st_merchant_changed(const char *id, const char *action, json_t *before,
    json_t *data, const char *actor, json_t **out)
{
    int      rc;
    char     subject[64];
    json_t  *after, *b, *a;

    if (ucb_store_merchant_get(id, &after) != UCB_OK) {
        json_decref(data);
        return UCB_ERROR;
    }

    snprintf(subject, sizeof(subject), "merchant:%s", id);

    if (data == NULL) {
        data = json_object();
    }

    json_object_set_new(data, "merchant_id", json_string(id));

    b = audit_copy(before);
    a = audit_copy(after);

    /* an operator's reason is part of what the change was */
    if (a != NULL && json_object_get(data, "reason") != NULL) {
        json_object_set(a, "reason", json_object_get(data, "reason"));
    }

    rc = (before != NULL && b == NULL) || a == NULL
         || ucb_st_audit_change(actor, action, subject, b, a) != 0;

    json_decref(b);
    json_decref(a);

    if (rc) {
        json_decref(data);
        json_decref(after);
        return UCB_ERROR;
    }

    if (ucb_st_commit_event(action, actor, data) != UCB_OK) {
        json_decref(after);
        return UCB_ERROR;
    }

    if (out != NULL) {
        *out = after;

    } else {
        json_decref(after);
    }

    return UCB_OK;
}


/* Bumps the version (first in the transaction: it holds the row). */
int
ucb_st_merchant_bump(const char *id, int64_t *version)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MERCHANT_BUMP);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, id);
    ucb_db_bind_int64(s, 2, ucb_st_now());

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        *version = ucb_db_int64(s, 0);
        rc = UCB_OK;

    } else {
        rc = rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
    }

    ucb_db_reset(s);

    return rc;
}


static void
bind_code(ucb_db_stmt_t *s, int i, const char *code)
{
    if (code[0] != '\0') {
        ucb_db_bind_text(s, i, code);

    } else {
        ucb_db_bind_null(s, i);
    }
}


int
ucb_st_count(stmt_e stmt, const char *a, int64_t b, int64_t *n)
{
    int             rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(stmt);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, a);

    if (b >= 0) {
        ucb_db_bind_int64(s, 2, b);
    }

    rc = ucb_db_step(s);
    *n = rc == UCB_DB_ROW ? ucb_db_int64(s, 0) : 0;
    ucb_db_reset(s);

    return rc == UCB_DB_ROW ? UCB_OK : UCB_ERROR;
}




static int
merchant_create_once(const ucb_merchant_t *m, const char *owner,
    json_t **out)
{
    int             rc;
    int64_t         n, version;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    /* the count and the insert, one creator at a time */
    if (ucb_st_lock_key("merchant-creator", owner) != 0
        || ucb_st_count(S_MERCHANT_COUNT_BY, owner, -1, &n) != UCB_OK)
    {
        goto failed;
    }

    if (n >= UCB_MERCHANTS_PER_USER) {
        ucb_db_rollback();
        return UCB_LIMIT;
    }

    s = ucb_db_stmt(S_MERCHANT_INSERT);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, m->id);
    ucb_db_bind_text(s, 2, m->kind);
    ucb_db_bind_text(s, 3, m->name);
    bind_code(s, 4, m->credit_code);
    ucb_db_bind_text(s, 5, m->legal_rep);
    ucb_db_bind_text(s, 6, m->contact_name);
    ucb_db_bind_text(s, 7, m->contact_phone);
    ucb_db_bind_text(s, 8, m->contact_email);
    ucb_db_bind_text(s, 9, m->address);
    ucb_db_bind_text(s, 10, m->logo_url);
    ucb_db_bind_text(s, 11, m->industry);
    ucb_db_bind_text(s, 12, owner);
    ucb_db_bind_int64(s, 13, ucb_st_now());

    rc = ucb_db_exec(s);

    if (rc == UCB_DB_CONSTRAINT) {
        ucb_db_rollback();
        return UCB_TAKEN;
    }

    if (rc != UCB_DB_DONE) {
        goto failed;
    }

    version = 1;

    if (ucb_st_member_put(m->id, owner, "owner", version) != UCB_OK
        || ucb_st_merchant_changed(m->id, "merchant.created", NULL, NULL,
                                   owner, out)
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
ucb_store_merchant_create(const ucb_merchant_t *m, const char *owner,
    json_t **out)
{
    UCB_STORE_RETRY(merchant_create_once(m, owner, out));
}


static int
merchant_update_once(const ucb_merchant_t *m, const char *actor,
    json_t **out)
{
    int             rc;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock_as(m->id, actor, "owner,admin");

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if (ucb_store_merchant_get(m->id, &before) != UCB_OK) {
        goto failed;
    }

    s = ucb_db_stmt(S_MERCHANT_UPDATE);
    if (s == NULL) {
        json_decref(before);
        goto failed;
    }

    ucb_db_bind_text(s, 1, m->id);
    ucb_db_bind_text(s, 2, m->name);
    bind_code(s, 3, m->credit_code);
    ucb_db_bind_text(s, 4, m->legal_rep);
    ucb_db_bind_text(s, 5, m->contact_name);
    ucb_db_bind_text(s, 6, m->contact_phone);
    ucb_db_bind_text(s, 7, m->contact_email);
    ucb_db_bind_text(s, 8, m->address);
    ucb_db_bind_text(s, 9, m->logo_url);
    ucb_db_bind_text(s, 10, m->industry);
    ucb_db_bind_int64(s, 11, ucb_st_now());
    ucb_db_bind_int64(s, 12, m->expect_version);

    rc = ucb_db_exec(s);

    if (rc == UCB_DB_CONSTRAINT || (rc == UCB_DB_DONE
                                    && ucb_db_changes() == 0))
    {
        json_decref(before);
        ucb_db_rollback();
        return rc == UCB_DB_CONSTRAINT ? UCB_TAKEN : UCB_CONFLICT;
    }

    if (rc != UCB_DB_DONE
        || ucb_st_merchant_changed(m->id, "merchant.updated", before, NULL,
                                   actor, out)
           != UCB_OK)
    {
        json_decref(before);
        goto failed;
    }

    json_decref(before);

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_merchant_update(const ucb_merchant_t *m, const char *actor,
    json_t **out)
{
    UCB_STORE_RETRY(merchant_update_once(m, actor, out));
}


static int
merchant_status_once(const char *id, const char *status, const char *reason,
    int64_t expect_version, const char *actor, json_t **out)
{
    int             rc;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock(id);

    if (rc == UCB_OK) {
        rc = ucb_store_merchant_get(id, &before);
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if (strcmp(json_string_value(json_object_get(before, "status")),
               "closed") == 0)
    {
        json_decref(before);
        ucb_db_rollback();
        return UCB_GONE;
    }

    /* an approval is of the record the operator read */
    if (expect_version > 0
        && json_integer_value(json_object_get(before, "version"))
           != expect_version)
    {
        json_decref(before);
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    s = ucb_db_stmt(S_MERCHANT_STATUS);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, id);
    ucb_db_bind_text(s, 2, status);
    ucb_db_bind_text(s, 3, reason);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    /* already so: nothing changed, nothing to audit */
    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        *out = before;
        return UCB_OK;
    }

    if (ucb_st_merchant_changed(id, "merchant.status_changed", before,
                                json_pack("{s:s, s:s}", "status", status,
                                          "reason", reason),
                                actor, out)
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
ucb_store_merchant_status(const char *id, const char *status,
    const char *reason, int64_t expect_version, const char *actor,
    json_t **out)
{
    UCB_STORE_RETRY(merchant_status_once(id, status, reason, expect_version,
                                         actor, out));
}


static int
merchant_line_once(const char *id, const char *line, const char *status,
    const char *actor, json_t **out)
{
    int             rc;
    int64_t         version;
    json_t         *before;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    rc = ucb_st_merchant_lock(id);

    if (rc == UCB_OK) {
        rc = ucb_st_merchant_bump(id, &version);
    }

    if (rc != UCB_OK) {
        ucb_db_rollback();
        return rc;
    }

    if (ucb_store_merchant_get(id, &before) != UCB_OK) {
        goto failed;
    }

    s = ucb_db_stmt(status != NULL ? S_MERCHANT_LINE_PUT
                                   : S_MERCHANT_LINE_DELETE);
    if (s == NULL) {
        json_decref(before);
        goto failed;
    }

    ucb_db_bind_text(s, 1, id);
    ucb_db_bind_text(s, 2, line);

    if (status != NULL) {
        ucb_db_bind_text(s, 3, status);
        ucb_db_bind_int64(s, 4, ucb_st_now());
    }

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        json_decref(before);
        goto failed;
    }

    /* no such line to go on (or nothing to take off) */
    if (ucb_db_changes() == 0) {
        json_decref(before);
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    rc = ucb_st_merchant_changed(id, "merchant.line_changed", before,
                                 json_pack("{s:s, s:s?}", "line", line,
                                           "status", status),
                                 actor, out);
    json_decref(before);

    if (rc != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}


int
ucb_store_merchant_line(const char *id, const char *line,
    const char *status, const char *actor, json_t **out)
{
    UCB_STORE_RETRY(merchant_line_once(id, line, status, actor, out));
}


int
ucb_store_merchants(const char *status, const char *after, int limit,
    json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MERCHANT_LIST);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, status);
    ucb_db_bind_text(s, 2, after);
    ucb_db_bind_int64(s, 3, limit);

    return ucb_st_all(s, merchant_row, NULL, out);
}


static json_t *
changed_row(ucb_db_stmt_t *s, void *arg)
{
    return json_pack("{s:s, s:I}", "id", ucb_db_text(s, 0),
                     "version", (json_int_t) ucb_db_int64(s, 1));
}


int
ucb_store_merchants_changed(int64_t since, const char *after, int limit,
    json_t **out)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_MERCHANT_CHANGED);
    if (s == NULL) {
        *out = NULL;
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, since);
    ucb_db_bind_text(s, 2, after);
    ucb_db_bind_int64(s, 3, limit);

    return ucb_st_all(s, changed_row, NULL, out);
}
