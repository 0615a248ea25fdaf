/*
 * uc-backend: the recognition workers.
 *
 * A fixed set of threads, each with its own reader (one Tesseract
 * instance per model, loaded once at start), takes images from one queue
 * of bounded length. The HTTP thread that brought an image waits for its
 * answer until the image's deadline; a full queue is answered at once
 * (503 ocr_busy), so a burst costs a client a retry, never the backend its
 * memory. A job whose client stopped waiting is freed by the worker that
 * holds it, or by the waiter when no worker took it yet: one owner at a
 * time, decided under the queue's lock.
 */

#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ocr.h"
#include "image.h"
#include "places.h"


typedef enum {
    JOB_QUEUED = 0,
    JOB_RUNNING,
    JOB_DONE,
    JOB_ABANDONED
} job_state_e;

typedef struct ucb_ocr_job_s  ucb_ocr_job_t;

struct ucb_ocr_job_s {
    unsigned char      *data;
    size_t              len;
    ucb_doc_e           doc;
    long long           deadline;
    json_t             *answer;
    const char         *code;
    job_state_e         state;
    pthread_cond_t      done;
    ucb_ocr_job_t      *next;
};


static pthread_mutex_t   lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t    work = PTHREAD_COND_INITIALIZER;
static ucb_ocr_job_t    *head, *tail;
static long              queued;
static int               stopping;
static pthread_t        *threads;
static ucb_places_t     *places;
static ucb_checks_t      checks;
static long              nthreads;
static size_t            upload_bytes;
static long              uploads;
static long              running;

/* what GET /uc/v1/admin/ocr shows */
static long              n_read, n_failed, n_busy, n_timeouts;


/* the regions dictionary decides which divisions are real */
static int
division_known(const char *code)
{
    return ucb_store_dict_has("regions", code) == UCB_OK;
}


static void
job_free(ucb_ocr_job_t *job)
{
    json_decref(job->answer);
    free(job->data);
    pthread_cond_destroy(&job->done);
    free(job);
}


static void *
worker(void *arg)
{
    ucb_reader_t   *reader = arg;
    ucb_ocr_job_t  *job;
    json_t         *answer;
    const char     *code;

    pthread_mutex_lock(&lock);

    for ( ;; ) {
        while (head == NULL && !stopping) {
            pthread_cond_wait(&work, &lock);
        }

        if (head == NULL) {
            break;
        }

        job = head;
        head = job->next;
        if (head == NULL) {
            tail = NULL;
        }
        queued--;
        running++;
        job->state = JOB_RUNNING;
        pthread_mutex_unlock(&lock);

        answer = NULL;
        code = "ocr_timeout";

        if (ucb_monotonic_ms() < job->deadline) {
            ucb_recognize(reader, job->data, job->len, job->doc, &checks,
                          job->deadline, &answer, &code);
        }

        pthread_mutex_lock(&lock);
        running--;

        if (answer != NULL) {
            n_read++;
        } else if (strcmp(code, "ocr_timeout") == 0) {
            n_timeouts++;
        } else {
            n_failed++;
        }

        if (job->state == JOB_ABANDONED) {
            json_decref(answer);
            job_free(job);
            continue;
        }

        job->answer = answer;
        job->code = code;
        job->state = JOB_DONE;
        pthread_cond_signal(&job->done);
    }

    pthread_mutex_unlock(&lock);
    ucb_reader_free(reader);

    return NULL;
}


/*
 * The division names for correcting addresses and authorities, from the
 * regions dictionary as it is at start (names hardly ever change; the
 * codes themselves are asked of the store each time).
 */
static int
load_places(void)
{
    size_t       i, j;
    json_t      *dicts, *dict, *item, *extra;
    const char  *county, *prefecture, *province;

    places = ucb_places_create();
    if (places == NULL || ucb_store_dicts(&dicts) != UCB_OK) {
        return -1;
    }

    json_array_foreach(dicts, i, dict) {
        if (strcmp(json_string_value(json_object_get(dict, "name")) != NULL
                   ? json_string_value(json_object_get(dict, "name")) : "",
                   "regions") != 0)
        {
            continue;
        }

        json_array_foreach(json_object_get(dict, "items"), j, item) {
            extra = json_object_get(item, "extra");
            county = json_string_value(json_object_get(item, "label"));
            prefecture = json_string_value(json_object_get(extra,
                                                           "prefecture"));
            province = json_string_value(json_object_get(extra,
                                                         "province"));

            if (county != NULL && prefecture != NULL && province != NULL
                && ucb_places_add(places, province, prefecture, county) != 0)
            {
                json_decref(dicts);
                return -1;
            }
        }
    }

    json_decref(dicts);

    return 0;
}


