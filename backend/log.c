/*
 * uc-backend: structured logs, one JSON object per line on stderr.
 * Callers pass pre-escaped fields; never a password, code or token.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ucb.h"


static const char *const  level_names[] = { "debug", "info", "warn", "error" };
static pthread_mutex_t    log_lock = PTHREAD_MUTEX_INITIALIZER;


void
ucb_log(ucb_level_e level, const char *msg, const char *fmt, ...)
{
    char             ts[32], fields[1024];
    va_list          ap;
    struct tm        tm;
    struct timespec  now;

    if ((unsigned) level > UCB_LOG_ERROR) {
        level = UCB_LOG_ERROR;
    }

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

    fields[0] = '\0';

    if (fmt != NULL) {
        fields[0] = ',';
        va_start(ap, fmt);
        vsnprintf(fields + 1, sizeof(fields) - 1, fmt, ap);
        va_end(ap);
    }

    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"%s\"%s}\n",
            ts, now.tv_nsec / 1000000, level_names[level], msg, fields);
    pthread_mutex_unlock(&log_lock);
}
