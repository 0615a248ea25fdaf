/*
 * uc-backend: HTTP on libmicrohttpd. Bodies are collected up to max_body
 * (413 beyond), must be JSON objects (415 for another content type, 400
 * for malformed JSON), and routed through one table. Identity headers are
 * believed only when the request carries the gateway's shared secret,
 * compared in constant time.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "ucb.h"
#include "uc_ident.h"
#include "social.h"
#include "certification.h"
#include "ocr.h"
#include "image.h"


typedef struct {
    const char     *method;
    const char     *pattern;      /* "{}" matches one path segment */
    ucb_handler_pt  handler;
    int             auth;         /* 1: needs a session, 2: needs an admin,
                                     3: a business line's server (its key) */
} ucb_route_t;


static const ucb_route_t  routes[] = {
    { "GET",    "/uc/v1/health",                   ucb_h_health, 0 },
    { "POST",   "/uc/v1/codes",                    ucb_h_codes, 0 },
    { "POST",   "/uc/v1/register",                 ucb_h_register, 0 },
    { "POST",   "/uc/v1/login",                    ucb_h_login, 0 },
    { "POST",   "/uc/v1/login/code",               ucb_h_login_code, 0 },
    { "POST",   "/uc/v1/password/reset",           ucb_h_password_reset, 0 },
    { "POST",   "/uc/v1/logout",                   ucb_h_logout, 1 },
    { "POST",   "/uc/v1/logout/all",               ucb_h_logout_all, 1 },
    { "GET",    "/uc/v1/sessions",                 ucb_h_sessions, 1 },
    { "DELETE", "/uc/v1/sessions/{}",              ucb_h_session_delete, 1 },
    { "POST",   "/uc/v1/password",                 ucb_h_password_change, 1 },
    { "GET",    "/uc/v1/me/profile",               ucb_h_profile_get, 1 },
    { "PATCH",  "/uc/v1/me/profile",               ucb_h_profile_update, 1 },
    { "DELETE", "/uc/v1/me",                       ucb_h_deactivate, 1 },
    { "GET",    "/uc/v1/admin/stats",              ucb_h_admin_stats, 2 },
    { "POST",   "/uc/v1/admin/serials/{}",         ucb_h_admin_serial, 2 },
    { "GET",    "/uc/v1/admin/guard",              ucb_h_admin_guard_get, 2 },
    { "POST",   "/uc/v1/admin/guard/{}",           ucb_h_admin_guard_add, 2 },
    { "POST",   "/uc/v1/admin/guard/{}/remove",    ucb_h_admin_guard_remove,
      2 },
    { "POST",   "/uc/v1/admin/users/{}/freeze",    ucb_h_admin_freeze, 2 },
    { "POST",   "/uc/v1/admin/users/{}/unfreeze",  ucb_h_admin_unfreeze, 2 },
    { "GET",    "/uc/v1/admin/lines",              ucb_h_admin_lines, 2 },
    { "GET",    "/uc/v1/admin/lines/{}",           ucb_h_admin_line_get, 2 },
    { "PUT",    "/uc/v1/admin/lines/{}",           ucb_h_admin_line_put, 2 },
    { "POST",   "/uc/v1/admin/lines/{}/suspend",   ucb_h_admin_line_suspend,
      2 },
    { "POST",   "/uc/v1/admin/lines/{}/resume",    ucb_h_admin_line_resume,
      2 },
    { "GET",    "/uc/v1/admin/audit",              ucb_h_admin_audit, 2 },
    { "GET",    "/uc/v1/admin/lines/{}/members",   ucb_h_admin_line_members,
      2 },
    { "GET",    "/uc/v1/me/lines",                 ucb_h_me_lines, 1 },
    { "GET",    "/uc/v1/admin/lines/{}/keys",      ucb_h_admin_keys, 2 },
    { "POST",   "/uc/v1/admin/lines/{}/keys",      ucb_h_admin_key_create,
      2 },
    { "POST",   "/uc/v1/admin/lines/{}/keys/{}/revoke",
      ucb_h_admin_key_revoke, 2 },
    { "GET",    "/uc/v1/service/users/{}",         ucb_h_service_user, 3 },
    { "GET",    "/uc/v1/service/users",            ucb_h_service_users, 3 },
    { "POST",   "/uc/v1/service/users/batch",      ucb_h_service_users_batch,
      3 },
    { "POST",   "/uc/v1/merchants",                ucb_h_merchant_create, 1 },
    { "GET",    "/uc/v1/merchants/{}",             ucb_h_merchant_get, 0 },
    { "PATCH",  "/uc/v1/merchants/{}",             ucb_h_merchant_update, 1 },
    { "GET",    "/uc/v1/merchants/{}/members",     ucb_h_merchant_members, 1 },
    { "PUT",    "/uc/v1/merchants/{}/members/{}",  ucb_h_merchant_member_put,
      1 },
    { "DELETE", "/uc/v1/merchants/{}/members/{}",
      ucb_h_merchant_member_delete, 1 },
    { "POST",   "/uc/v1/merchants/{}/invitations", ucb_h_merchant_invite, 1 },
    { "GET",    "/uc/v1/merchants/{}/invitations",
      ucb_h_merchant_invitations, 1 },
    { "DELETE", "/uc/v1/merchants/{}/invitations/{}",
      ucb_h_merchant_invitation_cancel, 1 },
    { "GET",    "/uc/v1/me/merchants",             ucb_h_me_merchants, 1 },
    { "GET",    "/uc/v1/me/merchants/{}",          ucb_h_me_merchant, 1 },
    { "GET",    "/uc/v1/me/invitations",           ucb_h_me_invitations, 1 },
    { "POST",   "/uc/v1/invitations/{}/accept",    ucb_h_invitation_accept,
      1 },
    { "POST",   "/uc/v1/session/merchant",         ucb_h_session_merchant, 1 },
    { "GET",    "/uc/v1/admin/merchants",          ucb_h_admin_merchants, 2 },
    { "GET",    "/uc/v1/admin/invitations/{}",     ucb_h_admin_invitation, 2 },
    { "GET",    "/uc/v1/admin/merchants/{}",       ucb_h_admin_merchant_get,
      2 },
    { "POST",   "/uc/v1/admin/merchants/{}/status",
      ucb_h_admin_merchant_status, 2 },
    { "PUT",    "/uc/v1/admin/merchants/{}/lines/{}",
      ucb_h_admin_merchant_line_put, 2 },
    { "DELETE", "/uc/v1/admin/merchants/{}/lines/{}",
      ucb_h_admin_merchant_line_delete, 2 },
    { "GET",    "/uc/v1/login/{}",                 ucb_h_login_social, 0 },
    { "GET",    "/uc/v1/login/{}/callback",        ucb_h_login_social_callback,
      0 },
    { "POST",   "/uc/v1/login/wechat/app",         ucb_h_login_wechat_app, 0 },
    { "POST",   "/uc/v1/login/wechat/mini",        ucb_h_login_wechat_mini, 0 },
    { "POST",   "/uc/v1/login/alipay/app",         ucb_h_login_alipay_app, 0 },
    { "POST",   "/uc/v1/login/complete",           ucb_h_login_complete, 0 },
    { "GET",    "/uc/v1/me/identities",            ucb_h_me_identities, 1 },
    { "DELETE", "/uc/v1/me/identities/{}",         ucb_h_me_identity_delete,
      1 },
    { "POST",   "/uc/v1/certification/person",     ucb_h_cert_person, 1 },
    { "GET",    "/uc/v1/certification/person",     ucb_h_cert_person_get, 1 },
    { "POST",   "/uc/v1/merchants/{}/certification",
      ucb_h_merchant_cert_request, 1 },
    { "GET",    "/uc/v1/merchants/{}/certification",
      ucb_h_merchant_cert_get, 1 },
    { "GET",    "/uc/v1/admin/certifications",     ucb_h_admin_merchant_certs,
      2 },
    { "POST",   "/uc/v1/admin/users/{}/certification/revoke",
      ucb_h_admin_cert_revoke, 2 },
    { "POST",   "/uc/v1/admin/certification/attempts/clear",
      ucb_h_admin_cert_attempts_clear, 2 },
    { "POST",   "/uc/v1/admin/merchants/{}/certification/revoke",
      ucb_h_admin_merchant_cert_revoke, 2 },
    { "PUT",    "/uc/v1/merchants/{}/certification/{}/licence",
      ucb_h_merchant_cert_licence_put, 1 },
    { "GET",    "/uc/v1/admin/certifications/{}/licence",
      ucb_h_admin_cert_licence_get, 2 },
    { "POST",   "/uc/v1/admin/certifications/{}/{}",
      ucb_h_admin_merchant_cert_decide, 2 },
    { "POST",   "/uc/v1/ocr/id-card",              ucb_h_ocr_id_card, 1 },
    { "POST",   "/uc/v1/ocr/business-licence",     ucb_h_ocr_licence, 1 },
    { "GET",    "/uc/v1/admin/ocr",                ucb_h_admin_ocr, 2 },
    { "GET",    "/uc/v1/flags",                    ucb_h_flags, 0 },
    { "GET",    "/uc/v1/admin/flags/{}",           ucb_h_admin_flags_get, 2 },
    { "PUT",    "/uc/v1/admin/flags/{}/{}",        ucb_h_admin_flag_put, 2 },
    { "DELETE", "/uc/v1/admin/flags/{}/{}",        ucb_h_admin_flag_delete,
      2 },
    { "GET",    "/uc/v1/dict/{}",                  ucb_h_dict_get, 0 },
    { "GET",    "/uc/v1/admin/dicts",              ucb_h_admin_dicts_get, 2 },
    { "PUT",    "/uc/v1/admin/dicts/{}",           ucb_h_admin_dict_put, 2 },
    { "PUT",    "/uc/v1/admin/dicts/{}/items/{}",  ucb_h_admin_dict_item_put,
      2 },
    { "DELETE", "/uc/v1/admin/dicts/{}/items/{}",
      ucb_h_admin_dict_item_delete, 2 },
};

