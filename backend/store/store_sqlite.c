/*
 * uc-backend: the SQLite store. WAL journal, foreign keys, synchronous=FULL,
 * versioned migrations at start, prepared statements only (cached per
 * thread). Each public call is one transaction.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <sqlite3.h>

#include "store_sql.h"
#include "ucb.h"


static char                    db_path[512];
static __thread sqlite3       *db;
static __thread sqlite3_stmt  *stmts[S_NSTMTS];

/* closes a thread's connection when the thread ends */
static pthread_key_t           db_key;
static pthread_once_t          db_once = PTHREAD_ONCE_INIT;


static void
db_thread_exit(void *unused)
{
    ucb_store_thread_close();
}


static void
db_key_create(void)
{
    (void) pthread_key_create(&db_key, db_thread_exit);
}


static int
db_open(void)
{
    if (db != NULL) {
        return 0;
    }

    if (sqlite3_open_v2(db_path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                        | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK)
    {
        ucb_log(UCB_LOG_ERROR, "store open failed", "\"error\":\"%s\"",
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        db = NULL;
        return -1;
    }

    pthread_once(&db_once, db_key_create);
    pthread_setspecific(db_key, db);

    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
                 NULL, NULL, NULL);

    return 0;
}


void
ucb_store_thread_close(void)
{
    int  i;

    for (i = 0; i < S_NSTMTS; i++) {
        if (stmts[i] != NULL) {
            sqlite3_finalize(stmts[i]);
            stmts[i] = NULL;
        }
    }

    if (db != NULL) {
        sqlite3_close(db);
        db = NULL;
    }
}


static sqlite3_stmt *
stmt(stmt_e i)
{
    if (db_open() != 0) {
        return NULL;
    }

    if (stmts[i] == NULL) {
        if (sqlite3_prepare_v3(db, ucb_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &stmts[i], NULL)
            != SQLITE_OK)
        {
            ucb_log(UCB_LOG_ERROR, "store prepare failed",
                    "\"error\":\"%s\"", sqlite3_errmsg(db));
            return NULL;
        }
    }

    sqlite3_reset(stmts[i]);
    sqlite3_clear_bindings(stmts[i]);

    return stmts[i];
}


/* Runs a statement without rows to read; returns SQLITE_DONE on success. */
static int
run(sqlite3_stmt *s)
{
    int  rc;

    if (s == NULL) {
        return SQLITE_ERROR;
    }

    rc = sqlite3_step(s);
    sqlite3_reset(s);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW
        && rc != SQLITE_CONSTRAINT)
    {
        ucb_log(UCB_LOG_ERROR, "store statement failed", "\"error\":\"%s\"",
                sqlite3_errmsg(db));
    }

    return rc;
}


static int
begin(void)
{
    return run(stmt(S_BEGIN)) == SQLITE_DONE ? 0 : -1;
}


static int
commit(void)
{
    return run(stmt(S_COMMIT)) == SQLITE_DONE ? 0 : -1;
}


static void
rollback(void)
{
    (void) run(stmt(S_ROLLBACK));
}


static int64_t
now_s(void)
{
    return (int64_t) time(NULL);
}


static void
copy_text(char *dst, size_t size, sqlite3_stmt *s, int col)
{
    const unsigned char  *t;

    t = sqlite3_column_text(s, col);
    snprintf(dst, size, "%s", t != NULL ? (const char *) t : "");
}


static int
read_user(sqlite3_stmt *s, ucb_user_t *u)
{
    int  rc;

    rc = sqlite3_step(s);

    if (rc == SQLITE_ROW) {
        snprintf(u->id, sizeof(u->id), "%lld",
                 (long long) sqlite3_column_int64(s, 0));
        u->seq = sqlite3_column_int64(s, 1);
        u->status = sqlite3_column_int(s, 2);
        u->level = sqlite3_column_int(s, 3);
        copy_text(u->password, sizeof(u->password), s, 4);
        sqlite3_reset(s);
        return UCB_OK;
    }

    sqlite3_reset(s);

    return rc == SQLITE_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


static int
insert_event(const char *type, const char *uid, json_t *data)
{
    int            rc;
    char          *text;
    sqlite3_stmt  *s;

    text = data != NULL ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)
                        : strdup("{}");
    if (text == NULL) {
        return -1;
    }

    s = stmt(S_INSERT_OUTBOX);
    if (s == NULL) {
        free(text);
        return -1;
    }

    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, strtoll(uid, NULL, 10));
    sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, now_s());

    rc = run(s);
    free(text);

    return rc == SQLITE_DONE ? 0 : -1;
}


