/*
 * uc-backend: the PostgreSQL driver of the store (store_db.h), on libpq.
 *
 * A pool of PG_POOL connections: the backend has a thread per client
 * connection (hundreds), PostgreSQL a limit of its own. A thread takes a
 * connection for one transaction (or one statement outside of one: its
 * rows are read from the client-side result) and gives it back; a thread
 * that waits more than PG_WAIT_S gets an error, never a hang. Connections
 * are opened on first use and again after they are lost, with a connect
 * timeout and a statement timeout. Prepared statements only (the store's
 * ?N written $N), per connection. Transactions are READ COMMITTED: every
 * check the store makes is in the statement that writes (ON CONFLICT,
 * UPDATE ... WHERE, INSERT ... SELECT ... WHERE) or under a transaction
 * lock on its key (S_LOCK_KEY: an advisory lock here); a deadlock or a
 * serialisation failure says "retry" (UCB_STORE_RETRY). The migrations of
 * migrations/postgresql/ run at start under an advisory lock, so two
 * backends started together migrate once.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <libpq-fe.h>

#include "store_db.h"
#include "ucb.h"


#define PG_PARAMS_MAX     16
#define PG_LOCK_MIGRATE   "7731001"       /* advisory lock: migrations */
#define PG_POOL           16
#define PG_WAIT_S         5


typedef struct {
    PGconn         *conn;
    int             busy;
    int             prepared[S_NSTMTS];
} pg_conn_t;


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

/* the statements' text where PostgreSQL's differs from store_sql.c's */
static const struct {
    stmt_e          i;
    const char     *sql;
} pg_override[] = {
    { S_LOCK_KEY, "SELECT pg_advisory_xact_lock(hashtext(?1))" },
};


static char                      pg_target[512];
static char                      pg_shown[512];   /* without a password */
static pg_conn_t                 pool[PG_POOL];
static pthread_mutex_t           pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t            pool_free = PTHREAD_COND_INITIALIZER;

static __thread pg_conn_t       *held;
static __thread PGconn          *conn;          /* held->conn */
static __thread int              in_tx;
static __thread int              retry;
static __thread ucb_db_stmt_t    stmts[S_NSTMTS];
static __thread int64_t          changed;

/* frees a thread's bound values and gives its connection back at exit */
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
                     pg_shown, c != NULL ? PQerrorMessage(c) : "no memory");
        }

        ucb_log(UCB_LOG_ERROR, "store connect failed", "\"error\":\"%s\"",
                c != NULL ? PQerrorMessage(c) : "no memory");
        PQfinish(c);
        return NULL;
    }

    return c;
}


/* A connection of the pool for this thread, opened if need be; -1. */
static int
pg_acquire(void)
{
    int              i, rc;
    pg_conn_t       *c;
    struct timespec  until;

    if (held != NULL) {
        return 0;
    }

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PG_WAIT_S;

    pthread_mutex_lock(&pool_lock);

    for ( ;; ) {
        c = NULL;

        for (i = 0; i < PG_POOL; i++) {
            if (!pool[i].busy) {
                c = &pool[i];
                break;
            }
        }

        if (c != NULL) {
            break;
        }

        rc = pthread_cond_timedwait(&pool_free, &pool_lock, &until);

        if (rc == ETIMEDOUT) {
            pthread_mutex_unlock(&pool_lock);
            ucb_log(UCB_LOG_ERROR, "store busy",
                    "\"error\":\"no connection free within %d s\"",
                    PG_WAIT_S);
            return -1;
        }
    }

    c->busy = 1;
    pthread_mutex_unlock(&pool_lock);

    /* opened here, outside the lock: a slow connect holds no one else */
    if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
        PQfinish(c->conn);
        memset(c->prepared, 0, sizeof(c->prepared));
        c->conn = pg_connect(NULL, 0);

        if (c->conn == NULL) {
            pthread_mutex_lock(&pool_lock);
            c->busy = 0;
            pthread_cond_signal(&pool_free);
            pthread_mutex_unlock(&pool_lock);
            return -1;
        }
    }

    held = c;
    conn = c->conn;

    pthread_once(&pg_once, pg_key_create);
    pthread_setspecific(pg_key, c);

    return 0;
}


