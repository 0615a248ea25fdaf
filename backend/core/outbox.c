/*
 * uc-backend: the outbox relay. Committed outbox rows are appended, oldest
 * first, to the Redis stream <prefix>events and then marked relayed. A
 * crash between the two appends the event again on restart, with the same
 * outbox_id: delivery is at least once and consumers deduplicate on it.
 * A rolled-back write has no row, so it never has an event.
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


#define BATCH  100

static pthread_mutex_t  lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   wake = PTHREAD_COND_INITIALIZER;
static pthread_t        relay;
static int              running, kicked;


/*
 * Events after which the account's earlier sessions must be gone: the
 * handler ends them at once, and the relay does again (before the event
 * leaves, retried with it) for when Redis failed the handler.
 */
static const char *const  revoking[] = {
    "password.changed", "password.reset", "user.frozen", "user.deactivated"
};


static int
revoke_for(const ucb_event_t *e)
{
    int          rc;
    size_t       i;
    json_t      *data, *keep;

    for (i = 0; i < sizeof(revoking) / sizeof(revoking[0]); i++) {
        if (strcmp(e->type, revoking[i]) == 0) {
            break;
        }
    }

    if (i == sizeof(revoking) / sizeof(revoking[0])) {
        return 0;
    }

    data = json_loads(e->data, 0, NULL);
    keep = data != NULL ? json_object_get(data, "keep_sid") : NULL;

    rc = ucb_session_revoke_before(e->user_id, (long) e->created_at,
                                   json_is_string(keep)
                                   ? json_string_value(keep) : NULL);
    json_decref(data);

    return rc;
}


/* a certification's level for every live session, raised or, revoked,
   capped (again: idempotent) */
static int
raise_for(const ucb_event_t *e)
{
    int      rc, up, level;
    json_t  *data;

    up = strcmp(e->type, "user.certified") == 0;

    if (!up && strcmp(e->type, "user.certification_revoked") != 0) {
        return 0;
    }

    data = json_loads(e->data, 0, NULL);
    level = (int) json_integer_value(json_object_get(data, "level"));
    json_decref(data);

    if (level <= 0) {
        return 0;
    }

    rc = up ? ucb_session_raise_level(e->user_id, level)
            : ucb_session_cap_level(e->user_id, level);

    return rc;
}


static int
relay_batch(void)
{
    int          n, i, done;
    char         stream[128], id[24], created[24];
    redisReply  *r;
    ucb_event_t  rows[BATCH];

    if (ucb_store_outbox_fetch(rows, BATCH, &n) != UCB_OK) {
        return -1;
    }

    snprintf(stream, sizeof(stream), "%sevents", ucb_conf.prefix);
    done = 0;

    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%lld", (long long) rows[i].id);
        snprintf(created, sizeof(created), "%lld",
                 (long long) rows[i].created_at);

        if (revoke_for(&rows[i]) != 0 || raise_for(&rows[i]) != 0) {
            break;
        }

        r = ucb_redis_command("XADD %s MAXLEN ~ 1000000 * type %s user_id %s "
                              "outbox_id %s created_at %s data %s", stream,
                              rows[i].type, rows[i].user_id, id, created,
                              rows[i].data);

        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            freeReplyObject(r);
            break;
        }

        freeReplyObject(r);

        if (ucb_store_outbox_done(rows[i].id) != UCB_OK) {
            break;
        }

        done++;
    }

    ucb_store_events_free(rows, n);

    return done == n ? n : -1;
}


static void *
relay_loop(void *arg)
{
    int              n;
    time_t           reconciled;
    struct timespec  until;

    /* flags and lines whose copy in Redis missed a change (or start from
       empty) */
    ucb_flags_reconcile();
    ucb_lines_reconcile();
    ucb_keys_reconcile();
    ucb_merchants_reconcile();
    reconciled = time(NULL);

    pthread_mutex_lock(&lock);

    while (running) {
        if (!kicked) {
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += 500 * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }

            pthread_cond_timedwait(&wake, &lock, &until);
        }

        kicked = 0;
        pthread_mutex_unlock(&lock);

        do {
            n = relay_batch();
        } while (n == BATCH);

        if (time(NULL) - reconciled >= 30) {
            ucb_flags_reconcile();
            ucb_lines_reconcile();
            ucb_keys_reconcile();
            ucb_merchants_reconcile();

            /* licence photos past their retention, even on a quiet day */
            if (ucb_store_cert_images_purge((int64_t) time(NULL)) != UCB_OK) {
                ucb_log(UCB_LOG_WARN, "licence photos not expired", NULL);
            }

            reconciled = time(NULL);
        }

        pthread_mutex_lock(&lock);
    }

    pthread_mutex_unlock(&lock);

    /* what committed before shutdown leaves now, not on the next start */
    while (relay_batch() == BATCH) { /* void */ }

    ucb_store_thread_close();
    ucb_redis_drop();

    return NULL;
}


int
ucb_outbox_start(void)
{
    running = 1;

    return pthread_create(&relay, NULL, relay_loop, NULL) == 0 ? 0 : -1;
}


void
ucb_outbox_stop(void)
{
    pthread_mutex_lock(&lock);
    running = 0;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(relay, NULL);
}


void
ucb_outbox_kick(void)
{
    pthread_mutex_lock(&lock);
    kicked = 1;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
}
