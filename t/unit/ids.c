/*
 * Unit test of the id generator against the real Redis that make test
 * runs (TEST_NGINX_REDIS_PORT): a worker id is leased, ids are unique and
 * increasing, two generators never share a worker id, and no id is issued
 * while the clock is behind the last one.
 */

#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "tap.h"
#include "ucb.h"


int
main(void)
{
    int          i, fds[2], status, child_worker;
    char         err[256];
    pid_t        pid;
    uint64_t     id, prev;
    const char  *port;
    redisReply  *r;

    port = getenv("TEST_NGINX_REDIS_PORT");
    if (port == NULL) {
        printf("Bail out! TEST_NGINX_REDIS_PORT is not set (run make test)\n");
        return 1;
    }

    ucb_config_load(NULL, err, sizeof(err));
    ucb_conf.redis_port = atoi(port);
    snprintf(ucb_conf.prefix, sizeof(ucb_conf.prefix), "uctest%d:",
             (int) getpid());

    ok(ucb_ids_start() == 0, "the generator starts");
    ok(ucb_ids_worker() >= 0 && ucb_ids_worker() < 1024,
       "a worker id is leased: %d", ucb_ids_worker());

    r = ucb_redis_command("PTTL %s{idgen}:worker:%d", ucb_conf.prefix,
                          ucb_ids_worker());
    ok(r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer > 20000,
       "the lease lives in Redis with a TTL (%lld ms)",
       r != NULL ? (long long) r->integer : -1LL);
    freeReplyObject(r);

    prev = 0;

    for (i = 0; i < 100000; i++) {
        if (ucb_id_next(&id) != 0 || id <= prev) {
            break;
        }

        prev = id;
    }

    is_int(i, 100000, "100,000 ids, each greater than the one before");
    is_int((long long) ((id >> 12) & 0x3ff), ucb_ids_worker(),
           "they carry the worker id");

    /* a second generator (another process) gets another worker id */
    if (pipe(fds) != 0) {
        return 1;
    }

    pid = fork();

    if (pid == 0) {
        ucb_redis_drop();
        child_worker = ucb_ids_start() == 0 ? ucb_ids_worker() : -1;
        if (write(fds[1], &child_worker, sizeof(child_worker)) < 0) {
            _exit(1);
        }
        _exit(0);
    }

    child_worker = -1;
    if (read(fds[0], &child_worker, sizeof(child_worker)) < 0) {
        child_worker = -1;
    }
    waitpid(pid, &status, 0);

    ok(child_worker >= 0 && child_worker != ucb_ids_worker(),
       "a second generator leases another worker id (%d vs %d)",
       child_worker, ucb_ids_worker());

    /* the clock "jumps back" a minute */
    ucb_ids_test_set_last((int64_t) time(NULL) * 1000 + 60000);
    ok(ucb_id_next(&id) == -1, "no id while the clock is behind the last id");

    /* back to the last id really issued: 100,000 ids may have borrowed
       milliseconds ahead of the clock, which an id must not go below */
    ucb_ids_test_set_last((int64_t) (prev >> 22) + UCB_ID_EPOCH_MS);
    ok(ucb_id_next(&id) == 0 && id > prev, "ids again once it is not");

    ucb_ids_stop();

    r = ucb_redis_command("EXISTS %s{idgen}:worker:%d", ucb_conf.prefix,
                          ucb_ids_worker());
    ok(r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 0,
       "the lease is given back at stop");
    freeReplyObject(r);

    return done_testing();
}
