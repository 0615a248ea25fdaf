/*
 * uc-backend: business serial numbers, PREFIX + YYYYMMDD + 8 digits, e.g.
 * CERT2026112500000042. Each (prefix, day) is a sequence in the store,
 * handed out in segments of SEGMENT numbers kept in memory: one store
 * write per SEGMENT serials. A restart loses the rest of its segment, so
 * numbers may skip (at most one segment per restart) but never repeat,
 * and several backends share a sequence safely.
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ucb.h"


#define SEGMENT    100
#define SLOTS      16


typedef struct {
    char     name[32];          /* prefix + date */
    int64_t  next;
    int64_t  end;
} ucb_segment_t;


static pthread_mutex_t  lock = PTHREAD_MUTEX_INITIALIZER;
static ucb_segment_t    slots[SLOTS];


int
ucb_serial_next(const char *prefix, char *out, size_t size)
{
    int             i, free_slot, rc;
    char            name[32];
    time_t          now;
    int64_t         n, first;
    struct tm       tm;
    ucb_segment_t  *seg;

    if (!ucb_serial_prefix_valid(prefix)) {
        return -1;
    }

    now = time(NULL);
    gmtime_r(&now, &tm);
    snprintf(name, sizeof(name), "%s%04d%02d%02d", prefix, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday);

    pthread_mutex_lock(&lock);

    seg = NULL;
    free_slot = -1;

    for (i = 0; i < SLOTS; i++) {
        if (strcmp(slots[i].name, name) == 0) {
            seg = &slots[i];
            break;
        }

        /* a slot of another day, or never used, can be taken */
        if (free_slot < 0 && (slots[i].name[0] == '\0'
                              || (strlen(slots[i].name) == strlen(name)
                                  && strncmp(slots[i].name, prefix,
                                             strlen(prefix)) == 0)))
        {
            free_slot = i;
        }
    }

    if (seg == NULL) {
        seg = &slots[free_slot >= 0 ? free_slot : (int) (now % SLOTS)];
        snprintf(seg->name, sizeof(seg->name), "%s", name);
        seg->next = seg->end = 0;
    }

    if (seg->next >= seg->end) {
        rc = ucb_store_serial_segment(name, SEGMENT, &first);

        if (rc != UCB_OK) {
            pthread_mutex_unlock(&lock);
            return -1;
        }

        seg->next = first;
        seg->end = first + SEGMENT;
    }

    n = seg->next++;

    pthread_mutex_unlock(&lock);

    return ucb_serial_format(out, size, name, n);
}
