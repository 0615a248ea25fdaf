/*
 * uc-backend: the PostgreSQL driver of the store (store_db.h), on libpq.
 *
 * A pool of PG_POOL connections: the backend has a thread per client
 * connection (hundreds), PostgreSQL a limit of its own. A thread takes a
 * connection for one transaction (or one statement outside of one: its
 * rows are read from the client-side result) and gives it back; a thread
 * that waits more than PG_WAIT_S gets an error, never a hang. Connections
 * are opened on first use and again after they are lost, with a connect
 * timeout and a statement timeout; while the server cannot be reached,
 * one thread at a time tries again, after a back-off that doubles from
 * PG_BACKOFF_MIN_MS to PG_BACKOFF_MAX_MS, and the others fail at once
 * (the HTTP layer answers 503). An idle connection the server closed (a
 * restart) is noticed before it is used. A transaction that lost its
 * connection before COMMIT was rolled back by the server: it is run
 * again. Prepared statements only (the store's
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
#include "store_pg_conn.h"
#include "store_pg_schema.h"
#include "ucb.h"


#define PG_PARAMS_MAX     UCB_SQL_PARAMS_MAX
#define PG_POOL           16
#define PG_WAIT_S         5
#define PG_STATEMENT_MS   10000           /* the server's statement_timeout */
#define PG_ANSWER_MS      12000           /* ours, for a server that hangs */
#define PG_BACKOFF_MIN_MS 50
#define PG_BACKOFF_MAX_MS 2000


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


/* the statements' text where PostgreSQL's differs from store_sql.c's */
static const struct {
    stmt_e          i;
    const char     *sql;
} pg_override[] = {
    { S_LOCK_KEY, "SELECT pg_advisory_xact_lock(hashtext(?1))" },
};


static char                      pg_target[1024];
static char                      pg_shown[1024];  /* without a password */
static pg_conn_t                 pool[PG_POOL];
static pthread_mutex_t           pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t            pool_free = PTHREAD_COND_INITIALIZER;

/* under pool_lock: 0 while connects succeed; else the wait before the
   next try, which no thread makes before down_until (ms, monotonic) */
static int64_t                   backoff_ms;
static int64_t                   down_until;
static int                       probing;
static pthread_cond_t            probe_done = PTHREAD_COND_INITIALIZER;

static __thread pg_conn_t       *held;
static __thread PGconn          *conn;          /* held->conn */
static __thread int              in_tx;
static __thread int              retry;
static __thread int              committing;
static __thread int              timed_out;
static __thread ucb_db_stmt_t    stmts[S_NSTMTS];
static __thread int64_t          changed;

/* frees a thread's bound values and gives its connection back at exit */
static pthread_key_t             pg_key;
static pthread_once_t            pg_once = PTHREAD_ONCE_INIT;


static void pg_thread_close(void);
static PGresult *pg_answer(int sent);
static int pg_result(PGresult *r);


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
pg_connect(void)
{
    char     err[600];
    PGconn  *c;

    c = ucb_pg_connect(pg_target, pg_shown, PG_STATEMENT_MS, err,
                       sizeof(err));

    if (c == NULL) {
        ucb_log(UCB_LOG_ERROR, "store connect failed", "\"error\":\"%s\"",
                err);
    }

    return c;
}


static int64_t
pg_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/*
 * Whether this thread may try to connect now: PG_CONNECT (yes), PG_PROBE
 * (yes, as the one try of this back-off period: pg_connected() tells the
 * others), or 0. While the server is down one thread tries per back-off
 * period; the others fail at once between tries, or wait for the try's
 * outcome (at most PG_WAIT_S) while it runs, so that the burst that comes
 * as the server is back is not refused for the want of a few ms.
 */
#define PG_CONNECT  1
#define PG_PROBE    2