int
ucb_ocr_start(void)
{
    long           i, n;
    char           err[256];
    ucb_reader_t  *reader;

    ucb_image_init();

    if (load_places() != 0) {
        ucb_log(UCB_LOG_ERROR, "recognition cannot load the regions "
                "dictionary", NULL);
        return -1;
    }

    checks.division = division_known;
    checks.places = places;

    n = ucb_ocr.workers;
    if (n == 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1) {
            n = 1;
        }
    }

    if (ucb_ocr.queue == 0) {
        ucb_ocr.queue = 2 * n;
    }

    threads = calloc((size_t) n, sizeof(pthread_t));
    if (threads == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        reader = ucb_reader_create(ucb_ocr.tessdata, err, sizeof(err));

        if (reader == NULL) {
            ucb_log(UCB_LOG_ERROR, "recognition cannot start",
                    "\"error\":\"%s\"", err);
            return -1;
        }

        if (pthread_create(&threads[i], NULL, worker, reader) != 0) {
            ucb_reader_free(reader);
            return -1;
        }

        nthreads++;
    }

    ucb_log(UCB_LOG_INFO, "recognition started", "\"workers\":%ld,"
            "\"queue\":%ld", n, ucb_ocr.queue);

    return 0;
}


void
ucb_ocr_stop(void)
{
    long  i;

    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&work);
    pthread_mutex_unlock(&lock);

    for (i = 0; i < nthreads; i++) {
        pthread_join(threads[i], NULL);
    }

    free(threads);
    threads = NULL;
    nthreads = 0;
    ucb_places_free(places);
    places = NULL;
}


ucb_ocr_rc_e
ucb_ocr_read(const unsigned char *data, size_t len, ucb_doc_e doc,
    json_t **answer, const char **code)
{
    int               rc;
    ucb_ocr_job_t    *job, **pp, *last;
    struct timespec   until;
    ucb_ocr_rc_e      result;

    *answer = NULL;
    *code = NULL;

    job = calloc(1, sizeof(ucb_ocr_job_t));
    if (job == NULL || (job->data = malloc(len)) == NULL) {
        free(job);
        *code = "out_of_memory";
        return UCB_OCR_FAILED;
    }

    memcpy(job->data, data, len);
    job->len = len;
    job->doc = doc;
    job->deadline = ucb_monotonic_ms() + ucb_ocr.timeout_ms;
    pthread_cond_init(&job->done, NULL);

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ucb_ocr.timeout_ms / 1000;
    until.tv_nsec += (ucb_ocr.timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&lock);

    if (queued >= ucb_ocr.queue || nthreads == 0 || stopping) {
        n_busy++;
        pthread_mutex_unlock(&lock);
        job_free(job);
        return UCB_OCR_BUSY;
    }

    if (tail != NULL) {
        tail->next = job;
    } else {
        head = job;
    }
    tail = job;
    queued++;
    pthread_cond_signal(&work);

    rc = 0;
    while (job->state != JOB_DONE && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&job->done, &lock, &until);
    }

    if (job->state == JOB_DONE) {
        pthread_mutex_unlock(&lock);

        *answer = job->answer;
        job->answer = NULL;
        *code = job->code;
        result = *answer != NULL ? UCB_OCR_OK
                 : strcmp(job->code, "ocr_timeout") == 0 ? UCB_OCR_TIMEOUT
                 : UCB_OCR_FAILED;
        job_free(job);

        return result;
    }

    if (job->state == JOB_QUEUED) {
        /* no worker has it: out of the queue, and ours to free */
        for (pp = &head; *pp != job; pp = &(*pp)->next) {
            /* find the link to it */
        }

        *pp = job->next;
        tail = NULL;
        for (last = head; last != NULL; last = last->next) {
            tail = last;
        }
        queued--;
        n_timeouts++;
        pthread_mutex_unlock(&lock);
        job_free(job);

    } else {
        /* a worker holds it and frees it when it is done */
        job->state = JOB_ABANDONED;
        pthread_mutex_unlock(&lock);
    }

    return UCB_OCR_TIMEOUT;
}


int
ucb_ocr_upload_reserve(size_t bytes)
{
    int  rc;

    pthread_mutex_lock(&lock);
    rc = upload_bytes + bytes > (size_t) ucb_ocr.upload_mb * 1024 * 1024
         ? -1 : 0;
    if (rc == 0) {
        upload_bytes += bytes;
    }
    pthread_mutex_unlock(&lock);

    return rc;
}


void
ucb_ocr_upload_release(size_t bytes)
{
    pthread_mutex_lock(&lock);
    upload_bytes -= bytes;
    pthread_mutex_unlock(&lock);
}


json_t *
ucb_ocr_stats(void)
{
    json_t  *stats;

    pthread_mutex_lock(&lock);
    stats = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                      "workers", (json_int_t) nthreads,
                      "queue", (json_int_t) ucb_ocr.queue,
                      "queued", (json_int_t) queued,
                      "running", (json_int_t) running,
                      "read", (json_int_t) n_read,
                      "failed", (json_int_t) n_failed,
                      "busy", (json_int_t) n_busy,
                      "timeouts", (json_int_t) n_timeouts,
                      "upload_bytes", (json_int_t) upload_bytes);
    pthread_mutex_unlock(&lock);

    return stats;
}


int
ucb_ocr_upload_enter(void)
{
    int  rc;

    pthread_mutex_lock(&lock);
    rc = uploads >= ucb_ocr.uploads ? -1 : 0;
    if (rc == 0) {
        uploads++;
    }
    pthread_mutex_unlock(&lock);

    return rc;
}


void
ucb_ocr_upload_leave(void)
{
    pthread_mutex_lock(&lock);
    uploads--;
    pthread_mutex_unlock(&lock);
}
