/*
 * uc-backend: the store's logic for accounts, profiles, the outbox and
 * serial numbers, written once against the SQL driver (store_db.h). Each
 * public call is one transaction; every state change writes its outbox
 * row and audit row in it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_db.h"
#include "ucb.h"


const ucb_db_driver_t  *ucb_db;

static __thread int     unreachable;


/*
 * The store named by the configuration: "sqlite:/path" (or a bare path),
 * or a PostgreSQL URI "postgresql://user@host:port/db?host=/socket/dir".
 */
int
ucb_store_open(const char *target, char *err, size_t errlen)
{
    if (strncmp(target, "postgresql://", 13) == 0
        || strncmp(target, "postgres://", 11) == 0)
    {
        ucb_db = &ucb_db_postgresql;
        return ucb_db->open(target, err, errlen);
    }

    if (strncmp(target, "sqlite:", 7) == 0) {
        target += 7;
    }

    ucb_db = &ucb_db_sqlite;

    return ucb_db->open(target, err, errlen);
}


void
ucb_store_thread_close(void)
{
    if (ucb_db != NULL) {
        ucb_db->thread_close();
    }
}


void
ucb_st_unreachable(void)
{
    unreachable = 1;
}


int
ucb_store_unreachable(void)
{
    return unreachable;
}


void
ucb_store_clear_unreachable(void)
{
    unreachable = 0;
}


void
ucb_store_close(void)
{
    if (ucb_db != NULL) {
        ucb_db->thread_close();
        ucb_db->close();
    }
}


int64_t
ucb_st_now(void)
{
    return (int64_t) time(NULL);
}


static void
copy_text(char *dst, size_t size, ucb_db_stmt_t *s, int col)
{
    snprintf(dst, size, "%s", ucb_db_text(s, col));
}


static int
read_user(ucb_db_stmt_t *s, ucb_user_t *u)
{
    int  rc;

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        snprintf(u->id, sizeof(u->id), "%lld",
                 (long long) ucb_db_int64(s, 0));
        u->seq = ucb_db_int64(s, 1);
        u->status = (int) ucb_db_int64(s, 2);
        u->level = (int) ucb_db_int64(s, 3);
        copy_text(u->password, sizeof(u->password), s, 4);
        ucb_db_reset(s);
        return UCB_OK;
    }

    ucb_db_reset(s);

    return rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


int
ucb_st_event(const char *type, const char *uid, json_t *data)
{
    int            rc;
    char          *text;
    ucb_db_stmt_t  *s;

    text = data != NULL ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)
                        : strdup("{}");
    if (text == NULL) {
        return -1;
    }

    s = ucb_db_stmt(S_INSERT_OUTBOX);
    if (s == NULL) {
        free(text);
        return -1;
    }

    ucb_db_bind_text(s, 1, type);
    ucb_db_bind_int64(s, 2, strtoll(uid, NULL, 10));
    ucb_db_bind_text(s, 3, text);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    rc = ucb_db_exec(s);
    free(text);

    return rc == UCB_DB_DONE ? 0 : -1;
}


/*
 * The row a bound statement reads, made JSON by row (NULL: it could not
 * be): UCB_OK, UCB_NOT_FOUND (no row) or UCB_ERROR; the statement reset.
 */
int
ucb_st_one(ucb_db_stmt_t *s, ucb_st_row_pt row, void *arg, json_t **out)
{
    int  rc;

    *out = NULL;
    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        *out = row(s, arg);
        rc = *out != NULL ? UCB_OK : UCB_ERROR;

    } else {
        rc = rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
    }

    ucb_db_reset(s);

    return rc;
}


/* Every row, as a JSON array (*out NULL on error); the statement reset. */
int
ucb_st_all(ucb_db_stmt_t *s, ucb_st_row_pt row, void *arg, json_t **out)
{
    int      rc;
    json_t  *r;

    *out = json_array();

    if (*out == NULL) {
        ucb_db_reset(s);
        return UCB_ERROR;
    }

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW) {
        r = row(s, arg);

        if (r == NULL || json_array_append_new(*out, r) != 0) {
            rc = UCB_DB_ERROR;
            break;
        }
    }

    ucb_db_reset(s);

    if (rc != UCB_DB_DONE) {
        json_decref(*out);
        *out = NULL;
        return UCB_ERROR;
    }

    return UCB_OK;
}