static int
pg_may_connect(void)
{
    int              may, rc;
    struct timespec  until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PG_WAIT_S;

    pthread_mutex_lock(&pool_lock);

    for ( ;; ) {
        if (backoff_ms == 0) {
            may = PG_CONNECT;
            break;
        }

        if (probing) {
            rc = pthread_cond_timedwait(&probe_done, &pool_lock, &until);

            if (rc == ETIMEDOUT) {
                may = 0;
                break;
            }

            continue;
        }

        if (pg_now_ms() < down_until) {
            may = 0;
            break;
        }

        probing = 1;
        may = PG_PROBE;
        break;
    }

    pthread_mutex_unlock(&pool_lock);

    return may;
}


static void
pg_connected(int ok, int how)
{
    pthread_mutex_lock(&pool_lock);

    if (ok) {
        if (backoff_ms != 0) {
            ucb_log(UCB_LOG_INFO, "store reconnected", "\"store\":\"%s\"",
                    pg_shown);
        }

        backoff_ms = 0;

    } else if (backoff_ms == 0 || how == PG_PROBE) {
        /* once per period: the threads that failed together with the
           first do not make it longer */
        backoff_ms = backoff_ms == 0 ? PG_BACKOFF_MIN_MS : backoff_ms * 2;
        backoff_ms = backoff_ms > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS
                                                    : backoff_ms;
        down_until = pg_now_ms() + backoff_ms;
    }

    if (how == PG_PROBE) {
        probing = 0;
        pthread_cond_broadcast(&probe_done);
    }

    pthread_mutex_unlock(&pool_lock);
}


static void
pg_give_back(pg_conn_t *c)
{
    pthread_mutex_lock(&pool_lock);
    c->busy = 0;
    pthread_cond_signal(&pool_free);
    pthread_mutex_unlock(&pool_lock);
}