#define NROUTES  (sizeof(routes) / sizeof(routes[0]))


typedef struct {
    char           *body;
    size_t          len;
    size_t          cap;          /* bytes allocated at body */
    size_t          limit;        /* max_body, or an image's limit */
    size_t          reserved;     /* of the images' memory budget */
    int             image;        /* the path takes an image */
    int             too_large;
    int             busy;         /* 1: the images' budget or slots are
                                     spent, 2: the upload was too slow */
    int             entered;      /* holds one of the images' slots */
    long long       started;      /* ms, monotonic */
} ucb_upload_t;


static struct MHD_Daemon  *daemon_;

/*
 * What shutdown waits for: requests begun and not completed, and new
 * connections whose first request has not completed (it may be only
 * partly received). Idle keep-alive connections are not waited for.
 */
static long                inflight;
static long                fresh;

typedef struct {
    int             fresh;
} ucb_conn_t;


/* ------------------------------------------------------------ answers */

void
ucb_error(ucb_req_t *req, int status, const char *code, const char *message)
{
    json_decref(req->reply);
    req->status = status;
    req->reply = json_pack("{s:{s:s, s:s}}", "error", "code", code,
                           "message", message);
}


void
ucb_reply(ucb_req_t *req, int status, json_t *body)
{
    json_decref(req->reply);
    req->status = status;
    req->reply = body;
}


