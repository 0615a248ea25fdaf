/*
 * One PostgreSQL connection's I/O (store_pg_conn.h).
 */

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_pg_conn.h"
#include "store_pg_schema.h"
#include "ucb.h"


/* the server's notices (not errors) go to the log, not to stderr */
static void
pg_notice(void *arg, const char *message)
{
    ucb_log(UCB_LOG_DEBUG, "store notice", "\"message\":\"%s\"", message);
}


PGconn *
ucb_pg_connect(const char *target, const char *shown,
    int statement_timeout_ms, char *err, size_t errlen)
{
    char                options[64];
    PGconn             *c;
    const char         *encoding;
    static const char  *keys[] = {
        "dbname", "connect_timeout", "options", "application_name",
        "client_encoding", "keepalives", "keepalives_idle",
        "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        NULL
    };
    const char         *vals[] = {
        target, "5", options, "uc-backend", "UTF8", "1", "10", "5", "3",
        "15000", NULL
    };

    snprintf(options, sizeof(options), "-c statement_timeout=%d",
             statement_timeout_ms);

    c = PQconnectdbParams(keys, vals, 1);

    if (c == NULL || PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL at %s: %s",
                 shown, c != NULL ? PQerrorMessage(c) : "no memory");
        PQfinish(c);
        return NULL;
    }

    /* text in any other encoding would be converted, or refused, unseen */
    encoding = PQparameterStatus(c, "server_encoding");

    if (encoding == NULL || strcmp(encoding, "UTF8") != 0) {
        snprintf(err, errlen, "PostgreSQL at %s: the database's encoding is"
                 " %s; the store needs UTF8 (createdb -E UTF8)", shown,
                 encoding != NULL ? encoding : "unknown");
        PQfinish(c);
        return NULL;
    }

    PQsetNoticeProcessor(c, pg_notice, NULL);

    return c;
}


int
ucb_pg_idle_ok(PGconn *c)
{
    struct pollfd  p;

    if (c == NULL || PQstatus(c) != CONNECTION_OK
        || PQtransactionStatus(c) != PQTRANS_IDLE)
    {
        return 0;
    }

    p.fd = PQsocket(c);
    p.events = POLLIN;
    p.revents = 0;

    return p.fd >= 0 && poll(&p, 1, 0) == 0;
}


static long
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


PGresult *
ucb_pg_wait(PGconn *c, int timeout_ms, int *timed_out)
{
    long           deadline, left;
    PGresult      *r, *kept;
    struct pollfd  p;

    *timed_out = 0;
    deadline = now_ms() + timeout_ms;
    kept = NULL;

    for ( ;; ) {
        while (PQisBusy(c)) {
            left = deadline - now_ms();

            if (left <= 0) {
                *timed_out = 1;
                PQclear(kept);
                return NULL;
            }

            p.fd = PQsocket(c);
            p.events = POLLIN;
            p.revents = 0;

            if (p.fd < 0 || (poll(&p, 1, (int) left) > 0
                             && !PQconsumeInput(c)))
            {
                break;          /* lost: PQgetResult says so */
            }
        }

        if (PQisBusy(c)) {
            PQclear(kept);
            return NULL;
        }

        r = PQgetResult(c);

        if (r == NULL) {
            return kept;
        }

        /* the first error stays; otherwise the last result */
        if (kept != NULL && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
            PQclear(r);

        } else {
            PQclear(kept);
            kept = r;
        }
    }
}


int
ucb_pg_migrate(const char *target, const char *shown, char *err,
    size_t errlen)
{
    int      version;
    size_t   i;
    PGconn  *c;

    /* no statement timeout here: a migration, or waiting for another
       backend's, may take longer than a request may */
    c = ucb_pg_connect(target, shown, 0, err, errlen);
    if (c == NULL) {
        return -1;
    }

    /* one backend migrates; one started beside it waits, then finds none */
    if (ucb_pg_exec(c, "SELECT pg_advisory_lock(" UCB_PG_LOCK_MIGRATE ")",
                    err, errlen) != 0
        || ucb_pg_schema_version(c, &version, err, errlen) != 0)
    {
        PQfinish(c);
        return -1;
    }

    for (i = (size_t) version; i < ucb_pg_nmigrations; i++) {
        if (ucb_pg_exec(c, "BEGIN", err, errlen) != 0
            || ucb_pg_schema_apply(c, i, err, errlen) != 0
            || ucb_pg_exec(c, "COMMIT", err, errlen) != 0)
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
