/*
 * uc-standin: the server and its helpers (standin.h says what it is).
 * Its codes, tokens and nonces are standin_tables.c; WeChat's side is
 * standin_wechat.c, Alipay's standin_alipay.c, Alibaba Cloud's
 * standin_aliyun.c, Tencent Cloud's standin_tencent.c.
 *
 *   uc-standin --listen 127.0.0.1:PORT --seed FILE
 *       [--wechat-app APPID:SECRET]... [--alipay-app-id ID
 *        --alipay-key PEM --app-public PEM] [--aliyun-key ID:SECRET]
 *       [--tencent-key SECRETID:SECRETKEY] [--slow-ms N]
 */

#define _GNU_SOURCE            /* asprintf */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "standin.h"


si_conf_t  si;


/* ------------------------------------------------------------ helpers */

int
si_name_valid(const char *name)
{
    size_t  n;

    n = name != NULL ? strlen(name) : 0;

    return n > 0 && n <= SI_NAME_MAX
           && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}


int
si_has_prefix(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}


void
si_sleep_if_slow(const char *user)
{
    if (si_has_prefix(user, "slow-")) {
        usleep((useconds_t) si.slow_ms * 1000);
    }
}


void
si_derive(char *dst, size_t n, const char *alphabet, const char *label,
    const char *a, const char *b)
{
    size_t         i, k;
    unsigned int   len, block;
    unsigned char  md[EVP_MAX_MD_SIZE];
    char           msg[256];

    k = strlen(alphabet);
    len = 0;

    for (i = 0, block = 0; i < n; i++) {
        if (i % 16 == 0) {
            snprintf(msg, sizeof(msg), "%s|%s|%s|%u", label, a, b, block++);
            HMAC(EVP_sha256(), si.seed, sizeof(si.seed),
                 (unsigned char *) msg, strlen(msg), md, &len);
        }

        /* two bytes a character: no visible bias for small alphabets */
        dst[i] = alphabet[(md[2 * (i % 16)] << 8 | md[2 * (i % 16) + 1]) % k];
    }

    dst[n] = '\0';
}


const si_app_t *
si_wechat_app(const char *appid)
{
    int  i;

    for (i = 0; appid != NULL && i < si.nwechat; i++) {
        if (strcmp(si.wechat[i].appid, appid) == 0) {
            return &si.wechat[i];
        }
    }

    return NULL;
}


const char *
si_param(si_req_t *r, const char *name)
{
    int  i;

    for (i = 0; i < r->nparams; i++) {
        if (strcmp(r->params[i].name, name) == 0) {
            return r->params[i].value;
        }
    }

    return NULL;
}


void
si_request_id(char rid[37], int upper)
{
    int            i;
    unsigned char  raw[16];

    RAND_bytes(raw, sizeof(raw));
    for (i = 0; i < 16; i++) {
        snprintf(rid + 2 * i + (i >= 4) + (i >= 6) + (i >= 8) + (i >= 10), 3,
                 upper ? "%02X" : "%02x", raw[i]);
    }
    rid[8] = rid[13] = rid[18] = rid[23] = '-';
    rid[36] = '\0';
}


const char *
si_header(si_req_t *r, const char *name)
{
    return r->conn != NULL
           ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name)
           : NULL;
}


void
si_text(si_answer_t *a, int status, const char *type, const char *fmt, ...)
{
    int      n;
    va_list  ap;

    va_start(ap, fmt);
    n = vasprintf(&a->body, fmt, ap);
    va_end(ap);

    a->status = status;
    a->type = type;
    a->len = n > 0 ? (size_t) n : 0;

    if (n < 0) {
        a->body = NULL;
        a->status = 500;
    }
}


void
si_redirect(si_answer_t *a, const char *base, const char *query)
{
    if (asprintf(&a->location, "%s%s%s", base,
                 strchr(base, '?') != NULL ? "&" : "?", query) < 0)
    {
        a->location = NULL;
        si_text(a, 500, "text/plain", "out of memory");
        return;
    }

    a->status = 302;
}