void
ucb_reply_bytes(ucb_req_t *req, int status, unsigned char *bytes,
    size_t len, const char *type)
{
    json_decref(req->reply);
    req->reply = NULL;
    free(req->bytes);
    req->status = status;
    req->bytes = bytes;
    req->bytes_len = len;
    req->bytes_type = type;
}


/* A query argument of digits only, 1 to max; def when absent; -1: bad. */
int64_t
ucb_query_number(ucb_req_t *req, const char *name, int64_t def, int64_t max)
{
    size_t       len;
    int64_t      v;
    const char  *s;

    s = ucb_query(req, name);

    if (s == NULL) {
        return def;
    }

    len = strlen(s);

    if (len == 0 || len > 18 || strspn(s, "0123456789") != len) {
        return -1;
    }

    v = strtoll(s, NULL, 10);

    return v >= 1 && v <= max ? v : -1;
}


int
ucb_body_string(ucb_req_t *req, const char *name, size_t max, int required,
    const char **out)
{
    char     msg[160];
    json_t  *v;

    *out = NULL;
    v = req->body != NULL ? json_object_get(req->body, name) : NULL;

    if (v == NULL || json_is_null(v)) {
        if (required) {
            snprintf(msg, sizeof(msg), "\"%s\" is required", name);
            ucb_error(req, 400, "validation_failed", msg);
            return -1;
        }

        return 0;
    }

    if (!json_is_string(v) || json_string_length(v) > max
        || strlen(json_string_value(v)) != json_string_length(v))
    {
        snprintf(msg, sizeof(msg), "\"%s\" must be a string of at most %zu "
                 "bytes", name, max);
        ucb_error(req, 400, "validation_failed", msg);
        return -1;
    }

    *out = json_string_value(v);

    return 0;
}