static int
insert_audit(const char *uid, const char *action, const char *actor)
{
    sqlite3_stmt  *s;

    s = stmt(S_INSERT_AUDIT);
    if (s == NULL) {
        return -1;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));
    sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, actor != NULL ? actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now_s());

    return run(s) == SQLITE_DONE ? 0 : -1;
}


/* ------------------------------------------------------------ interface */

int
ucb_store_open(const char *path, char *err, size_t errlen)
{
    int            version;
    size_t         i;
    char          *msg;
    sqlite3_stmt  *s;

    snprintf(db_path, sizeof(db_path), "%s", path);

    if (db_open() != 0) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }

    if (sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "  version INTEGER PRIMARY KEY,"
                     "  applied_at INTEGER NOT NULL);", NULL, NULL, &msg)
        != SQLITE_OK)
    {
        snprintf(err, errlen, "%s: %s", path, msg);
        sqlite3_free(msg);
        return -1;
    }

    version = 0;

    if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(version), 0)"
                           " FROM schema_migrations", -1, &s, NULL)
        == SQLITE_OK)
    {
        if (sqlite3_step(s) == SQLITE_ROW) {
            version = sqlite3_column_int(s, 0);
        }

        sqlite3_finalize(s);
    }

    for (i = (size_t) version; i < ucb_nmigrations; i++) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg)
            != SQLITE_OK
            || sqlite3_exec(db, ucb_migrations[i], NULL, NULL, &msg)
               != SQLITE_OK)
        {
            snprintf(err, errlen, "migration %zu: %s", i + 1,
                     msg ? msg : "failed");
            sqlite3_free(msg);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }

        if (sqlite3_prepare_v2(db, "INSERT INTO schema_migrations"
                               " VALUES (?1, ?2)", -1, &s, NULL)
            != SQLITE_OK)
        {
            snprintf(err, errlen, "migration %zu: %s", i + 1,
                     sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }

        sqlite3_bind_int(s, 1, (int) i + 1);
        sqlite3_bind_int64(s, 2, now_s());
        sqlite3_step(s);
        sqlite3_finalize(s);

        if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, errlen, "migration %zu: %s", i + 1, msg);
            sqlite3_free(msg);
            return -1;
        }

        ucb_log(UCB_LOG_INFO, "migration applied", "\"version\":%zu", i + 1);
    }

    return 0;
}


int
ucb_store_find_login(const char *kind, const char *value, ucb_user_t *u)
{
    sqlite3_stmt  *s;

    s = stmt(S_FIND_LOGIN);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);

    return read_user(s, u);
}


int
ucb_store_get_user(const char *uid, ucb_user_t *u)
{
    sqlite3_stmt  *s;

    s = stmt(S_GET_USER);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));

    return read_user(s, u);
}


int
ucb_store_register(uint64_t id, const char *kind, const char *value,
    const char *password_hash, int level, const char *ip, ucb_user_t *out)
{
    int            rc;
    char           uid[24];
    int64_t        seq, now;
    json_t        *data;
    sqlite3_stmt  *s;

    if (begin() != 0) {
        return UCB_ERROR;
    }

    now = now_s();
    snprintf(uid, sizeof(uid), "%llu", (unsigned long long) id);

    s = stmt(S_INSERT_USER);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_int64(s, 1, (int64_t) id);
    sqlite3_bind_int(s, 2, level);
    sqlite3_bind_int64(s, 3, now);

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    seq = sqlite3_last_insert_rowid(db);

    s = stmt(S_INSERT_IDENTITY);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, seq);
    sqlite3_bind_int64(s, 4, now);

    rc = run(s);

    if (rc == SQLITE_CONSTRAINT) {
        rollback();
        return UCB_CONFLICT;
    }

    if (rc != SQLITE_DONE) {
        goto failed;
    }

    if (password_hash != NULL && password_hash[0] != '\0') {
        s = stmt(S_INSERT_CREDENTIAL);
        if (s == NULL) {
            goto failed;
        }

        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, password_hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now);

        if (run(s) != SQLITE_DONE) {
            goto failed;
        }
    }

    s = stmt(S_INSERT_PROFILE);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, now);

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    data = json_pack("{s:s, s:I, s:s}", "via", kind, "seq", (json_int_t) seq,
                     "ip", ip != NULL ? ip : "");
    rc = insert_event("user.registered", uid, data);
    json_decref(data);

    if (rc != 0 || insert_audit(uid, "register", "self") != 0) {
        goto failed;
    }

    if (commit() != 0) {
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

    rollback();
    return UCB_ERROR;
}