char *
si_urlenc(const char *s)
{
    static const char  hex[] = "0123456789ABCDEF";
    char              *d, *out;
    unsigned char      c;

    out = malloc(3 * strlen(s) + 1);
    if (out == NULL) {
        return NULL;
    }

    for (d = out; *s != '\0'; s++) {
        c = (unsigned char) *s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~')
        {
            *d++ = (char) c;
        } else {
            *d++ = '%';
            *d++ = hex[c >> 4];
            *d++ = hex[c & 15];
        }
    }

    *d = '\0';

    return out;
}


/* ------------------------------------------------------------ server */

typedef struct {
    char           *body;
    size_t          len;
    int             too_large;
} upload_t;


static int
unhex(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}


/* decodes a form value in place (%XX, + as space) */
static void
form_decode(char *s)
{
    char  *d;
    int    h, l;

    for (d = s; *s != '\0'; s++) {
        if (*s == '+') {
            *d++ = ' ';

        } else if (*s == '%' && (h = unhex(s[1])) >= 0
                   && (l = unhex(s[2])) >= 0)
        {
            *d++ = (char) (h << 4 | l);
            s += 2;

        } else {
            *d++ = *s;
        }
    }

    *d = '\0';
}


static void
form_parse(si_req_t *r, char *body)
{
    char  *pair, *save, *eq;

    for (pair = strtok_r(body, "&", &save); pair != NULL;
         pair = strtok_r(NULL, "&", &save))
    {
        if (r->nparams == 64) {
            return;
        }

        eq = strchr(pair, '=');
        if (eq == NULL) {
            continue;
        }

        *eq = '\0';
        form_decode(pair);
        form_decode(eq + 1);
        r->params[r->nparams].name = strdup(pair);
        r->params[r->nparams].value = strdup(eq + 1);
        r->nparams++;
    }
}


static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
    si_req_t  *r = cls;

    if (r->nparams < 64 && key != NULL) {
        r->params[r->nparams].name = strdup(key);
        r->params[r->nparams].value = strdup(value != NULL ? value : "");
        r->nparams++;
    }

    return MHD_YES;
}


/*
 * POST /_standin/code?provider=&appid=&user=[&ttl=][&count=N]: codes as an
 * app's SDK would get them, one per line; with count, for users
 * <user>-0 .. <user>-(N-1) (the benchmark's).
 */
static void
control(si_req_t *r, si_answer_t *a)
{
    char         code[SI_CODE_LEN + 1], who[SI_NAME_MAX + 16], *out;
    long         ttl, count, i;
    size_t       n;
    const char  *provider, *appid, *user, *t, *c;

    provider = si_param(r, "provider");
    appid = si_param(r, "appid");
    user = si_param(r, "user");
    t = si_param(r, "ttl");
    c = si_param(r, "count");
    ttl = t != NULL ? strtol(t, NULL, 10) : -1;
    count = c != NULL ? strtol(c, NULL, 10) : 0;

    if (provider == NULL || appid == NULL || !si_name_valid(user)
        || strlen(user) > SI_NAME_MAX - 8 || count < 0 || count > 200000)
    {
        si_text(a, 400, "text/plain", "provider, appid and user, please\n");
        return;
    }

    if (!((strcmp(provider, "wechat") == 0 && si_wechat_app(appid) != NULL)
          || (strcmp(provider, "alipay") == 0
              && strcmp(appid, si.alipay_app_id) == 0)))
    {
        si_text(a, 404, "text/plain", "no such app\n");
        return;
    }

    if (ttl < 0) {
        ttl = provider[0] == 'w' ? 600 : 180;
    }

    if (count == 0) {
        si_code_mint(provider[0] == 'w' ? 'w' : 'a', appid, user, ttl, code);
        si_text(a, 200, "text/plain", "%s", code);
        return;
    }

    out = malloc((size_t) count * (SI_CODE_LEN + 1) + 1);
    if (out == NULL) {
        si_text(a, 500, "text/plain", "out of memory\n");
        return;
    }

    for (i = 0, n = 0; i < count; i++) {
        snprintf(who, sizeof(who), "%s-%ld", user, i);
        if (si_code_mint(provider[0] == 'w' ? 'w' : 'a', appid, who, ttl,
                         code) != 0)
        {
            break;
        }
        memcpy(out + n, code, SI_CODE_LEN);
        n += SI_CODE_LEN;
        out[n++] = '\n';
    }

    a->status = 200;
    a->type = "text/plain";
    a->body = out;
    a->len = n;
}