/* ------------------------------------------------------------ routing */

static int
match(const char *pattern, const char *path, const char **params,
    char *buf, size_t buflen)
{
    int          n;
    size_t       len, used;
    const char  *seg;

    n = 0;
    used = 0;

    while (*pattern != '\0') {
        if (pattern[0] == '{' && pattern[1] == '}') {
            seg = path;

            while (*path != '\0' && *path != '/') {
                path++;
            }

            len = (size_t) (path - seg);

            if (len == 0 || len > 64 || used + len + 1 > buflen || n == 2) {
                return 0;
            }

            memcpy(buf + used, seg, len);
            buf[used + len] = '\0';
            params[n++] = buf + used;
            used += len + 1;
            pattern += 2;
            continue;
        }

        if (*pattern != *path) {
            return 0;
        }

        pattern++;
        path++;
    }

    return *path == '\0';
}


static int
gateway_trusted(struct MHD_Connection *conn)
{
    size_t       a, b;
    const char  *given;

    given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                        "X-UC-Gateway-Secret");

    if (given == NULL || ucb_conf.gateway_secret[0] == '\0') {
        return 0;
    }

    a = strlen(given);
    b = strlen(ucb_conf.gateway_secret);

    return a == b && CRYPTO_memcmp(given, ucb_conf.gateway_secret, a) == 0;
}


static void
read_identity(ucb_req_t *req, struct MHD_Connection *conn)
{
    const char  *uid, *sid, *level, *line;

    if (!gateway_trusted(conn)) {
        return;
    }

    /* the line of the location, anonymous or not (a login for it) */
    line = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                       "X-UC-Business-Line");

    if (line != NULL && uc_line_valid(line, strlen(line))) {
        snprintf(req->line, sizeof(req->line), "%s", line);
    }

    /* the gateway checked the key (usercenter_auth service) */
    line = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                       "X-UC-Service-Line");

    if (line != NULL && uc_line_valid(line, strlen(line))) {
        snprintf(req->service_line, sizeof(req->service_line), "%s", line);

        /* which key asked: every lookup of a line's server is in the log */
        line = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                           "X-UC-Service-Key-Id");

        if (line != NULL && strlen(line) == 16
            && strspn(line, "0123456789abcdef") == 16)
        {
            snprintf(req->service_key, sizeof(req->service_key), "%s",
                     line);
        }
    }

    uid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-UC-User-Id");
    sid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      "X-UC-Session-Id");
    level = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                        "X-UC-Auth-Level");

    if (uid == NULL || sid == NULL || level == NULL
        || strlen(uid) > UC_UID_MAX || strlen(sid) != UC_SID_LEN
        || strspn(uid, "0123456789") != strlen(uid) || uid[0] == '\0')
    {
        return;
    }

    snprintf(req->uid, sizeof(req->uid), "%s", uid);
    snprintf(req->sid, sizeof(req->sid), "%s", sid);
    req->level = atoi(level);
    req->authenticated = 1;
}


static int
is_admin(const char *uid)
{
    size_t       len;
    const char  *p, *comma;

    len = strlen(uid);

    for (p = ucb_conf.admin_users; *p != '\0'; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma == NULL) {
            comma = p + strlen(p);
        }

        if ((size_t) (comma - p) == len && memcmp(p, uid, len) == 0) {
            return 1;
        }

        if (*comma == '\0') {
            break;
        }
    }

    return 0;
}


static void
client_ip(ucb_req_t *req, struct MHD_Connection *conn)
{
    const char                *fwd;
    const union MHD_ConnectionInfo  *info;
    struct sockaddr_in        *sin;

    /* behind the gateway, the client is the gateway's X-Real-IP */
    fwd = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Real-IP");

    if (fwd != NULL && gateway_trusted(conn)) {
        snprintf(req->ip, sizeof(req->ip), "%s", fwd);
        return;
    }

    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != NULL && info->client_addr->sa_family == AF_INET) {
        sin = (struct sockaddr_in *) info->client_addr;
        inet_ntop(AF_INET, &sin->sin_addr, req->ip, sizeof(req->ip));
    }
}


