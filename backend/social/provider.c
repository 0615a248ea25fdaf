/*
 * uc-backend: HTTPS calls to the providers (WeChat, Alipay).
 *
 * A fixed pool of libcurl handles is the bound on concurrent calls: a
 * request takes one (waiting provider_wait_ms at most, then 503
 * provider_busy), calls with it and gives it back, so its connection stays
 * open for the next call. The calls of one sign-in share a deadline
 * (ucb_provider_begin), each with a connect deadline too: 504
 * provider_timeout past it, so a provider slow or down holds a request's
 * thread no longer than that, and never more threads than the pool has
 * handles. Redirects are not followed, answers are capped, only
 * http and https are spoken.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "social.h"


static pthread_mutex_t   lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t    freed;
static CURL            **handles;      /* the free ones: handles[0..nfree) */
static long              nfree, nhandles;
static long              made, refused;

/* this thread's sign-in's deadline, on the monotonic clock (ms) */
static __thread int64_t  deadline;


static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


void
ucb_provider_begin(void)
{
    deadline = now_ms() + ucb_social.timeout_ms;
}


int
ucb_provider_start(void)
{
    long                i;
    pthread_condattr_t  attr;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return -1;
    }

    /* waits are measured on the monotonic clock, not the wall's */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&freed, &attr);
    pthread_condattr_destroy(&attr);

    handles = calloc((size_t) ucb_social.calls, sizeof(CURL *));
    if (handles == NULL) {
        return -1;
    }

    for (i = 0; i < ucb_social.calls; i++) {
        handles[i] = curl_easy_init();
        if (handles[i] == NULL) {
            return -1;
        }
    }

    nhandles = nfree = ucb_social.calls;

    return 0;
}


/* at exit, when no request runs any more */
void
ucb_provider_stop(void)
{
    long  i;

    if (handles == NULL) {
        return;
    }

    for (i = 0; i < nfree; i++) {
        curl_easy_cleanup(handles[i]);
    }

    free(handles);
    handles = NULL;
    nfree = nhandles = 0;
    curl_global_cleanup();
}


void
ucb_provider_counts(long *m, long *b)
{
    pthread_mutex_lock(&lock);
    *m = made;
    *b = refused;
    pthread_mutex_unlock(&lock);
}


static CURL *
take(long wait_ms)
{
    CURL            *h;
    struct timespec  until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000;

    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&lock);

    while (nfree == 0) {
        if (pthread_cond_timedwait(&freed, &lock, &until) == ETIMEDOUT
            && nfree == 0)
        {
            refused++;
            pthread_mutex_unlock(&lock);
            return NULL;
        }
    }

    h = handles[--nfree];
    made++;
    pthread_mutex_unlock(&lock);

    return h;
}


static void
give_back(CURL *h)
{
    pthread_mutex_lock(&lock);
    handles[nfree++] = h;
    pthread_cond_signal(&freed);
    pthread_mutex_unlock(&lock);
}


typedef struct {
    char           *data;
    size_t          len;
    int             too_large;
} answer_t;


static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    char      *p;
    size_t     n;
    answer_t  *a = arg;

    n = size * nmemb;

    if (a->len + n > UCB_PROVIDER_BODY_MAX) {
        a->too_large = 1;
        return 0;               /* ends the transfer */
    }

    p = realloc(a->data, a->len + n + 1);
    if (p == NULL) {
        return 0;
    }

    memcpy(p + a->len, ptr, n);
    a->data = p;
    a->len += n;
    a->data[a->len] = '\0';

    return n;
}


void
ucb_provider_fail(ucb_provider_error_t *err, int status, const char *code,
    const char *message, int retry)
{
    memset(err, 0, sizeof(*err));
    err->status = status;
    err->code = code;
    err->message = message;
    err->retry_after = retry;
}


/* any_status: the body of any status the provider answered with, which
   is *any_status; NULL: of a 200 only */
