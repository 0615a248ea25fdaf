/*
 * uc-backend: start-up and shutdown.
 *
 *   uc-backend -c /etc/usercenter/backend.conf
 *
 * SIGTERM or SIGINT: stop accepting, finish the requests in flight, relay
 * the events that committed, give back the worker id, exit 0.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ucb.h"
#include "social.h"
#include "certification.h"
#include "ocr.h"


uc_keyring_t  ucb_keys;

int ucb_accounts_init(void);


int
main(int argc, char **argv)
{
    int         sig;
    char        err[512];
    sigset_t    set;
    const char *conf, *omp;

    conf = NULL;

    /*
     * Tesseract runs OpenMP loops, and libgomp reads its settings when it
     * is loaded, before main: its idle threads would spin on the cores the
     * recognition workers (one a core already) and every request need. A
     * process without OMP_THREAD_LIMIT=1 starts itself again with it.
     */
    omp = getenv("OMP_THREAD_LIMIT");

    if (omp == NULL || strcmp(omp, "1") != 0) {
        setenv("OMP_THREAD_LIMIT", "1", 1);
        execv("/proc/self/exe", argv);
        fprintf(stderr, "uc-backend: cannot restart with OMP_THREAD_LIMIT=1; "
                "recognition may run slowly\n");
    }

    if (argc == 3 && strcmp(argv[1], "-c") == 0) {
        conf = argv[2];

    } else if (argc != 1) {
        fprintf(stderr, "usage: uc-backend [-c CONFIG]\n");
        return 2;
    }

    if (ucb_config_load(conf, err, sizeof(err)) != 0) {
        fprintf(stderr, "uc-backend: %s\n", err);
        return 1;
    }

    if (uc_keyring_load(&ucb_keys, ucb_conf.secret, err, sizeof(err)) != 0) {
        fprintf(stderr, "uc-backend: secret: %s\n", err);
        return 1;
    }

    if (ucb_conf.gateway_secret[0] == '\0') {
        fprintf(stderr, "uc-backend: gateway_secret is not set; identity "
                "headers would never be trusted\n");
        return 1;
    }

    if (ucb_store_open(ucb_conf.store[0] != '\0' ? ucb_conf.store
                                                  : ucb_conf.database,
                       err, sizeof(err))
        != 0)
    {
        fprintf(stderr, "uc-backend: store: %s\n", err);
        return 1;
    }

    /* every thread inherits this mask; main waits for the signals */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (ucb_dicts_seed() != 0) {
        fprintf(stderr, "uc-backend: seeding dictionaries failed\n");
        return 1;
    }

    if (ucb_accounts_init() != 0 || ucb_ids_start() != 0
        || ucb_outbox_start() != 0)
    {
        fprintf(stderr, "uc-backend: start-up failed (is Redis up?)\n");
        return 1;
    }

    if (ucb_cert_start() != 0) {
        fprintf(stderr, "uc-backend: the certification settings are wrong "
                "(see the log above)\n");
        return 1;
    }

    if (ucb_social_start() != 0) {
        fprintf(stderr, "uc-backend: the sign-in providers' settings are "
                "wrong (see the log above)\n");
        return 1;
    }

    if (ucb_ocr_start() != 0) {
        fprintf(stderr, "uc-backend: recognition cannot start (see the log "
                "above)\n");
        return 1;
    }

    if (ucb_http_start() != 0) {
        fprintf(stderr, "uc-backend: cannot listen (see the log above)\n");
        return 1;
    }

    if (ucb_conf.listen_unix[0] != '\0') {
        ucb_log(UCB_LOG_INFO, "started", "\"listen\":\"unix:%s\"",
                ucb_conf.listen_unix);
    } else {
        ucb_log(UCB_LOG_INFO, "started", "\"listen\":\"%s:%d\"",
                ucb_conf.listen_host, ucb_conf.listen_port);
    }

    sigwait(&set, &sig);

    ucb_log(UCB_LOG_INFO, "stopping", "\"signal\":%d", sig);

    ucb_http_stop();
    ucb_ocr_stop();
    ucb_social_stop();
    ucb_outbox_stop();
    ucb_ids_stop();
    ucb_dicts_stop();
    ucb_store_close();
    uc_keyring_free(&ucb_keys);

    ucb_log(UCB_LOG_INFO, "stopped", NULL);

    return 0;
}
