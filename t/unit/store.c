/*
 * The store under two processes at once, the way two backends share one
 * store: each process opens it (its own connections, its own pool) and
 * races the other. Runs on the store UC_TEST_STORE names (make test gives
 * it a private PostgreSQL database), else on an SQLite file of its own.
 *
 *   - 50 registrations of one phone, 25 threads in each process: exactly
 *     one account; the other 49 are told the phone is taken (not an error)
 *   - serial numbers drawn by 8 threads in each process never repeat
 *   - a registration refused leaves no row of its own behind
 */

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "ucb.h"

/* the outbox relay links the sessions code, which signs with these */
uc_keyring_t  ucb_keys;


#define PROCS             2
#define RACERS            25
#define DRAWERS           8
#define DRAWS             150


static pthread_barrier_t  start;
static char               phone[32];
static uint64_t           id_base;
static int                results[RACERS];
static int64_t            drawn[DRAWERS][DRAWS];


static void *
racer(void *arg)
{
    long        i = (long) arg;
    ucb_user_t  u;

    pthread_barrier_wait(&start);

    results[i] = ucb_store_register(id_base + (uint64_t) i, "phone", phone,
                                    "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ"
                                    "$aGFzaGhhc2hoYXNo", 1, "127.0.0.1",
                                    &u);
    ucb_store_thread_close();

    return NULL;
}


static void *
drawer(void *arg)
{
    long  i = (long) arg;
    int   k;
    char  serial[48];

    pthread_barrier_wait(&start);

    for (k = 0; k < DRAWS; k++) {
        drawn[i][k] = ucb_serial_next("RACE", serial, sizeof(serial)) == 0
                      ? atoll(serial + strlen(serial) - 8) : -1;
    }

    ucb_store_thread_close();

    return NULL;
}


/* One "backend": its threads race, its results go up the pipe. */
static void
child(int proc, int fd)
{
    long             i;
    pthread_t        t[RACERS];

    struct timespec  now;

    /* ids of this run only: a run before it (same store) used others */
    clock_gettime(CLOCK_REALTIME, &now);
    id_base = 7000000000000000ULL
              + ((uint64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000) * 100
              + (uint64_t) proc * RACERS;

    pthread_barrier_init(&start, NULL, RACERS);

    for (i = 0; i < RACERS; i++) {
        pthread_create(&t[i], NULL, racer, (void *) i);
    }

    for (i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
    }

    pthread_barrier_destroy(&start);
    pthread_barrier_init(&start, NULL, DRAWERS);

    for (i = 0; i < DRAWERS; i++) {
        pthread_create(&t[i], NULL, drawer, (void *) i);
    }

    for (i = 0; i < DRAWERS; i++) {
        pthread_join(t[i], NULL);
    }

    if (write(fd, results, sizeof(results)) != sizeof(results)
        || write(fd, drawn, sizeof(drawn)) != sizeof(drawn))
    {
        _exit(1);
    }

    _exit(0);
}


static int
cmp64(const void *a, const void *b)
{
    int64_t  x = *(const int64_t *) a, y = *(const int64_t *) b;

    return (x > y) - (x < y);
}


static int
read_all(int fd, void *buf, size_t len)
{
    ssize_t  n;
    char    *p = buf;

    while (len > 0) {
        n = read(fd, p, len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }

    return 0;
}


int
main(void)
{
    int            p, i, fds[PROCS][2], status, oks, taken, other, repeats;
    int            got[PROCS];
    char           dir[] = "/tmp/uc-store-XXXXXX", target[600], err[512];
    pid_t          pid[PROCS];
    int64_t        before, after, events_before, events_after, *all;
    ucb_user_t     u;
    const char    *env;
    static int     res[PROCS][RACERS];
    static int64_t nums[PROCS][DRAWERS][DRAWS];

    env = getenv("UC_TEST_STORE");

    if (env != NULL && env[0] != '\0') {
        snprintf(target, sizeof(target), "%s", env);
        dir[0] = '\0';

    } else {
        if (mkdtemp(dir) == NULL) {
            return 1;
        }
        snprintf(target, sizeof(target), "sqlite:%s/store.db", dir);
    }

    ucb_config_load(NULL, err, sizeof(err));
    err[0] = '\0';

    ok(ucb_store_open(target, err, sizeof(err)) == 0, "store opened (%s)%s%s",
       strncmp(target, "sqlite:", 7) == 0 ? "SQLite" : "PostgreSQL",
       err[0] ? ": " : "", err);

    snprintf(phone, sizeof(phone), "+86139%03d%05ld", (int) (getpid() % 1000),
             (long) (time(NULL) % 100000));
    ucb_store_count("users", &before);
    ucb_store_count("outbox", &events_before);
    ucb_store_close();

    for (p = 0; p < PROCS; p++) {
        if (pipe(fds[p]) != 0) {
            return 1;
        }

        pid[p] = fork();

        if (pid[p] == 0) {
            close(fds[p][0]);
            child(p, fds[p][1]);
        }

        close(fds[p][1]);
    }

    for (p = 0; p < PROCS; p++) {
        got[p] = read_all(fds[p][0], res[p], sizeof(res[p])) == 0
                 && read_all(fds[p][0], nums[p], sizeof(nums[p])) == 0;
        waitpid(pid[p], &status, 0);
        got[p] = got[p] && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        close(fds[p][0]);
    }

    ok(got[0] && got[1], "both processes ran to the end");

    oks = taken = other = 0;

    for (p = 0; p < PROCS; p++) {
        for (i = 0; i < RACERS; i++) {
            oks += res[p][i] == UCB_OK;
            taken += res[p][i] == UCB_CONFLICT;
            other += res[p][i] != UCB_OK && res[p][i] != UCB_CONFLICT;
        }
    }

    is_int(oks, 1, "50 racing registrations of one phone: one account");
    is_int(taken, PROCS * RACERS - 1, "... the others told it is taken");
    is_int(other, 0, "... and none failed otherwise");

    ucb_store_count("users", &after);
    is_int(after - before, 1, "one user row more in the store, not 50");
    ucb_store_count("outbox", &events_after);
    is_int(events_after - events_before, 1,
           "one user.registered event: the 49 refused left none behind");
    ok(ucb_store_find_login("phone", phone, &u) == UCB_OK && u.id[0] != '\0',
       "the phone logs in to that account (%s)", u.id);

    all = (int64_t *) nums;
    qsort(all, PROCS * DRAWERS * DRAWS, sizeof(int64_t), cmp64);
    repeats = 0;

    for (i = 0; i < PROCS * DRAWERS * DRAWS; i++) {
        repeats += all[i] <= 0 || (i > 0 && all[i] == all[i - 1]);
    }

    is_int(repeats, 0, "%d serial numbers from 2 processes x %d threads: "
           "none failed, none repeats", PROCS * DRAWERS * DRAWS, DRAWERS);
    ok(all[PROCS * DRAWERS * DRAWS - 1] - all[0]
       < PROCS * DRAWERS * DRAWS + 2 * 100,
       "... and at most a segment per process skipped (%lld..%lld)",
       (long long) all[0], (long long) all[PROCS * DRAWERS * DRAWS - 1]);

    ucb_store_thread_close();

    if (dir[0] != '\0') {
        snprintf(err, sizeof(err), "rm -rf %s", dir);
        if (system(err) != 0) {
            return 1;
        }
    }

    return done_testing();
}
