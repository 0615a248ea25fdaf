/*
 * uc-backend: the SQLite driver of the store (store_db.h). WAL journal,
 * foreign keys, synchronous=FULL, the versioned migrations at start,
 * prepared statements only (cached per thread, one connection per
 * thread). The store's logic is store.c and store_config.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <sqlite3.h>

#include "store_db.h"
#include "ucb.h"


static char                    db_path[512];
static __thread sqlite3       *db;
static __thread sqlite3_stmt  *stmts[S_NSTMTS];

/* closes a thread's connection when the thread ends */
static pthread_key_t           db_key;
static pthread_once_t          db_once = PTHREAD_ONCE_INIT;


static void sq_thread_close(void);


static void
db_thread_exit(void *unused)
{
    sq_thread_close();
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


static void
sq_thread_close(void)
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

        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            ucb_st_unreachable();
        }
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


/* ------------------------------------------------------------ driver */

static ucb_db_stmt_t *
sq_stmt(stmt_e i)
{
    return (ucb_db_stmt_t *) stmt(i);
}


/* copied: callers may free a value before the statement runs */
static void
sq_bind_text(ucb_db_stmt_t *s, int i, const char *v)
{
    sqlite3_bind_text((sqlite3_stmt *) s, i, v, -1, SQLITE_TRANSIENT);
}


static void
sq_bind_int64(ucb_db_stmt_t *s, int i, int64_t v)
{
    sqlite3_bind_int64((sqlite3_stmt *) s, i, v);
}


static void
sq_bind_null(ucb_db_stmt_t *s, int i)
{
    sqlite3_bind_null((sqlite3_stmt *) s, i);
}


static int
db_rc(int rc)
{
    switch (rc) {

    case SQLITE_ROW:
        return UCB_DB_ROW;

    case SQLITE_DONE:
        return UCB_DB_DONE;

    case SQLITE_CONSTRAINT:
        return UCB_DB_CONSTRAINT;

    default:
        return UCB_DB_ERROR;
    }
}


static int
sq_step(ucb_db_stmt_t *s)
{
    int  rc;

    if (s == NULL) {
        return UCB_DB_ERROR;
    }

    rc = sqlite3_step((sqlite3_stmt *) s);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_CONSTRAINT) {
        ucb_log(UCB_LOG_ERROR, "store statement failed", "\"error\":\"%s\"",
                sqlite3_errmsg(db));

        /* locked past the busy timeout: the store is there, but not now */
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            ucb_st_unreachable();
        }
    }

    return db_rc(rc);
}



static void
sq_reset(ucb_db_stmt_t *s)
{
    if (s != NULL) {
        sqlite3_reset((sqlite3_stmt *) s);
    }
}


static const char *
sq_text(ucb_db_stmt_t *s, int col)
{
    const unsigned char  *t;

    t = sqlite3_column_text((sqlite3_stmt *) s, col);

    return t != NULL ? (const char *) t : "";
}


static int64_t
sq_int64(ucb_db_stmt_t *s, int col)
{
    return sqlite3_column_int64((sqlite3_stmt *) s, col);
}


static int64_t
sq_changes(void)
{
    return db != NULL ? sqlite3_changes(db) : 0;
}


static int
sq_begin(void)
{
    return begin();
}


static int
sq_commit(void)
{
    return commit();
}


static void
sq_rollback(void)
{
    rollback();
}


/* ------------------------------------------------------------ opening */

static int
sq_open(const char *path, char *err, size_t errlen)
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
        sqlite3_bind_int64(s, 2, ucb_st_now());
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


/* a connection is a thread's: thread_close closed this thread's */
static void
sq_close(void)
{
}


/* a busy database is waited for (sqlite3_busy_timeout), not retried */
static int
sq_retryable(void)
{
    return 0;
}


const ucb_db_driver_t  ucb_db_sqlite = {
    "sqlite",
    sq_open, sq_thread_close, sq_close,
    sq_stmt, sq_bind_text, sq_bind_int64, sq_bind_null,
    sq_step, sq_reset, sq_text, sq_int64,
    sq_changes, sq_begin, sq_commit, sq_rollback, sq_retryable
};