/*
 * A body with another identifier field beside the endpoint's own, or an
 * identifier too long, is refused whole (uc_ident.h): the gateway's guard
 * scored exactly that one field.
 */
static int
ident_check(ucb_req_t *req)
{
    uc_ident_t  id;

    uc_ident_init(&id, req->ident_field);

    if (req->body != NULL) {
        uc_ident_json(&id, req->body);
    }

    if (id.rc == UC_IDENT_OK) {
        return 0;
    }

    ucb_error(req, 400, id.rc == UC_IDENT_CONFLICT ? "conflicting_identifiers"
                                                   : "identifier_too_long",
              uc_ident_strerror(id.rc));

    return -1;
}


static void
dispatch(ucb_req_t *req, struct MHD_Connection *conn, ucb_upload_t *up)
{
    size_t             i;
    const char        *ctype, *ua;
    json_error_t       jerr;
    const ucb_route_t *route, *path_match;

    route = NULL;
    path_match = NULL;

    for (i = 0; i < NROUTES; i++) {
        if (match(routes[i].pattern, req->path, req->params, req->param_buf,
                  sizeof(req->param_buf)))
        {
            path_match = &routes[i];

            if (strcmp(routes[i].method, req->method) == 0) {
                route = &routes[i];
                break;
            }
        }
    }

    if (route == NULL) {
        if (path_match != NULL) {
            ucb_error(req, 405, "method_not_allowed",
                      "this method is not allowed here");
        } else {
            ucb_error(req, 404, "not_found", "no such endpoint");
        }

        return;
    }

    /* an image route's body is the image (ocr_http.c), never JSON */
    if (up->image) {
        if (up->busy == 2) {
            ucb_error(req, 408, "upload_too_slow",
                      "the image arrived too slowly; send it again");
            return;
        }

        if (up->busy) {
            ucb_error(req, 503, "ocr_busy",
                      "recognition is busy; try again in a moment");
            req->retry_after = 2;
            return;
        }

        if (up->too_large) {
            ucb_error(req, 413, "image_too_large",
                      "the image is larger than 8 MB");
            return;
        }

        req->upload = (const unsigned char *) up->body;
        req->upload_len = up->len;
        req->upload_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                       "Content-Type");

    } else if (up->too_large) {
        ucb_error(req, 413, "body_too_large", "the request body is too large");
        return;
    }

    if (up->len > 0 && !up->image) {
        ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                            "Content-Type");

        if (ctype == NULL
            || strncasecmp(ctype, "application/json", 16) != 0)
        {
            ucb_error(req, 415, "unsupported_media_type",
                      "send the body as application/json");
            return;
        }

        if (!ucb_valid_utf8(up->body, up->len)) {
            ucb_error(req, 400, "malformed_json",
                      "the body is not valid UTF-8");
            return;
        }

        req->body = json_loadb(up->body, up->len, JSON_REJECT_DUPLICATES,
                               &jerr);

        if (req->body == NULL || !json_is_object(req->body)) {
            ucb_error(req, 400, "malformed_json",
                      "the body must be a JSON object");
            return;
        }
    }

    /* the one identifier the endpoint acts on, as the guard scored it */
    req->ident_field = uc_ident_field_of(route->pattern,
                                         strlen(route->pattern));

    if (req->ident_field != NULL && ident_check(req) != 0) {
        return;
    }

    read_identity(req, conn);
    client_ip(req, conn);

    ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    ucb_utf8_clean(req->user_agent, sizeof(req->user_agent),
                   ua != NULL ? ua : "", ua != NULL ? strlen(ua) : 0);

    if (route->auth == 3) {
        if (req->service_line[0] == '\0') {
            ucb_error(req, 401, "service_key_required",
                      "this is for business lines' servers, with a key");
            return;
        }

    } else if (route->auth && !req->authenticated) {
        ucb_error(req, 401, "login_required", "please log in");
        return;
    }

    if (route->auth == 2 && !is_admin(req->uid)) {
        ucb_error(req, 403, "admin_only", "this needs an administrator");
        return;
    }

    route->handler(req);
}


const char *
ucb_header(ucb_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}


const char *
ucb_query(ucb_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
                                       name);
}


const char *
ucb_cookie(ucb_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}