/*
 * The last steps of a change: its event (data is taken: freed here),
 * COMMIT, and the relay woken. UCB_OK, or UCB_ERROR with the transaction
 * still to roll back.
 */
int
ucb_st_commit_event(const char *type, const char *uid, json_t *data)
{
    int  rc;

    rc = ucb_st_event(type, uid, data);
    json_decref(data);

    if (rc != 0 || ucb_db_commit() != 0) {
        return UCB_ERROR;
    }

    ucb_outbox_kick();

    return UCB_OK;
}


int
ucb_st_audit(const char *uid, const char *action, const char *actor)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_INSERT_AUDIT);
    if (s == NULL) {
        return -1;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));
    ucb_db_bind_text(s, 2, action);
    ucb_db_bind_text(s, 3, actor != NULL ? actor : "");
    ucb_db_bind_int64(s, 4, ucb_st_now());

    return ucb_db_exec(s) == UCB_DB_DONE ? 0 : -1;
}


int
ucb_store_find_login(const char *kind, const char *value, ucb_user_t *u)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_FIND_LOGIN);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_text(s, 1, kind);
    ucb_db_bind_text(s, 2, value);

    return read_user(s, u);
}


int
ucb_store_get_user(const char *uid, ucb_user_t *u)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_GET_USER);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));

    return read_user(s, u);
}


static int
register_once(uint64_t id, const char *kind, const char *value,
    const char *password_hash, int level, const char *ip, ucb_user_t *out)
{
    int            rc;
    char           uid[24];
    int64_t        seq, now;
    json_t        *data;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    now = ucb_st_now();
    snprintf(uid, sizeof(uid), "%llu", (unsigned long long) id);

    s = ucb_db_stmt(S_INSERT_USER);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, (int64_t) id);
    ucb_db_bind_int64(s, 2, level);
    ucb_db_bind_int64(s, 3, now);

    /* INSERT ... RETURNING seq: the dense number, on every driver */
    if (ucb_db_step(s) != UCB_DB_ROW) {
        ucb_db_reset(s);
        goto failed;
    }

    seq = ucb_db_int64(s, 0);
    ucb_db_reset(s);

    s = ucb_db_stmt(S_INSERT_IDENTITY);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, kind);
    ucb_db_bind_text(s, 2, value);
    ucb_db_bind_int64(s, 3, seq);
    ucb_db_bind_int64(s, 4, now);

    rc = ucb_db_exec(s);

    if (rc == UCB_DB_CONSTRAINT) {
        ucb_db_rollback();
        return UCB_CONFLICT;
    }

    if (rc != UCB_DB_DONE) {
        goto failed;
    }

    if (password_hash != NULL && password_hash[0] != '\0') {
        s = ucb_db_stmt(S_INSERT_CREDENTIAL);
        if (s == NULL) {
            goto failed;
        }

        ucb_db_bind_int64(s, 1, seq);
        ucb_db_bind_text(s, 2, password_hash);
        ucb_db_bind_int64(s, 3, now);

        if (ucb_db_exec(s) != UCB_DB_DONE) {
            goto failed;
        }
    }

    s = ucb_db_stmt(S_INSERT_PROFILE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, seq);
    ucb_db_bind_int64(s, 2, now);

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    data = json_pack("{s:s, s:I, s:s}", "via", kind, "seq", (json_int_t) seq,
                     "ip", ip != NULL ? ip : "");
    rc = ucb_st_event("user.registered", uid, data);
    json_decref(data);

    if (rc != 0 || ucb_st_audit(uid, "register", "self") != 0) {
        goto failed;
    }

    if (ucb_db_commit() != 0) {
        goto failed;
    }

    snprintf(out->id, sizeof(out->id), "%s", uid);
    out->seq = seq;
    out->status = UCB_USER_ACTIVE;
    out->level = level;
    snprintf(out->password, sizeof(out->password), "%s",
             password_hash != NULL ? password_hash : "");

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_register(uint64_t id, const char *kind, const char *value,
    const char *password_hash, int level, const char *ip, ucb_user_t *out)
{
    UCB_STORE_RETRY(register_once(id, kind, value, password_hash, level, ip,
                    out));
}


