/*
 * The PostgreSQL driver when the server goes away, against the private
 * server of make test (UC_TEST_STORE, and UC_PG_DIR / UC_PG_PORT for
 * tools/pg.sh, which stops, starts and freezes it). Built apart from the
 * other unit tests and run only by the PostgreSQL pass of tools/test.sh.
 *
 *   - transactions that fail while the server is down leave no pool
 *     connection pinned: afterwards 24 threads read at once, each in time
 *   - a restart closes every idle pooled connection: the reads after it
 *     all succeed, none on a dead connection
 *   - a server that stops answering (SIGSTOP) holds a thread no longer
 *     than the driver's answer deadline, the failure is "unreachable",
 *     and once it answers again so does the store
 */

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "ucb.h"
#include "store_db.h"

/* the outbox relay links the sessions code, which signs with these */
uc_keyring_t  ucb_keys;


#define THREADS  24


static pthread_barrier_t  hold;
static int                results[THREADS];
static double             seconds[THREADS];


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static int
server(const char *what)
{
    char  cmd[512];

    snprintf(cmd, sizeof(cmd), "tools/pg.sh %s %s %s >/dev/null", what,
             getenv("UC_PG_DIR"), strcmp(what, "start") == 0
                                  ? getenv("UC_PG_PORT") : "");

    return system(cmd) == 0;
}


/* every process of the server, stopped or continued */
static int
freeze(int sig)
{
    char  cmd[512];

    snprintf(cmd, sizeof(cmd), "pid=$(head -n 1 %s/data/postmaster.pid) && "
             "kill -%s $pid $(pgrep -P $pid)", getenv("UC_PG_DIR"),
             sig == SIGSTOP ? "STOP" : "CONT");

    return system(cmd) == 0;
}


static int
read_one(void)
{
    ucb_user_t  u;
    int         rc;

    rc = ucb_store_find_login("phone", "+8613000000000", &u);

    return rc == UCB_OK || rc == UCB_NOT_FOUND ? 0 : -1;
}


/* a registration attempt (the server is down: it fails), then a read once
   the server is back, then holds on until every thread has read */
static void *
fail_then_read(void *arg)
{
    long        i = (long) arg;
    double      t;
    ucb_user_t  u;

    (void) ucb_store_register(8000000000000000ULL + (uint64_t) i, "phone",
                              "+8613000000001", "x", 1, "127.0.0.1", &u);
    pthread_barrier_wait(&hold);       /* the main thread starts the server */
    pthread_barrier_wait(&hold);

    t = now();
    results[i] = read_one();
    seconds[i] = now() - t;

    pthread_barrier_wait(&hold);       /* no thread ends (and gives back) */
    ucb_store_thread_close();

    return NULL;
}


/* a transaction held open until all have one: the pool is full of open
   connections */
static void *
warm(void *arg)
{
    (void) arg;
    (void) ucb_db_begin();
    pthread_barrier_wait(&hold);
    ucb_db_rollback();
    ucb_store_thread_close();

    return NULL;
}


int
main(void)
{
    int          i, failed, slow;
    long         k;
    char         err[512];
    double       t;
    pthread_t    th[THREADS];
    const char  *target;

    target = getenv("UC_TEST_STORE");

    if (target == NULL || getenv("UC_PG_DIR") == NULL
        || getenv("UC_PG_PORT") == NULL)
    {
        printf("Bail out! UC_TEST_STORE, UC_PG_DIR and UC_PG_PORT name the "
               "private PostgreSQL (tools/test.sh sets them)\n");
        return 1;
    }

    ucb_config_load(NULL, err, sizeof(err));
    err[0] = '\0';
    ok(ucb_store_open(target, err, sizeof(err)) == 0, "store opened %s", err);
    ok(read_one() == 0, "a read");

    /* --- down: transactions fail; back: nothing stays pinned */
    ok(server("stop"), "the server stopped");
    pthread_barrier_init(&hold, NULL, THREADS + 1);

    for (k = 0; k < THREADS; k++) {
        pthread_create(&th[k], NULL, fail_then_read, (void *) k);
    }

    pthread_barrier_wait(&hold);
    ok(server("start"), "%d registrations failed; the server started again",
       THREADS);
    pthread_barrier_wait(&hold);
    pthread_barrier_wait(&hold);

    for (k = 0; k < THREADS; k++) {
        pthread_join(th[k], NULL);
    }

    pthread_barrier_destroy(&hold);
    failed = slow = 0;

    for (i = 0; i < THREADS; i++) {
        failed += results[i] != 0;
        slow += seconds[i] > 2.0;
    }

    is_int(failed, 0, "then %d threads read at once, more than the pool "
           "has connections: none failed", THREADS);
    is_int(slow, 0, "... and none waited for a connection a failed "
           "transaction kept");

    /* --- a restart: the idle connections it closed are not used */
    pthread_barrier_init(&hold, NULL, 16 + 1);

    for (k = 0; k < 16; k++) {
        pthread_create(&th[k], NULL, warm, NULL);
    }

    pthread_barrier_wait(&hold);

    for (k = 0; k < 16; k++) {
        pthread_join(th[k], NULL);
    }

    pthread_barrier_destroy(&hold);

    ok(server("stop") && server("start"), "16 open connections in the "
       "pool; the server restarted");
    failed = 0;

    for (i = 0; i < 20; i++) {
        failed += read_one() != 0;
    }

    is_int(failed, 0, "20 reads in a row after the restart: none failed");

    /* --- a server that stops answering */
    ok(freeze(SIGSTOP), "the server's processes stopped (SIGSTOP)");
    ucb_store_clear_unreachable();
    t = now();
    ok(read_one() != 0, "a read fails");
    t = now() - t;
    ok(t < 14.0 && t > 4.0, "... after %.1f s: the answer deadline (12 s), "
       "not TCP's minutes", t);
    ok(ucb_store_unreachable(), "... as the store being unreachable (503)");
    ok(freeze(SIGCONT), "the server continued");

    failed = 0;
    for (i = 0; i < 5; i++) {
        failed += read_one() != 0;
    }
    is_int(failed, 0, "the store reads again");

    ucb_store_close();

    return done_testing();
}