static int
call(const char *url, const char *form, const char *const *headers,
    char **body, size_t *len, long *any_status, ucb_provider_error_t *err)
{
    CURL               *h;
    long                status, left;
    CURLcode            rc;
    answer_t            a;
    struct curl_slist  *list, *more;

    list = NULL;

    for (; headers != NULL && *headers != NULL; headers++) {
        more = curl_slist_append(list, *headers);
        if (more == NULL) {
            curl_slist_free_all(list);
            ucb_provider_fail(err, 503, "provider_busy",
                              "out of memory; try again shortly", 1);
            return -1;
        }
        list = more;
    }

    *body = NULL;
    *len = 0;

    left = deadline > 0 ? (long) (deadline - now_ms()) : ucb_social.timeout_ms;

    if (left <= 0) {
        curl_slist_free_all(list);
        ucb_provider_fail(err, 504, "provider_timeout",
                          "the provider did not answer in time; try again", 1);
        return -1;
    }

    h = take(left < ucb_social.wait_ms ? left : ucb_social.wait_ms);

    if (h == NULL) {
        curl_slist_free_all(list);
        ucb_provider_fail(err, 503, "provider_busy",
                          "too many sign-ins through providers at once; try "
                          "again shortly", 1);
        return -1;
    }

    /* the handle keeps its connections and DNS cache; options are reset */
    curl_easy_reset(h);
    memset(&a, 0, sizeof(a));

    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* the time spent waiting for the handle counts */
    left = deadline > 0 ? (long) (deadline - now_ms()) : ucb_social.timeout_ms;
    left = left > 0 ? left : 1;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     left < ucb_social.connect_timeout_ms
                     ? left : ucb_social.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "usercenter");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");

    if (form != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
    }

    if (list != NULL) {
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    }

    rc = curl_easy_perform(h);
    status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);

    give_back(h);
    curl_slist_free_all(list);

    if (rc == CURLE_OK && (status == 200 || (any_status != NULL
                                             && a.data != NULL)))
    {
        if (any_status != NULL) {
            *any_status = status;
        }

        if (a.data == NULL) {
            ucb_provider_fail(err, 502, "provider_error",
                              "the provider's answer was empty", 0);
            return -1;
        }

        *body = a.data;
        *len = a.len;
        return 0;
    }

    free(a.data);

    if (rc == CURLE_OK && status >= 500) {
        /* its own trouble or its load balancer's (an empty 502 or 503),
           which passes as a refused connection does */
        ucb_provider_fail(err, 503, "provider_unavailable",
                          "the provider cannot answer now; try again "
                          "shortly", 5);

    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        ucb_provider_fail(err, 504, "provider_timeout",
                          "the provider did not answer in time; try again", 1);

    } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
               || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR
               || rc == CURLE_GOT_NOTHING || rc == CURLE_SSL_CONNECT_ERROR)
    {
        ucb_provider_fail(err, 503, "provider_unavailable",
                          "the provider cannot be reached; try again "
                          "shortly", 5);
        err->may_have_run = rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR
                            || rc == CURLE_GOT_NOTHING;

    } else if (a.too_large) {
        ucb_provider_fail(err, 502, "provider_error",
                          "the provider's answer was too large", 0);
        err->may_have_run = 1;

    } else {
        ucb_provider_fail(err, 502, "provider_error",
                          "the provider answered with an error", 0);
    }

    err->errcode = rc != CURLE_OK ? (long) rc : status;

    return -1;
}


int
ucb_provider_get(const char *url, char **body, size_t *len,
    ucb_provider_error_t *err)
{
    return call(url, NULL, NULL, body, len, NULL, err);
}


int
ucb_provider_post_form(const char *url, const char *form, char **body,
    size_t *len, ucb_provider_error_t *err)
{
    return call(url, form, NULL, body, len, NULL, err);
}


int
ucb_provider_post_form_any(const char *url, const char *form, char **body,
    size_t *len, long *status, ucb_provider_error_t *err)
{
    return call(url, form, NULL, body, len, status, err);
}


int
ucb_provider_post_json(const char *url, const char *const *headers,
    const char *json, char **body, size_t *len, long *status,
    ucb_provider_error_t *err)
{
    return call(url, json, headers, body, len, status, err);
}


int
ucb_url_append(char *dst, size_t size, size_t *n, const char *value)
{
    static const char  hex[] = "0123456789ABCDEF";
    unsigned char      c;

    for (; *value != '\0'; value++) {
        c = (unsigned char) *value;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            if (*n + 1 >= size) {
                return -1;
            }

            dst[(*n)++] = (char) c;
            continue;
        }

        if (*n + 3 >= size) {
            return -1;
        }

        dst[(*n)++] = '%';
        dst[(*n)++] = hex[c >> 4];
        dst[(*n)++] = hex[c & 15];
    }

    dst[*n] = '\0';

    return 0;
}