/* Gives the connection back; a lost one is closed, to be opened again. */
static void
pg_release(void)
{
    if (held == NULL) {
        return;
    }

    if (PQstatus(held->conn) != CONNECTION_OK
        || PQtransactionStatus(held->conn) != PQTRANS_IDLE)
    {
        PQfinish(held->conn);
        held->conn = NULL;
    }

    pthread_mutex_lock(&pool_lock);
    held->busy = 0;
    pthread_cond_signal(&pool_free);
    pthread_mutex_unlock(&pool_lock);

    held = NULL;
    conn = NULL;
    in_tx = 0;
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
    }

    pg_release();
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


static int
pg_nparams(const char *sql)
{
    int          n, max;
    const char  *p;

    max = 0;

    for (p = sql; *p != '\0'; p++) {
        if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
            n = atoi(p + 1);
            max = n > max ? n : max;
        }
    }

    return max;
}


static ucb_db_stmt_t *
pg_stmt(stmt_e i)
{
    int             k, n;
    char           *sql, name[16];
    PGresult       *r;
    const char     *text;
    ucb_db_stmt_t  *s;

    if (pg_acquire() != 0) {
        return NULL;
    }

    s = &stmts[i];
    text = ucb_sql[i];

    for (k = 0; k < (int) (sizeof(pg_override) / sizeof(pg_override[0]));
         k++)
    {
        if (pg_override[k].i == i) {
            text = pg_override[k].sql;
        }
    }

    if (!held->prepared[i]) {
        sql = pg_sql(text, &n);
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
        held->prepared[i] = 1;
    }

    s->i = i;
    s->nparams = pg_nparams(text);

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

        /* a serialisation failure, a deadlock: the transaction may pass */
        retry = state != NULL && (strcmp(state, "40001") == 0
                                  || strcmp(state, "40P01") == 0);

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
        if (conn == NULL) {
            return UCB_DB_ERROR;
        }

        snprintf(name, sizeof(name), "s%d", (int) s->i);
        s->res = PQexecPrepared(conn, name, s->nparams,
                                (const char *const *) s->values, NULL, NULL,
                                0);

        rc = pg_result(s->res);

        if (rc == UCB_DB_DONE) {
            s->nrows = PQntuples(s->res);
            changed = strtoll(PQcmdTuples(s->res), NULL, 10);
        }

        /* outside a transaction the rows are the result's: give it back */
        if (!in_tx) {
            pg_release();
        }

        if (rc != UCB_DB_DONE) {
            return rc;
        }
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

    if (pg_acquire() != 0) {
        return -1;
    }

    r = PQexec(conn, sql);
    rc = pg_result(r) == UCB_DB_DONE ? 0 : -1;
    PQclear(r);

    return rc;
}


static int
pg_begin(void)
{
    retry = 0;

    if (pg_simple("BEGIN") != 0) {
        pg_release();
        return -1;
    }

    in_tx = 1;

    return 0;
}


static int
pg_commit(void)
{
    int  rc;

    rc = pg_simple("COMMIT");

    /* a failed COMMIT rolled back: the store's caller rolls back again */
    if (rc == 0) {
        pg_release();
    }

    return rc;
}


static void
pg_rollback(void)
{
    if (conn != NULL && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        PQclear(PQexec(conn, "ROLLBACK"));
    }

    pg_release();
}


static int
pg_retryable(void)
{
    return retry;
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


/* The target as messages may show it: a password in the URI masked. */
static void
pg_mask(char *dst, size_t size, const char *uri)
{
    const char  *scheme, *at, *colon;

    snprintf(dst, size, "%s", uri);

    scheme = strstr(uri, "://");
    at = scheme != NULL ? strchr(scheme + 3, '@') : NULL;
    colon = at != NULL ? memchr(scheme + 3, ':', (size_t) (at - scheme - 3))
                       : NULL;

    if (colon != NULL) {
        snprintf(dst, size, "%.*s:***%s", (int) (colon - uri), uri, at);
    }
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
    pg_mask(pg_shown, sizeof(pg_shown), target);

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
    pg_changes, pg_begin, pg_commit, pg_rollback, pg_retryable
};