int
ucb_redirect(ucb_req_t *req, const char *url)
{
    free(req->location);
    req->location = strdup(url);

    if (req->location == NULL) {
        ucb_error(req, 500, "internal_error", "out of memory");
        return -1;
    }

    json_decref(req->reply);
    req->reply = NULL;
    req->status = 302;

    return 0;
}


int
ucb_etag_set(ucb_req_t *req, const char *name, int64_t version)
{
    int  n;

    n = snprintf(req->etag, sizeof(req->etag), "\"%s-%lld\"", name,
                 (long long) version);

    if (n < 0 || (size_t) n >= sizeof(req->etag)) {
        req->etag[0] = '\0';
        ucb_log(UCB_LOG_ERROR, "an ETag does not fit", "\"name\":\"%s\"",
                name);
        return -1;
    }

    return 0;
}


int
ucb_etag_matches(ucb_req_t *req)
{
    const char  *list;

    list = ucb_header(req, "If-None-Match");

    return list != NULL && req->etag[0] != '\0'
           && ucb_etag_list_has(list, req->etag);
}


static enum MHD_Result
respond(struct MHD_Connection *conn, ucb_req_t *req)
{
    char                  *text, retry[24];
    enum MHD_Result        rc;
    struct MHD_Response   *resp;

    if (req->reply == NULL && req->status == 0) {
        ucb_error(req, 500, "internal_error", "something went wrong");
    }

    /*
     * A failure because the store could not be reached is not the
     * server's fault nor the client's: it passes when the store is back.
     * Handlers answer store failures 500; this is where that becomes 503.
     */
    if (req->status == 500 && ucb_store_unreachable()) {
        ucb_error(req, 503, "store_unavailable",
                  "the store cannot be reached; try again shortly");
        req->retry_after = 1;
    }

    if (req->bytes != NULL && req->reply == NULL) {
        resp = MHD_create_response_from_buffer(req->bytes_len, req->bytes,
                                               MHD_RESPMEM_MUST_FREE);
        if (resp != NULL) {
            req->bytes = NULL;          /* MHD frees it */
            MHD_add_response_header(resp, "Content-Type", req->bytes_type);
        }

    } else if (req->raw != NULL && req->reply == NULL) {
        resp = MHD_create_response_from_buffer(strlen(req->raw),
                                               (void *) req->raw,
                                               MHD_RESPMEM_MUST_COPY);
        if (resp != NULL) {
            MHD_add_response_header(resp, "Content-Type",
                                    "application/json");
        }

    } else if (req->reply != NULL) {
        /* six significant digits: 0.93, not 0.93000000000000005 */
        text = json_dumps(req->reply, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (text == NULL) {
            return MHD_NO;
        }

        resp = MHD_create_response_from_buffer(strlen(text), text,
                                               MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "Content-Type", "application/json");

    } else {
        resp = MHD_create_response_from_buffer(0, (void *) "",
                                               MHD_RESPMEM_PERSISTENT);
    }

    if (resp == NULL) {
        return MHD_NO;
    }

    if (req->etag[0] != '\0') {
        /* may be kept, but asked again every time: 304 is cheap */
        MHD_add_response_header(resp, "ETag", req->etag);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");

    } else {
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    }

    if (req->set_cookie != NULL) {
        MHD_add_response_header(resp, "Set-Cookie", req->set_cookie);
    }

    if (req->set_cookie2 != NULL) {
        MHD_add_response_header(resp, "Set-Cookie", req->set_cookie2);
    }

    if (req->location != NULL && req->status == 302) {
        MHD_add_response_header(resp, "Location", req->location);
    }

    if (req->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%ld", req->retry_after);
        MHD_add_response_header(resp, "Retry-After", retry);
    }

    rc = MHD_queue_response(conn, (unsigned int) req->status, resp);
    MHD_destroy_response(resp);

    return rc;
}


/*
 * A body's limit by its path. Images (ocr.h) are held in memory only as
 * they arrive and within the images' budget, by a bounded number of
 * uploads at once, each for a bounded time: a client that says 8 MB and
 * sends a byte a minute holds neither memory nor more than its one slot.
 * A length over the limit is refused unread.
 */
static void
upload_start(ucb_upload_t *up, struct MHD_Connection *conn, const char *url)
{
    char                *end;
    const char          *cl;
    unsigned long long   n;

    up->limit = ucb_conf.max_body;

    if (!ucb_ocr_upload_path(url)) {
        return;
    }

    up->image = 1;
    up->limit = UCB_IMAGE_BYTES_MAX;
    up->started = ucb_monotonic_ms();

    cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                     "Content-Length");
    if (cl != NULL) {
        n = strtoull(cl, &end, 10);

        if (*end != '\0' || n > up->limit) {
            up->too_large = 1;
            return;
        }
    }

    if (ucb_ocr_upload_enter() != 0) {
        up->busy = 1;
        return;
    }

    up->entered = 1;
}


