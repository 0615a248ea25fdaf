/*
 * uc-backend: the PostgreSQL driver of the store (store_db.h), on libpq.
 * One connection per thread, opened on first use and opened again after
 * it is lost; prepared statements only (the store's ?N written $N); a
 * connect timeout and a statement timeout, so no thread waits for ever;
 * transactions SERIALIZABLE, so the limits the statements check hold
 * under concurrency as they do on SQLite. The migrations of
 * migrations/postgresql/ run at start under an advisory lock, so two
 * backends started together migrate once.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <libpq-fe.h>

#include "store_db.h"
#include "ucb.h"


#define PG_PARAMS_MAX     16
#define PG_LOCK_MIGRATE   "7731001"       /* advisory lock: migrations */


struct ucb_db_stmt_s {
    stmt_e          i;
    int             nparams;
    char           *values[PG_PARAMS_MAX];
    PGresult       *res;
    int             nrows;
    int             row;                /* the current row + 1 */
};


extern const char *const  ucb_pg_migrations[];
extern const size_t       ucb_pg_nmigrations;

static char                      pg_target[512];
static __thread PGconn          *conn;
static __thread int              prepared[S_NSTMTS];
static __thread ucb_db_stmt_t    stmts[S_NSTMTS];
static __thread int64_t          changed;

static pthread_key_t             pg_key;
static pthread_once_t            pg_once = PTHREAD_ONCE_INIT;


static void pg_thread_close(void);


static void
pg_thread_exit(void *unused)
{
    pg_thread_close();
}


static void
pg_key_create(void)
{
    (void) pthread_key_create(&pg_key, pg_thread_exit);
}


static PGconn *
pg_connect(char *err, size_t errlen)
{
    PGconn             *c;
    static const char  *keys[] = {
        "dbname", "connect_timeout", "options", "application_name", NULL
    };
    const char         *vals[] = {
        pg_target, "5", "-c statement_timeout=10000", "uc-backend", NULL
    };

    c = PQconnectdbParams(keys, vals, 1);

    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        if (err != NULL) {
            snprintf(err, errlen, "cannot connect to PostgreSQL at %s: %s",
                     pg_target, c != NULL ? PQerrorMessage(c) : "no memory");
        }

        ucb_log(UCB_LOG_ERROR, "store connect failed", "\"error\":\"%s\"",
                c != NULL ? PQerrorMessage(c) : "no memory");
        PQfinish(c);
        return NULL;
    }

    return c;
}


static int
pg_open_thread(void)
{
    if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
        return 0;
    }

    pg_thread_close();

    conn = pg_connect(NULL, 0);
    if (conn == NULL) {
        return -1;
    }

    pthread_once(&pg_once, pg_key_create);
    pthread_setspecific(pg_key, conn);

    return 0;
}


static void
pg_thread_close(void)
{
    int  i, k;

    for (i = 0; i < S_NSTMTS; i++) {
        PQclear(stmts[i].res);
        stmts[i].res = NULL;

        for (k = 0; k < PG_PARAMS_MAX; k++) {
            free(stmts[i].values[k]);
            stmts[i].values[k] = NULL;
        }

        prepared[i] = 0;
    }

    if (conn != NULL) {
        PQfinish(conn);
        conn = NULL;
    }
}


/* The store's "?N" as PostgreSQL's "$N"; the highest N in *nparams. */
static char *
pg_sql(const char *sql, int *nparams)
{
    int          n;
    char        *out, *o;
    const char  *p;

    out = malloc(strlen(sql) + 1);
    if (out == NULL) {
        return NULL;
    }

    *nparams = 0;

    for (p = sql, o = out; *p != '\0'; p++) {
        if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
            *o++ = '$';
            n = atoi(p + 1);

            if (n > *nparams) {
                *nparams = n;
            }

            continue;
        }

        *o++ = *p;
    }

    *o = '\0';

    return out;
}


static ucb_db_stmt_t *
pg_stmt(stmt_e i)
{
    int            k, n;
    char          *sql, name[16];
    PGresult      *r;
    ucb_db_stmt_t *s;

    if (pg_open_thread() != 0) {
        return NULL;
    }

    s = &stmts[i];

    if (!prepared[i]) {
        sql = pg_sql(ucb_sql[i], &n);
        if (sql == NULL || n > PG_PARAMS_MAX) {
            free(sql);
            return NULL;
        }

        snprintf(name, sizeof(name), "s%d", (int) i);
        r = PQprepare(conn, name, sql, n, NULL);
        free(sql);

        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ucb_log(UCB_LOG_ERROR, "store prepare failed",
                    "\"error\":\"%s\"", PQerrorMessage(conn));
            PQclear(r);
            return NULL;
        }

        PQclear(r);
        prepared[i] = 1;
        s->i = i;
        s->nparams = n;
    }

    PQclear(s->res);
    s->res = NULL;
    s->row = 0;
    s->nrows = 0;

    for (k = 0; k < PG_PARAMS_MAX; k++) {
        free(s->values[k]);
        s->values[k] = NULL;
    }

    return s;
}


static void
pg_bind_text(ucb_db_stmt_t *s, int i, const char *v)
{
    if (s == NULL || i < 1 || i > PG_PARAMS_MAX) {
        return;
    }

    free(s->values[i - 1]);
    s->values[i - 1] = v != NULL ? strdup(v) : NULL;
}


static void
pg_bind_int64(ucb_db_stmt_t *s, int i, int64_t v)
{
    char  buf[24];

    snprintf(buf, sizeof(buf), "%lld", (long long) v);
    pg_bind_text(s, i, buf);
}