int
ucb_store_set_password(const char *uid, const char *hash, const char *event,
    const char *keep_sid, const char *expect)
{
    int            rc;
    json_t        *data;
    sqlite3_stmt  *s;

    if (begin() != 0) {
        return UCB_ERROR;
    }

    s = stmt(expect != NULL ? S_REHASH_PASSWORD : S_SET_PASSWORD);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));

    if (expect != NULL) {
        sqlite3_bind_text(s, 2, expect, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, now_s());

    } else {
        sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, now_s());
    }

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    if (sqlite3_changes(db) == 0) {
        rollback();
        return expect != NULL ? UCB_CONFLICT : UCB_ERROR;
    }

    if (event != NULL) {
        /* the relay ends the sessions from before it (outbox.c) */
        data = keep_sid != NULL ? json_pack("{s:s}", "keep_sid", keep_sid)
                                : NULL;
        rc = insert_event(event, uid, data);
        json_decref(data);

        if (rc != 0 || insert_audit(uid, event, "self") != 0) {
            goto failed;
        }
    }

    if (commit() != 0) {
        goto failed;
    }

    if (event != NULL) {
        ucb_outbox_kick();
    }

    return UCB_OK;

failed:

    rollback();
    return UCB_ERROR;
}


/*
 * A login's re-hash at the current cost: only while the stored hash is
 * still the one it verified, so it never undoes a change made meanwhile.
 */
int
ucb_store_rehash_password(const char *uid, const char *old,
    const char *hash)
{
    sqlite3_stmt  *s;

    s = stmt(S_REHASH_PASSWORD);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));
    sqlite3_bind_text(s, 2, old, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now_s());

    if (run(s) != SQLITE_DONE) {
        return UCB_ERROR;
    }

    return sqlite3_changes(db) == 1 ? UCB_OK : UCB_CONFLICT;
}


int
ucb_store_set_status(const char *uid, int status, const char *event,
    const char *actor)
{
    sqlite3_stmt  *s;

    if (begin() != 0) {
        return UCB_ERROR;
    }

    s = stmt(S_SET_STATUS);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));
    sqlite3_bind_int(s, 2, status);
    sqlite3_bind_int64(s, 3, now_s());

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    if (sqlite3_changes(db) == 0) {
        rollback();
        return UCB_NOT_FOUND;
    }

    if (insert_event(event, uid, NULL) != 0
        || insert_audit(uid, event, actor) != 0
        || commit() != 0)
    {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    rollback();
    return UCB_ERROR;
}


int
ucb_store_event(const char *type, const char *uid, json_t *data)
{
    if (begin() != 0) {
        return UCB_ERROR;
    }

    if (insert_event(type, uid, data) != 0 || commit() != 0) {
        rollback();
        return UCB_ERROR;
    }

    ucb_outbox_kick();

    return UCB_OK;
}


int
ucb_store_profile_get(const char *uid, ucb_profile_t *p)
{
    int            rc;
    sqlite3_stmt  *s;

    s = stmt(S_PROFILE_GET);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));

    rc = sqlite3_step(s);

    if (rc == SQLITE_ROW) {
        copy_text(p->nickname, sizeof(p->nickname), s, 0);
        copy_text(p->avatar, sizeof(p->avatar), s, 1);
        copy_text(p->gender, sizeof(p->gender), s, 2);
        copy_text(p->birthday, sizeof(p->birthday), s, 3);
        copy_text(p->region, sizeof(p->region), s, 4);
        p->updated_at = sqlite3_column_int64(s, 5);
        sqlite3_reset(s);
        return UCB_OK;
    }

    sqlite3_reset(s);

    return rc == SQLITE_DONE ? UCB_NOT_FOUND : UCB_ERROR;
}