static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    int                    i;
    enum MHD_Result        rc;
    upload_t              *up;
    si_req_t               r;
    si_answer_t            a;
    struct MHD_Response   *resp;

    up = *con_cls;

    if (up == NULL) {
        up = calloc(1, sizeof(upload_t));
        *con_cls = up;
        return up != NULL ? MHD_YES : MHD_NO;
    }

    if (*upload_data_size > 0) {
        if (up->len + *upload_data_size > 64 * 1024) {
            up->too_large = 1;

        } else {
            char *p = realloc(up->body, up->len + *upload_data_size + 1);

            if (p == NULL) {
                up->too_large = 1;
            } else {
                up->body = p;
                memcpy(p + up->len, upload_data, *upload_data_size);
                up->len += *upload_data_size;
                p[up->len] = '\0';
            }
        }

        *upload_data_size = 0;
        return MHD_YES;
    }

    memset(&r, 0, sizeof(r));
    memset(&a, 0, sizeof(a));
    r.method = method;
    r.path = url;
    r.conn = conn;
    r.body = up->body;
    r.body_len = up->len;

    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &r);
    r.query_count = r.nparams;

    if (up->body != NULL) {
        form_parse(&r, up->body);
    }

    if (up->too_large) {
        si_text(&a, 413, "text/plain", "too large\n");

    } else if (strcmp(url, "/_standin/code") == 0
               && strcmp(method, "POST") == 0)
    {
        control(&r, &a);

    } else if (strncmp(url, "/connect/", 9) == 0
               || strncmp(url, "/sns/", 5) == 0)
    {
        si_wechat(&r, &a);

    } else if (strcmp(url, "/gateway.do") == 0
               || strcmp(url, "/oauth2/publicAppAuthorize.htm") == 0)
    {
        si_alipay(&r, &a);

    } else if (strcmp(url, "/") == 0 && si_header(&r, "X-TC-Action") != NULL)
    {
        si_tencent(&r, &a);

    } else if (strcmp(url, "/") == 0) {
        si_aliyun(&r, &a);

    } else if (strcmp(url, "/_standin/calls") == 0) {
        si_text(&a, 200, "text/plain", "%ld\n", si_aliyun_billed());

    } else if (strcmp(url, "/health") == 0) {
        si_text(&a, 200, "text/plain", "ok\n");

    } else {
        si_text(&a, 404, "text/plain", "not found\n");
    }

    for (i = 0; i < r.nparams; i++) {
        free(r.params[i].name);
        free(r.params[i].value);
    }

    if (a.drop) {
        free(a.body);
        free(a.location);
        return MHD_NO;
    }

    resp = MHD_create_response_from_buffer(a.len,
                                           a.body != NULL ? a.body : "",
                                           a.body != NULL
                                           ? MHD_RESPMEM_MUST_FREE
                                           : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        free(a.body);
        free(a.location);
        return MHD_NO;
    }

    if (a.type != NULL) {
        MHD_add_response_header(resp, "Content-Type", a.type);
    }

    if (a.location != NULL) {
        MHD_add_response_header(resp, "Location", a.location);
        free(a.location);
    }

    rc = MHD_queue_response(conn, (unsigned int) a.status, resp);
    MHD_destroy_response(resp);

    return rc;
}


static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
    upload_t  *up = *con_cls;

    if (up != NULL) {
        free(up->body);
        free(up);
        *con_cls = NULL;
    }
}


static EVP_PKEY *
load_key(const char *path, int private)
{
    FILE      *f;
    EVP_PKEY  *k;

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "uc-standin: %s: %s\n", path, strerror(errno));
        exit(1);
    }

    k = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);

    if (k == NULL) {
        fprintf(stderr, "uc-standin: %s: not a PEM key\n", path);
        exit(1);
    }

    return k;
}


static void
usage(void)
{
    fprintf(stderr, "usage: uc-standin --listen HOST:PORT --seed FILE "
            "[--wechat-app APPID:SECRET]... [--alipay-app-id ID "
            "--alipay-key PEM --app-public PEM] [--aliyun-key ID:SECRET]\n"
            "       [--tencent-key SECRETID:SECRETKEY] [--slow-ms N]\n");
    exit(2);
}