static void
pg_bind_null(ucb_db_stmt_t *s, int i)
{
    pg_bind_text(s, i, NULL);
}


static int
pg_result(PGresult *r)
{
    const char  *state;

    switch (PQresultStatus(r)) {

    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
        return UCB_DB_DONE;

    default:
        state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

        /* 23505 unique, 23503 foreign key: a constraint refused it */
        if (state != NULL && strncmp(state, "23", 2) == 0) {
            return UCB_DB_CONSTRAINT;
        }

        ucb_log(UCB_LOG_ERROR, "store statement failed",
                "\"sqlstate\":\"%s\",\"error\":\"%s\"",
                state != NULL ? state : "", PQerrorMessage(conn));

        return UCB_DB_ERROR;
    }
}


static int
pg_step(ucb_db_stmt_t *s)
{
    int   rc;
    char  name[16];

    if (s->res == NULL) {
        snprintf(name, sizeof(name), "s%d", (int) s->i);
        s->res = PQexecPrepared(conn, name, s->nparams,
                                (const char *const *) s->values, NULL, NULL,
                                0);

        rc = pg_result(s->res);

        if (rc != UCB_DB_DONE) {
            /* a lost connection is opened again at the next statement */
            if (PQstatus(conn) != CONNECTION_OK) {
                pg_thread_close();
            }

            return rc;
        }

        s->nrows = PQntuples(s->res);
        changed = strtoll(PQcmdTuples(s->res), NULL, 10);
    }

    if (s->row < s->nrows) {
        s->row++;
        return UCB_DB_ROW;
    }

    return UCB_DB_DONE;
}


static void
pg_reset(ucb_db_stmt_t *s)
{
    PQclear(s->res);
    s->res = NULL;
    s->row = 0;
    s->nrows = 0;
}


static const char *
pg_text(ucb_db_stmt_t *s, int col)
{
    if (s->res == NULL || s->row < 1 || col >= PQnfields(s->res)
        || PQgetisnull(s->res, s->row - 1, col))
    {
        return "";
    }

    return PQgetvalue(s->res, s->row - 1, col);
}


static int64_t
pg_column_int64(ucb_db_stmt_t *s, int col)
{
    return strtoll(pg_text(s, col), NULL, 10);
}


static int64_t
pg_changes(void)
{
    return changed;
}


static int
pg_simple(const char *sql)
{
    int        rc;
    PGresult  *r;

    if (pg_open_thread() != 0) {
        return -1;
    }

    r = PQexec(conn, sql);
    rc = pg_result(r) == UCB_DB_DONE ? 0 : -1;
    PQclear(r);

    if (rc != 0 && PQstatus(conn) != CONNECTION_OK) {
        pg_thread_close();
    }

    return rc;
}


static int
pg_begin(void)
{
    return pg_simple("BEGIN ISOLATION LEVEL SERIALIZABLE");
}


static int
pg_commit(void)
{
    return pg_simple("COMMIT");
}


static void
pg_rollback(void)
{
    if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        (void) pg_simple("ROLLBACK");
    }
}


/* ------------------------------------------------------------ opening */

static int
pg_exec_or_err(PGconn *c, const char *sql, char *err, size_t errlen)
{
    PGresult  *r;

    r = PQexec(c, sql);

    if (PQresultStatus(r) != PGRES_COMMAND_OK
        && PQresultStatus(r) != PGRES_TUPLES_OK)
    {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQclear(r);
        return -1;
    }

    PQclear(r);

    return 0;
}


static int
pg_open(const char *target, char *err, size_t errlen)
{
    int        version;
    char       sql[160];
    size_t     i;
    PGconn    *c;
    PGresult  *r;

    snprintf(pg_target, sizeof(pg_target), "%s", target);

    c = pg_connect(err, errlen);
    if (c == NULL) {
        return -1;
    }

    /* one backend migrates; one started beside it waits, then finds none */
    if (pg_exec_or_err(c, "SELECT pg_advisory_lock(" PG_LOCK_MIGRATE ")",
                       err, errlen) != 0
        || pg_exec_or_err(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "  version INTEGER PRIMARY KEY,"
                          "  applied_at BIGINT NOT NULL)", err, errlen) != 0)
    {
        PQfinish(c);
        return -1;
    }

    r = PQexec(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    version = PQresultStatus(r) == PGRES_TUPLES_OK
              ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);

    if (version < 0) {
        snprintf(err, errlen, "%s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }

    for (i = (size_t) version; i < ucb_pg_nmigrations; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations"
                 " VALUES (%zu, %lld)", i + 1, (long long) ucb_st_now());

        if (pg_exec_or_err(c, "BEGIN", err, errlen) != 0
            || pg_exec_or_err(c, ucb_pg_migrations[i], err, errlen) != 0
            || pg_exec_or_err(c, sql, err, errlen) != 0
            || pg_exec_or_err(c, "COMMIT", err, errlen) != 0)
        {
            PQclear(PQexec(c, "ROLLBACK"));
            PQfinish(c);
            return -1;
        }

        ucb_log(UCB_LOG_INFO, "migration applied",
                "\"version\":%zu,\"store\":\"postgresql\"", i + 1);
    }

    PQfinish(c);

    return 0;
}


const ucb_db_driver_t  ucb_db_postgresql = {
    "postgresql",
    pg_open, pg_thread_close,
    pg_stmt, pg_bind_text, pg_bind_int64, pg_bind_null,
    pg_step, pg_reset, pg_text, pg_column_int64,
    pg_changes, pg_begin, pg_commit, pg_rollback
};
