/*
 * ucctl: what its files share.
 */

#ifndef UCCTL_H
#define UCCTL_H

#include "uc_schema.h"


typedef struct {
    char            redis[256];
    char            password[256];
    char            prefix[UC_PREFIX_MAX + 1];
    char            secret[1024];
    long            db;
    char            api[256];       /* the gateway, e.g. http://host:8080 */
    char            token[512];     /* an administrator's session */
} ucctl_conf_t;


void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* flag, dict and line commands: argv[0] is the noun; returns the exit code */
int ucctl_api_command(const ucctl_conf_t *conf, int argc, char **argv);

/* store copy SRC DST (ucctl_store.c): argv[0] is "copy" */
int ucctl_store_command(int argc, char **argv);

#endif /* UCCTL_H */