/* A connection of the pool for this thread, opened if need be; -1. */
static int
pg_acquire(void)
{
    int              i, rc, how;
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

        /* an open connection first: a closed one costs a connect */
        for (i = 0; i < PG_POOL; i++) {
            if (!pool[i].busy && (c == NULL || c->conn == NULL)) {
                c = &pool[i];
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
            ucb_st_unreachable();
            return -1;
        }
    }

    c->busy = 1;
    pthread_mutex_unlock(&pool_lock);

    /* checked and opened here, outside the lock: a slow connect holds no
       one else */
    if (!ucb_pg_idle_ok(c->conn)) {
        PQfinish(c->conn);
        c->conn = NULL;
        memset(c->prepared, 0, sizeof(c->prepared));

        how = pg_may_connect();

        if (how == 0) {
            pg_give_back(c);
            ucb_st_unreachable();
            return -1;
        }

        c->conn = pg_connect();
        pg_connected(c->conn != NULL, how);

        if (c->conn == NULL) {
            pg_give_back(c);
            ucb_st_unreachable();
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
    in_tx = 0;

    if (held == NULL) {
        return;
    }

    if (PQstatus(held->conn) != CONNECTION_OK
        || PQtransactionStatus(held->conn) != PQTRANS_IDLE)
    {
        PQfinish(held->conn);
        held->conn = NULL;
    }

    pg_give_back(held);

    held = NULL;
    conn = NULL;
}


static void
pg_close(void)
{
    int  i;

    pthread_mutex_lock(&pool_lock);

    for (i = 0; i < PG_POOL; i++) {
        if (!pool[i].busy) {
            PQfinish(pool[i].conn);
            pool[i].conn = NULL;
            memset(pool[i].prepared, 0, sizeof(pool[i].prepared));
        }
    }

    pthread_mutex_unlock(&pool_lock);
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
            /* a statement of ours that this driver cannot hold: said
               loudly, or its endpoint is a silent 500 */
            if (sql != NULL) {
                ucb_log(UCB_LOG_ERROR, "a statement has more parameters "
                        "than the PostgreSQL driver holds", "\"statement\":"
                        "%d,\"parameters\":%d", (int) i, n);
            }
            free(sql);
            return NULL;
        }

        snprintf(name, sizeof(name), "s%d", (int) i);
        r = pg_answer(PQsendPrepare(conn, name, sql, n, NULL));
        free(sql);

        if (pg_result(r) != UCB_DB_DONE) {
            PQclear(r);

            if (!in_tx) {
                pg_release();
            }

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


/*
 * Whether a failure is the store's absence, not the statement's fault:
 * the connection is gone, class 08 (connection exception), the server
 * shutting down or starting (57P01-57P03), too many connections (53300),
 * or the statement timeout (57014).
 */
static int
pg_lost(const char *state)
{
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK || state == NULL) {
        return 1;
    }

    return strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0
           || strcmp(state, "53300") == 0 || strcmp(state, "57014") == 0;
}


/* The answer to what was just sent (sent: PQsend*'s return). */
static PGresult *
pg_answer(int sent)
{
    PGresult  *r;

    timed_out = 0;

    if (!sent) {
        return NULL;
    }

    r = ucb_pg_wait(conn, PG_ANSWER_MS, &timed_out);

    if (timed_out) {
        ucb_log(UCB_LOG_ERROR, "store did not answer",
                "\"store\":\"%s\",\"waited_ms\":%d", pg_shown,
                PG_ANSWER_MS);
    }

    return r;
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

        if (pg_lost(state)) {
            ucb_st_unreachable();

            /* the server rolled the transaction back; a lost COMMIT may
               have committed, and is not run again; nor is a statement
               that waited out PG_ANSWER_MS: once is long enough */
            retry = in_tx && !committing && !timed_out;
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
        if (conn == NULL) {
            return UCB_DB_ERROR;
        }

        snprintf(name, sizeof(name), "s%d", (int) s->i);
        s->res = pg_answer(PQsendQueryPrepared(conn, name, s->nparams,
                                       (const char *const *) s->values,
                                       NULL, NULL, 0));

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

    r = pg_answer(PQsendQuery(conn, sql));
    rc = pg_result(r) == UCB_DB_DONE ? 0 : -1;
    PQclear(r);

    return rc;
}


static int
pg_begin(void)
{
    retry = 0;

    if (pg_acquire() != 0) {
        return -1;
    }

    in_tx = 1;      /* a BEGIN on a connection found lost is run again */

    if (pg_simple("BEGIN") != 0) {
        pg_release();
        return -1;
    }

    return 0;
}


static int
pg_commit(void)
{
    int  rc;

    committing = 1;
    rc = pg_simple("COMMIT");
    committing = 0;

    /* a failed COMMIT rolled back: the store's caller rolls back again */
    if (rc == 0) {
        pg_release();
    }

    return rc;
}


static void
pg_rollback(void)
{
    /* a connection in any other state than "in a transaction" is closed
       by pg_release: the server rolls back what it had */
    if (conn != NULL && (PQtransactionStatus(conn) == PQTRANS_INTRANS
                         || PQtransactionStatus(conn) == PQTRANS_INERROR))
    {
        PQclear(pg_answer(PQsendQuery(conn, "ROLLBACK")));
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
pg_open(const char *target, char *err, size_t errlen)
{
    if (strlen(target) >= sizeof(pg_target)) {
        snprintf(err, errlen, "the PostgreSQL URI is longer than %zu bytes",
                 sizeof(pg_target) - 1);
        return -1;
    }

    snprintf(pg_target, sizeof(pg_target), "%s", target);
    ucb_pg_mask(pg_shown, sizeof(pg_shown), target);

    return ucb_pg_migrate(pg_target, pg_shown, err, errlen);
}


const ucb_db_driver_t  ucb_db_postgresql = {
    "postgresql",
    pg_open, pg_thread_close, pg_close,
    pg_stmt, pg_bind_text, pg_bind_int64, pg_bind_null,
    pg_step, pg_reset, pg_text, pg_column_int64,
    pg_changes, pg_begin, pg_commit, pg_rollback, pg_retryable
};