/*
 * An image upload refused while it arrives (too slow, too large, over the
 * budget) gives back its slot, its memory and its reservation at once:
 * the rest of its bytes are read and dropped, and a client trickling them
 * in holds nothing another upload needs.
 */
static void
upload_drop(ucb_upload_t *up)
{
    if (up->entered) {
        ucb_ocr_upload_leave();
        up->entered = 0;
    }

    if (up->reserved > 0) {
        ucb_ocr_upload_release(up->reserved);
        up->reserved = 0;
    }

    free(up->body);
    up->body = NULL;
    up->len = 0;
    up->cap = 0;
}


static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    enum MHD_Result  rc;
    ucb_req_t        req;
    ucb_upload_t    *up;

    up = *con_cls;

    if (up == NULL) {
        up = calloc(1, sizeof(ucb_upload_t));
        if (up == NULL) {
            return MHD_NO;
        }

        __atomic_add_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
        *con_cls = up;
        upload_start(up, conn, url);
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (up->busy || up->too_large) {
            *upload_data_size = 0;      /* refused: read and dropped */
            return MHD_YES;
        }

        if (up->len + *upload_data_size > up->limit) {
            up->too_large = 1;

        } else if (up->image
                   && ucb_monotonic_ms() - up->started > ucb_ocr.timeout_ms)
        {
            up->busy = 2;               /* too slow */
        }

        if (!up->busy && !up->too_large) {
            char    *p;
            size_t   need;

            /* room doubles (within the limit): a body is copied a few
               times as it grows, not once a chunk */
            need = up->len + *upload_data_size + 1;
            if (need > up->cap && need < 2 * up->cap) {
                need = 2 * up->cap < up->limit + 1 ? 2 * up->cap
                                                    : up->limit + 1;
            }

            /* an image's memory is reserved as it is allocated */
            if (need > up->cap && up->image && need > up->reserved
                && ucb_ocr_upload_reserve(need - up->reserved) != 0)
            {
                up->busy = 1;

            } else {
                if (need > up->cap && up->image && need > up->reserved) {
                    up->reserved = need;
                }

                p = need <= up->cap ? up->body : realloc(up->body, need);

                if (p == NULL) {
                    up->too_large = 1;

                } else {
                    up->body = p;
                    up->cap = need > up->cap ? need : up->cap;
                    memcpy(up->body + up->len, upload_data,
                           *upload_data_size);
                    up->len += *upload_data_size;
                    up->body[up->len] = '\0';
                }
            }
        }

        if (up->image && (up->busy || up->too_large)) {
            upload_drop(up);
        }

        *upload_data_size = 0;
        return MHD_YES;
    }

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path = url;
    req.conn = conn;

    ucb_store_clear_unreachable();
    dispatch(&req, conn, up);

    rc = respond(conn, &req);

    ucb_log(req.status >= 500 ? UCB_LOG_ERROR : UCB_LOG_INFO, "request",
            "\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
            "\"user\":\"%s\",\"ip\":\"%s\",\"service_key\":\"%s\"",
            method, url, req.status, req.uid, req.ip, req.service_key);

    json_decref(req.body);
    json_decref(req.reply);
    free(req.set_cookie);
    free(req.set_cookie2);
    free(req.raw);
    free(req.bytes);
    free(req.location);

    return rc;
}


static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
    ucb_conn_t                       *uc;
    ucb_upload_t                     *up = *con_cls;
    const union MHD_ConnectionInfo   *info;

    if (up != NULL) {
        if (up->reserved > 0) {
            ucb_ocr_upload_release(up->reserved);
        }
        if (up->entered) {
            ucb_ocr_upload_leave();
        }
        free(up->body);
        free(up);
        *con_cls = NULL;
        __atomic_sub_fetch(&inflight, 1, __ATOMIC_SEQ_CST);
    }

    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    uc = info != NULL ? info->socket_context : NULL;

    if (uc != NULL && uc->fresh) {
        uc->fresh = 0;
        __atomic_sub_fetch(&fresh, 1, __ATOMIC_SEQ_CST);
    }
}