static int
set_password_once(const char *uid, const char *hash, const char *event,
    const char *keep_sid, const char *expect)
{
    int            rc;
    json_t        *data;
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(expect != NULL ? S_REHASH_PASSWORD : S_SET_PASSWORD);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));

    if (expect != NULL) {
        ucb_db_bind_text(s, 2, expect);
        ucb_db_bind_text(s, 3, hash);
        ucb_db_bind_int64(s, 4, ucb_st_now());

    } else {
        ucb_db_bind_text(s, 2, hash);
        ucb_db_bind_int64(s, 3, ucb_st_now());
    }

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return expect != NULL ? UCB_CONFLICT : UCB_ERROR;
    }

    if (event != NULL) {
        /* the relay ends the sessions from before it (outbox.c) */
        data = keep_sid != NULL ? json_pack("{s:s}", "keep_sid", keep_sid)
                                : NULL;
        rc = ucb_st_event(event, uid, data);
        json_decref(data);

        if (rc != 0 || ucb_st_audit(uid, event, "self") != 0) {
            goto failed;
        }
    }

    if (ucb_db_commit() != 0) {
        goto failed;
    }

    if (event != NULL) {
        ucb_outbox_kick();
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_set_password(const char *uid, const char *hash, const char *event,
    const char *keep_sid, const char *expect)
{
    UCB_STORE_RETRY(set_password_once(uid, hash, event, keep_sid, expect));
}


/*
 * A login's re-hash at the current cost: only while the stored hash is
 * still the one it verified, so it never undoes a change made meanwhile.
 */
int
ucb_store_rehash_password(const char *uid, const char *old,
    const char *hash)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_REHASH_PASSWORD);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));
    ucb_db_bind_text(s, 2, old);
    ucb_db_bind_text(s, 3, hash);
    ucb_db_bind_int64(s, 4, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        return UCB_ERROR;
    }

    return ucb_db_changes() == 1 ? UCB_OK : UCB_CONFLICT;
}


static int
set_status_once(const char *uid, int status, const char *event,
    const char *actor)
{
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_SET_STATUS);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));
    ucb_db_bind_int64(s, 2, status);
    ucb_db_bind_int64(s, 3, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    if (ucb_st_event(event, uid, NULL) != 0
        || ucb_st_audit(uid, event, actor) != 0
        || ucb_db_commit() != 0)
    {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_set_status(const char *uid, int status, const char *event,
    const char *actor)
{
    UCB_STORE_RETRY(set_status_once(uid, status, event, actor));
}


static int
event_once(const char *type, const char *uid, json_t *data)
{
    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    if (ucb_st_event(type, uid, data) != 0 || ucb_db_commit() != 0) {
        ucb_db_rollback();
        return UCB_ERROR;
    }

    ucb_outbox_kick();

    return UCB_OK;
}



int
ucb_store_event(const char *type, const char *uid, json_t *data)
{
    UCB_STORE_RETRY(event_once(type, uid, data));
}


int
ucb_store_profile_get(const char *uid, ucb_profile_t *p)
{
    int            rc;
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_PROFILE_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));

    rc = ucb_db_step(s);

    if (rc == UCB_DB_ROW) {
        copy_text(p->nickname, sizeof(p->nickname), s, 0);
        copy_text(p->avatar, sizeof(p->avatar), s, 1);
        copy_text(p->gender, sizeof(p->gender), s, 2);
        copy_text(p->birthday, sizeof(p->birthday), s, 3);
        copy_text(p->region, sizeof(p->region), s, 4);
        p->updated_at = ucb_db_int64(s, 5);
        ucb_db_reset(s);
        return UCB_OK;
    }

    ucb_db_reset(s);

    return rc == UCB_DB_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


static int
profile_update_once(const char *uid, const ucb_profile_change_t *c)
{
    int            i;
    json_t        *data;
    ucb_db_stmt_t  *s;
    const char    *v[5], *names[5] = {
        "nickname", "avatar", "gender", "birthday", "region"
    };

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_PROFILE_UPDATE);
    if (s == NULL) {
        goto failed;
    }

    v[0] = c->nickname;
    v[1] = c->avatar;
    v[2] = c->gender;
    v[3] = c->birthday;
    v[4] = c->region;

    ucb_db_bind_int64(s, 1, strtoll(uid, NULL, 10));

    for (i = 0; i < 5; i++) {
        if (v[i] != NULL) {
            ucb_db_bind_text(s, 2 + i, v[i]);
        } else {
            ucb_db_bind_null(s, 2 + i);
        }
    }

    ucb_db_bind_int64(s, 7, ucb_st_now());

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    if (ucb_db_changes() == 0) {
        ucb_db_rollback();
        return UCB_NOT_FOUND;
    }

    /* the event names the fields changed, with their new values */
    data = json_object();

    for (i = 0; i < 5; i++) {
        if (v[i] != NULL
            && json_object_set_new(data, names[i], json_string(v[i])) != 0)
        {
            json_decref(data);
            goto failed;
        }
    }

    if (ucb_st_commit_event("profile.updated", uid, data) != UCB_OK) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_profile_update(const char *uid, const ucb_profile_change_t *c)
{
    UCB_STORE_RETRY(profile_update_once(uid, c));
}


int
ucb_store_outbox_fetch(ucb_event_t *rows, int max, int *n)
{
    int            rc;
    ucb_db_stmt_t  *s;
    const char    *data;

    *n = 0;

    s = ucb_db_stmt(S_OUTBOX_FETCH);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, max);

    while ((rc = ucb_db_step(s)) == UCB_DB_ROW && *n < max) {
        rows[*n].id = ucb_db_int64(s, 0);
        copy_text(rows[*n].type, sizeof(rows[*n].type), s, 1);
        snprintf(rows[*n].user_id, sizeof(rows[*n].user_id), "%lld",
                 (long long) ucb_db_int64(s, 2));
        data = ucb_db_text(s, 3);
        rows[*n].data = strdup(data != NULL ? data : "{}");
        rows[*n].created_at = ucb_db_int64(s, 4);

        if (rows[*n].data == NULL) {
            break;
        }

        (*n)++;
    }

    ucb_db_reset(s);

    return rc == UCB_DB_DONE || rc == UCB_DB_ROW ? UCB_OK : UCB_ERROR;
}