int
ucb_store_profile_update(const char *uid, const ucb_profile_change_t *c)
{
    int            i;
    json_t        *data;
    sqlite3_stmt  *s;
    const char    *v[5], *names[5] = {
        "nickname", "avatar", "gender", "birthday", "region"
    };

    if (begin() != 0) {
        return UCB_ERROR;
    }

    s = stmt(S_PROFILE_UPDATE);
    if (s == NULL) {
        goto failed;
    }

    v[0] = c->nickname;
    v[1] = c->avatar;
    v[2] = c->gender;
    v[3] = c->birthday;
    v[4] = c->region;

    sqlite3_bind_int64(s, 1, strtoll(uid, NULL, 10));

    for (i = 0; i < 5; i++) {
        if (v[i] != NULL) {
            sqlite3_bind_text(s, 2 + i, v[i], -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(s, 2 + i);
        }
    }

    sqlite3_bind_int64(s, 7, now_s());

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    if (sqlite3_changes(db) == 0) {
        rollback();
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

    if (insert_event("profile.updated", uid, data) != 0) {
        json_decref(data);
        goto failed;
    }

    json_decref(data);

    if (commit() != 0) {
        goto failed;
    }

    ucb_outbox_kick();

    return UCB_OK;

failed:

    rollback();
    return UCB_ERROR;
}


int
ucb_store_outbox_fetch(ucb_event_t *rows, int max, int *n)
{
    int            rc;
    sqlite3_stmt  *s;
    const char    *data;

    *n = 0;

    s = stmt(S_OUTBOX_FETCH);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_int(s, 1, max);

    while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
        rows[*n].id = sqlite3_column_int64(s, 0);
        copy_text(rows[*n].type, sizeof(rows[*n].type), s, 1);
        snprintf(rows[*n].user_id, sizeof(rows[*n].user_id), "%lld",
                 (long long) sqlite3_column_int64(s, 2));
        data = (const char *) sqlite3_column_text(s, 3);
        rows[*n].data = strdup(data != NULL ? data : "{}");
        rows[*n].created_at = sqlite3_column_int64(s, 4);

        if (rows[*n].data == NULL) {
            break;
        }

        (*n)++;
    }

    sqlite3_reset(s);

    return rc == SQLITE_DONE || rc == SQLITE_ROW ? UCB_OK : UCB_ERROR;
}


int
ucb_store_outbox_done(int64_t id)
{
    sqlite3_stmt  *s;

    s = stmt(S_OUTBOX_DONE);
    if (s == NULL) {
        return UCB_ERROR;
    }

    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, now_s());

    return run(s) == SQLITE_DONE ? UCB_OK : UCB_ERROR;
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


int
ucb_store_serial_segment(const char *name, int size, int64_t *first)
{
    sqlite3_stmt  *s;

    if (begin() != 0) {
        return UCB_ERROR;
    }

    s = stmt(S_SERIAL_INIT);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);

    if (run(s) != SQLITE_DONE) {
        goto failed;
    }

    s = stmt(S_SERIAL_TAKE);
    if (s == NULL) {
        goto failed;
    }

    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, size);

    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        goto failed;
    }

    *first = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);

    if (commit() != 0) {
        goto failed;
    }

    return UCB_OK;

failed:

    rollback();
    return UCB_ERROR;
}


int
ucb_store_count(const char *what, int64_t *n)
{
    sqlite3_stmt  *s;

    s = stmt(strcmp(what, "outbox") == 0 ? S_COUNT_OUTBOX : S_COUNT_USERS);
    if (s == NULL) {
        return UCB_ERROR;
    }

    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return UCB_ERROR;
    }

    *n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);

    return UCB_OK;
}


/* ------------------------------------------- for the other store files */

sqlite3_stmt *
ucb_sq_stmt(int i)
{
    return stmt((stmt_e) i);
}


int
ucb_sq_run(sqlite3_stmt *s)
{
    return run(s);
}


int
ucb_sq_begin(void)
{
    return begin();
}


int
ucb_sq_commit(void)
{
    return commit();
}


void
ucb_sq_rollback(void)
{
    rollback();
}


int64_t
ucb_sq_now(void)
{
    return now_s();
}


int
ucb_sq_event(const char *type, const char *uid, json_t *data)
{
    return insert_event(type, uid, data);
}


int
ucb_sq_audit(const char *uid, const char *action, const char *actor)
{
    return insert_audit(uid, action, actor);
}
