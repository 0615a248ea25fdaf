/*
 * Unit test of serial number segments against a real store: the one
 * UC_TEST_STORE names (make test gives it a private PostgreSQL database),
 * else an SQLite file of its own. Numbers are consecutive within a segment, and a process
 * that ends mid-segment (a restart) makes the next one skip at most the
 * rest of that segment, never repeat.
 */

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "ucb.h"

/* the outbox relay links the sessions code, which signs with these */
uc_keyring_t  ucb_keys;


static long
seq_of(const char *serial)
{
    return atol(serial + strlen(serial) - 8);
}


int
main(void)
{
    int          i, fds[2], status;
    char         dir[] = "/tmp/uc-serials-XXXXXX", path[600], err[256];
    char         a[48], b[48], child_last[48];
    long         n;
    pid_t        pid;
    const char  *env;

    env = getenv("UC_TEST_STORE");

    if (env != NULL && env[0] != '\0') {
        snprintf(path, sizeof(path), "%s", env);
        dir[0] = '\0';

    } else {
        if (mkdtemp(dir) == NULL) {
            return 1;
        }

        snprintf(path, sizeof(path), "%s/store.db", dir);
    }

    ucb_config_load(NULL, err, sizeof(err));

    ok(ucb_store_open(path, err, sizeof(err)) == 0, "store opened: %s",
       dir[0] != '\0' ? path : "PostgreSQL");

    ok(ucb_serial_next("CERT", a, sizeof(a)) == 0, "a serial: %s", a);
    ok(strncmp(a, "CERT", 4) == 0 && strlen(a) == 4 + 8 + 8,
       "prefix, date, 8 digits");

    for (i = 0; i < 150; i++) {
        ucb_serial_next("CERT", b, sizeof(b));
    }

    is_int(seq_of(b) - seq_of(a), 150, "150 later: exactly 150 more, across "
           "a segment boundary");

    ok(ucb_serial_next("LIC", b, sizeof(b)) == 0 && seq_of(b) == 1,
       "another prefix has its own sequence: %s", b);

    /* a "restart": a child process takes 3 and exits mid-segment */
    if (pipe(fds) != 0) {
        return 1;
    }

    ucb_store_close();
    pid = fork();

    if (pid == 0) {
        close(fds[0]);
        for (i = 0; i < 3; i++) {
            ucb_serial_next("AUDIT", child_last, sizeof(child_last));
        }
        if (write(fds[1], child_last, strlen(child_last) + 1) < 0) {
            _exit(1);
        }
        _exit(0);
    }

    close(fds[1]);
    n = read(fds[0], child_last, sizeof(child_last));
    waitpid(pid, &status, 0);
    ok(n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "the first process took serials up to %s", child_last);

    ucb_serial_next("AUDIT", b, sizeof(b));
    ok(seq_of(b) > seq_of(child_last), "after it ended, never a repeat: %s",
       b);
    ok(seq_of(b) - seq_of(child_last) <= 100,
       "and at most one segment (100) skipped");

    ucb_store_close();

    if (dir[0] != '\0') {
        snprintf(err, sizeof(err), "rm -rf %s", dir);
        if (system(err) != 0) {
            return 1;
        }
    }

    return done_testing();
}