int
ucb_store_outbox_done(int64_t id)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(S_OUTBOX_DONE);
    if (s == NULL) {
        return UCB_ERROR;
    }

    ucb_db_bind_int64(s, 1, id);
    ucb_db_bind_int64(s, 2, ucb_st_now());

    return ucb_db_exec(s) == UCB_DB_DONE ? UCB_OK : UCB_ERROR;
}


void
ucb_store_events_free(ucb_event_t *rows, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        free(rows[i].data);
        rows[i].data = NULL;
    }
}


static int
serial_segment_once(const char *name, int size, int64_t *first)
{
    ucb_db_stmt_t  *s;

    if (ucb_db_begin() != 0) {
        return UCB_ERROR;
    }

    s = ucb_db_stmt(S_SERIAL_INIT);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, name);

    if (ucb_db_exec(s) != UCB_DB_DONE) {
        goto failed;
    }

    s = ucb_db_stmt(S_SERIAL_TAKE);
    if (s == NULL) {
        goto failed;
    }

    ucb_db_bind_text(s, 1, name);
    ucb_db_bind_int64(s, 2, size);

    if (ucb_db_step(s) != UCB_DB_ROW) {
        ucb_db_reset(s);
        goto failed;
    }

    *first = ucb_db_int64(s, 0);
    ucb_db_reset(s);

    if (ucb_db_commit() != 0) {
        goto failed;
    }

    return UCB_OK;

failed:

    ucb_db_rollback();
    return UCB_ERROR;
}



int
ucb_store_serial_segment(const char *name, int size, int64_t *first)
{
    UCB_STORE_RETRY(serial_segment_once(name, size, first));
}


int
ucb_store_count(const char *what, int64_t *n)
{
    ucb_db_stmt_t  *s;

    s = ucb_db_stmt(strcmp(what, "outbox") == 0 ? S_COUNT_OUTBOX : S_COUNT_USERS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    if (ucb_db_step(s) != UCB_DB_ROW) {
        ucb_db_reset(s);
        return UCB_ERROR;
    }

    *n = ucb_db_int64(s, 0);
    ucb_db_reset(s);

    return UCB_OK;
}
