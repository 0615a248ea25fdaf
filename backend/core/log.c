/*
 * uc-backend: structured logs, one JSON object per line on stderr.
 * Never a password, code or token. Every string given for a %s is escaped
 * as JSON string content, whatever it holds: a client's path with quotes
 * and a newline in it stays one value of one line.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ucb.h"


#define LOG_STRING_MAX  1024    /* bytes of one value; the rest is counted */


static const char *const  level_names[] = { "debug", "info", "warn", "error" };

FILE                     *ucb_log_file;     /* NULL: stderr */
static pthread_mutex_t    log_lock = PTHREAD_MUTEX_INITIALIZER;


static void
escape(FILE *f, const char *s)
{
    size_t                i, n, len, shown;
    const unsigned char  *p;

    p = (const unsigned char *) (s != NULL ? s : "(null)");
    len = strlen((const char *) p);
    shown = len < LOG_STRING_MAX ? len : LOG_STRING_MAX;

    for (i = 0; i < shown; i += n) {
        n = 1;

        if (p[i] == '"' || p[i] == '\\') {
            fprintf(f, "\\%c", p[i]);

        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            fprintf(f, "\\u%04x", p[i]);

        } else if (p[i] < 0x80) {
            fputc(p[i], f);

        } else {
            n = ucb_utf8_char(p + i, shown - i);

            if (n == 0) {
                fputs("\\ufffd", f);
                n = 1;

            } else {
                fwrite(p + i, 1, n, f);
            }
        }
    }

    if (shown < len) {
        fprintf(f, "...(+%zu bytes)", len - shown);
    }
}


/*
 * printf's conversions the log formats use (d i u x c s, with l, ll or z),
 * each argument taken with its own type; the strings escaped.
 */
static void
format(FILE *f, const char *fmt, va_list ap)
{
    char         spec[16];
    size_t       n;
    const char  *p, *start;

    for (p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            fputc(*p, f);
            continue;
        }

        start = p++;

        if (*p == '%') {
            fputc('%', f);
            continue;
        }

        while (*p != '\0' && strchr("-+ #0123456789.", *p) != NULL) {
            p++;
        }

        while (*p == 'l' || *p == 'z' || *p == 'h') {
            p++;
        }

        if (*p == '\0') {
            break;
        }

        n = (size_t) (p - start + 1);
        if (n >= sizeof(spec)) {
            break;
        }

        memcpy(spec, start, n);
        spec[n] = '\0';

        switch (*p) {

        case 's':
            escape(f, va_arg(ap, const char *));
            break;

        case 'c':
            fprintf(f, "%c", va_arg(ap, int));
            break;

        case 'd': case 'i': case 'u': case 'x':
            if (strstr(spec, "ll") != NULL) {
                fprintf(f, spec, va_arg(ap, long long));
            } else if (strchr(spec, 'l') != NULL) {
                fprintf(f, spec, va_arg(ap, long));
            } else if (strchr(spec, 'z') != NULL) {
                fprintf(f, spec, va_arg(ap, size_t));
            } else {
                fprintf(f, spec, va_arg(ap, int));
            }
            break;

        default:
            /* a conversion the logs do not use: stop rather than guess */
            return;
        }
    }
}


void
ucb_log(ucb_level_e level, const char *msg, const char *fmt, ...)
{
    char             ts[32], *line;
    FILE            *f;
    size_t           len;
    va_list          ap;
    struct tm        tm;
    struct timespec  now;

    if ((unsigned) level > UCB_LOG_ERROR) {
        level = UCB_LOG_ERROR;
    }

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

    line = NULL;
    f = open_memstream(&line, &len);
    if (f == NULL) {
        return;
    }

    fprintf(f, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"", ts,
            now.tv_nsec / 1000000, level_names[level]);
    escape(f, msg);
    fputc('"', f);

    if (fmt != NULL) {
        fputc(',', f);
        va_start(ap, fmt);
        format(f, fmt, ap);
        va_end(ap);
    }

    fputs("}\n", f);

    if (fclose(f) != 0) {
        free(line);
        return;
    }

    pthread_mutex_lock(&log_lock);
    fwrite(line, 1, len, ucb_log_file != NULL ? ucb_log_file : stderr);
    pthread_mutex_unlock(&log_lock);

    free(line);
}