static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
    ucb_conn_t  *uc;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        uc = calloc(1, sizeof(ucb_conn_t));
        if (uc != NULL) {
            uc->fresh = 1;
            __atomic_add_fetch(&fresh, 1, __ATOMIC_SEQ_CST);
        }

        *socket_context = uc;
        return;
    }

    uc = *socket_context;

    if (uc != NULL) {
        if (uc->fresh) {
            __atomic_sub_fetch(&fresh, 1, __ATOMIC_SEQ_CST);
        }

        free(uc);
        *socket_context = NULL;
    }
}


/* The listening socket: TCP on a numeric address, or a unix socket. */
static int
listen_socket(void)
{
    int                 fd, one;
    struct stat         st;
    struct sockaddr_in  sin;
    struct sockaddr_un  sun;

    if (ucb_conf.listen_unix[0] != '\0') {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
                 ucb_conf.listen_unix);

        /* a socket left by a previous run; never remove anything else */
        if (lstat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(sun.sun_path);
        }

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd == -1
            || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) == -1
            || chmod(sun.sun_path, 0660) == -1
            || listen(fd, 511) == -1)
        {
            ucb_log(UCB_LOG_ERROR, "cannot listen", "\"listen\":\"unix:%s\","
                    "\"error\":\"%s\"", ucb_conf.listen_unix,
                    strerror(errno));
            if (fd != -1) {
                close(fd);
            }
            return -1;
        }

        return fd;
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) ucb_conf.listen_port);

    if (inet_pton(AF_INET, ucb_conf.listen_host, &sin.sin_addr) != 1) {
        ucb_log(UCB_LOG_ERROR, "bad listen address", "\"listen\":\"%s\"",
                ucb_conf.listen_host);
        return -1;
    }

    one = 1;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1
        || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || listen(fd, 511) == -1)
    {
        ucb_log(UCB_LOG_ERROR, "cannot listen", "\"listen\":\"%s:%d\","
                "\"error\":\"%s\"", ucb_conf.listen_host,
                ucb_conf.listen_port, strerror(errno));
        if (fd != -1) {
            close(fd);
        }
        return -1;
    }

    return fd;
}


int
ucb_http_start(void)
{
    int  fd;

    fd = listen_socket();
    if (fd == -1) {
        return -1;
    }

    /*
     * A thread per connection: the gateway keeps a few keep-alive
     * connections open, and a pool would bind two of them to one thread,
     * where one login's argon2id would wait behind another's.
     */
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD
                               | MHD_USE_THREAD_PER_CONNECTION
                               | MHD_USE_POLL | MHD_USE_ITC
                               | MHD_USE_ERROR_LOG,
                               0, NULL, NULL, on_request, NULL,
                               MHD_OPTION_LISTEN_SOCKET, fd,
                               MHD_OPTION_CONNECTION_LIMIT,
                               (unsigned int) ucb_conf.threads,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                               NULL,
                               MHD_OPTION_NOTIFY_CONNECTION, on_connection,
                               NULL,
                               MHD_OPTION_CONNECTION_TIMEOUT,
                               (unsigned int) 30,
                               MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                               (size_t) 64 * 1024,
                               MHD_OPTION_END);

    if (daemon_ == NULL) {
        close(fd);
        return -1;
    }

    return 0;
}


/*
 * Stops accepting, lets the requests in flight (and the first request of
 * connections just accepted) finish and their answers leave, 10 s at most,
 * then closes the idle keep-alive connections.
 */
void
ucb_http_stop(void)
{
    int         i;
    MHD_socket  fd;

    if (daemon_ == NULL) {
        return;
    }

    fd = MHD_quiesce_daemon(daemon_);
    if (fd != MHD_INVALID_SOCKET) {
        close(fd);
    }

    if (ucb_conf.listen_unix[0] != '\0') {
        unlink(ucb_conf.listen_unix);
    }

    for (i = 0; i < 1000
                && (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) > 0
                    || __atomic_load_n(&fresh, __ATOMIC_SEQ_CST) > 0); i++)
    {
        usleep(10000);
    }

    MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