/* a cloud's "ID:SECRET" into its two parts */
static void
key_pair(const char *arg, char *id, size_t id_size, char *secret,
    size_t secret_size)
{
    const char  *colon;

    colon = strchr(arg, ':');
    if (colon == NULL || (size_t) (colon - arg) >= id_size
        || strlen(colon + 1) >= secret_size)
    {
        usage();
    }

    snprintf(id, id_size, "%.*s", (int) (colon - arg), arg);
    snprintf(secret, secret_size, "%s", colon + 1);
}


int
main(int argc, char **argv)
{
    int                  i, port, sig;
    FILE                *f;
    char                *colon;
    sigset_t             set;
    EVP_PKEY_CTX        *kctx;
    struct sockaddr_in   sin;
    struct MHD_Daemon   *d;

    memset(&sin, 0, sizeof(sin));
    si.slow_ms = 3000;
    port = 0;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--listen") == 0) {
            colon = strrchr(argv[i + 1], ':');
            if (colon == NULL) {
                usage();
            }
            *colon = '\0';
            port = atoi(colon + 1);
            sin.sin_family = AF_INET;
            sin.sin_port = htons((uint16_t) port);
            if (inet_pton(AF_INET, argv[i + 1], &sin.sin_addr) != 1) {
                usage();
            }

        } else if (strcmp(argv[i], "--seed") == 0) {
            f = fopen(argv[i + 1], "r");
            if (f == NULL || fread(si.seed, 1, sizeof(si.seed), f) == 0) {
                fprintf(stderr, "uc-standin: cannot read the seed\n");
                return 1;
            }
            fclose(f);

        } else if (strcmp(argv[i], "--wechat-app") == 0
                   && si.nwechat < SI_APPS_MAX)
        {
            colon = strchr(argv[i + 1], ':');
            if (colon == NULL) {
                usage();
            }
            *colon = '\0';
            snprintf(si.wechat[si.nwechat].appid, 65, "%s", argv[i + 1]);
            snprintf(si.wechat[si.nwechat].secret, 129, "%s", colon + 1);
            si.nwechat++;

        } else if (strcmp(argv[i], "--alipay-app-id") == 0) {
            snprintf(si.alipay_app_id, sizeof(si.alipay_app_id), "%s",
                     argv[i + 1]);

        } else if (strcmp(argv[i], "--alipay-key") == 0) {
            si.alipay_key = load_key(argv[i + 1], 1);

        } else if (strcmp(argv[i], "--app-public") == 0) {
            si.app_public = load_key(argv[i + 1], 0);

        } else if (strcmp(argv[i], "--aliyun-key") == 0) {
            key_pair(argv[i + 1], si.aliyun_id, sizeof(si.aliyun_id),
                     si.aliyun_secret, sizeof(si.aliyun_secret));

        } else if (strcmp(argv[i], "--tencent-key") == 0) {
            key_pair(argv[i + 1], si.tencent_id, sizeof(si.tencent_id),
                     si.tencent_secret, sizeof(si.tencent_secret));

        } else if (strcmp(argv[i], "--slow-ms") == 0) {
            si.slow_ms = atol(argv[i + 1]);

        } else {
            usage();
        }
    }

    if (port == 0 || i != argc) {
        usage();
    }

    /* the wrong key of badsig-*: made fresh, known to no one */
    kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
    if (kctx == NULL || EVP_PKEY_keygen_init(kctx) <= 0
        || EVP_PKEY_CTX_set_rsa_keygen_bits(kctx, 2048) <= 0
        || EVP_PKEY_keygen(kctx, &si.other_key) <= 0)
    {
        fprintf(stderr, "uc-standin: cannot make a key\n");
        return 1;
    }
    EVP_PKEY_CTX_free(kctx);

    if (si_tables_init() != 0) {
        return 1;
    }

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* a thread per connection: a slow-* answer holds only its own */
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD
                         | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL
                         | MHD_USE_ERROR_LOG,
                         (uint16_t) port, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, &sin,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) 60,
                         MHD_OPTION_END);

    if (d == NULL) {
        fprintf(stderr, "uc-standin: cannot listen on port %d\n", port);
        return 1;
    }

    sigwait(&set, &sig);
    MHD_stop_daemon(d);

    return 0;
}
