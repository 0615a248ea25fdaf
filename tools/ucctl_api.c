/*
 * ucctl: the commands that drive the backend's admin API through the
 * gateway (libcurl), as an operator's browser or script would:
 *
 *   flag list LINE
 *   flag set LINE NAME [--on|--off] [--percent P] [--min-level N]
 *            [--users ID,..] [--deny-users ID,..] [--merchants ID,..]
 *            [--deny-merchants ID,..]
 *   flag delete LINE NAME
 *   dict list
 *   dict get NAME
 *   dict set NAME FILE|-        FILE holds {"items": [...]}
 *   dict put NAME CODE LABEL [--sort N]
 *   dict delete NAME CODE
 *
 * The answer's JSON goes to stdout; an error answer's message to stderr
 * and the exit code is 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ucctl.h"


typedef struct {
    char           *data;
    size_t          len;
} buf_t;


static size_t
collect(char *p, size_t size, size_t n, void *userdata)
{
    buf_t  *b = userdata;
    char   *grown;

    grown = realloc(b->data, b->len + size * n + 1);
    if (grown == NULL) {
        return 0;
    }

    b->data = grown;
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = '\0';

    return size * n;
}


/* One request; prints the answer; returns the exit code. */
static int
call(const ucctl_conf_t *conf, const char *method, const char *path,
    json_t *body)
{
    int                 rc;
    char                url[1024], auth[600], *text;
    long                status;
    buf_t               b;
    json_t             *answer, *err;
    CURL               *curl;
    CURLcode            res;
    struct curl_slist  *headers;

    if (conf->api[0] == '\0') {
        die("the admin API needs --api URL (the gateway)");
    }

    if (conf->token[0] == '\0') {
        die("the admin API needs an administrator's session: --token TOKEN "
            "or UC_TOKEN");
    }

    snprintf(url, sizeof(url), "%s%s", conf->api, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", conf->token);

    curl = curl_easy_init();
    if (curl == NULL) {
        die("out of memory");
    }

    headers = curl_slist_append(NULL, auth);
    text = NULL;

    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        headers = curl_slist_append(headers,
                                    "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    }

    memset(&b, 0, sizeof(b));

    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);

    res = curl_easy_perform(curl);

    if (res != CURLE_OK) {
        fprintf(stderr, "ucctl: %s: %s\n", url, curl_easy_strerror(res));
        rc = 1;
        goto done;
    }

    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);

    if (status >= 200 && status < 300) {
        if (b.len > 0) {
            fputs(b.data, stdout);

            if (b.data[b.len - 1] != '\n') {
                fputc('\n', stdout);
            }
        }

        rc = 0;
        goto done;
    }

    answer = b.len > 0 ? json_loads(b.data, 0, NULL) : NULL;
    err = json_object_get(json_object_get(answer, "error"), "message");

    fprintf(stderr, "ucctl: %ld %s\n", status,
            json_is_string(err) ? json_string_value(err) : "(no message)");

    json_decref(answer);
    rc = 1;

done:

    free(text);
    free(b.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    return rc;
}


/* "1,2,3" into ["1","2","3"] */
static json_t *
split_list(const char *s)
{
    json_t      *a;
    const char  *p, *comma;

    a = json_array();

    for (p = s; *p != '\0'; p = comma + 1) {
        comma = strchr(p, ',');

        if (comma == NULL) {
            json_array_append_new(a, json_string(p));
            break;
        }

        json_array_append_new(a, json_stringn(p, (size_t) (comma - p)));
    }

    return a;
}


static int
flag_set(const ucctl_conf_t *conf, int argc, char **argv)
{
    int          i, rc;
    char        *end, path[512];
    double       pct;
    json_t      *body;
    const char  *lists[][2] = {
        { "--users", "users" }, { "--deny-users", "deny_users" },
        { "--merchants", "merchants" },
        { "--deny-merchants", "deny_merchants" }
    };
    size_t       j;

    body = json_pack("{s:b}", "enabled", 1);

    for (i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--on") == 0) {
            json_object_set_new(body, "enabled", json_true());
            continue;
        }

        if (strcmp(argv[i], "--off") == 0) {
            json_object_set_new(body, "enabled", json_false());
            continue;
        }

        if (i + 1 >= argc) {
            die("%s needs a value", argv[i]);
        }

        if (strcmp(argv[i], "--percent") == 0) {
            pct = strtod(argv[i + 1], &end);

            if (*end != '\0' || end == argv[i + 1]) {
                die("--percent: a number from 0 to 100");
            }

            json_object_set_new(body, "percent", json_real(pct));

        } else if (strcmp(argv[i], "--min-level") == 0) {
            json_object_set_new(body, "min_level",
                                json_integer(strtol(argv[i + 1], NULL, 10)));

        } else {
            for (j = 0; j < sizeof(lists) / sizeof(lists[0]); j++) {
                if (strcmp(argv[i], lists[j][0]) == 0) {
                    json_object_set_new(body, lists[j][1],
                                        split_list(argv[i + 1]));
                    break;
                }
            }

            if (j == sizeof(lists) / sizeof(lists[0])) {
                die("unknown option \"%s\"", argv[i]);
            }
        }

        i++;
    }

    snprintf(path, sizeof(path), "/uc/v1/admin/flags/%s/%s", argv[2],
             argv[3]);

    rc = call(conf, "PUT", path, body);
    json_decref(body);

    return rc;
}


static int
dict_set(const ucctl_conf_t *conf, const char *name, const char *file)
{
    int            rc;
    char           path[512];
    json_t        *body;
    json_error_t   err;

    body = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &err)
                                  : json_load_file(file, 0, &err);
    if (body == NULL) {
        die("%s: %s (line %d)", file, err.text, err.line);
    }

    snprintf(path, sizeof(path), "/uc/v1/admin/dicts/%s", name);

    rc = call(conf, "PUT", path, body);
    json_decref(body);

    return rc;
}


static int
dict_put(const ucctl_conf_t *conf, int argc, char **argv)
{
    int      rc;
    char     path[512];
    json_t  *body;

    body = json_pack("{s:s}", "label", argv[4]);

    if (argc == 7 && strcmp(argv[5], "--sort") == 0) {
        json_object_set_new(body, "sort",
                            json_integer(strtol(argv[6], NULL, 10)));

    } else if (argc != 5) {
        die("usage: dict put NAME CODE LABEL [--sort N]");
    }

    snprintf(path, sizeof(path), "/uc/v1/admin/dicts/%s/items/%s", argv[2],
             argv[3]);

    rc = call(conf, "PUT", path, body);
    json_decref(body);

    return rc;
}


/* a count of seconds, as the admin API takes it */
static long
parse_seconds(const char *s)
{
    long   v;
    char  *end;

    v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0) {
        die("\"%s\" is not a number of seconds", s);
    }

    return v;
}


/*
 * line set CODE --name NAME [--return-url URL]... [--cookie-domain D]
 *          [--idle-timeout S] [--max-lifetime S] [--settings FILE]
 * The whole record: what is not given is cleared (the API replaces).
 */
static int
line_set(const ucctl_conf_t *conf, int argc, char **argv)
{
    int            i, rc;
    char           path[512];
    json_t        *body, *urls, *session, *settings, *check;
    json_error_t   err;

    urls = json_array();
    session = json_object();
    body = json_pack("{s:o, s:o}", "return_urls", urls, "session", session);

    for (i = 3; i + 1 < argc; i += 2) {
        /* jansson takes UTF-8 only: an argument it refuses is not dropped */
        check = json_string(argv[i + 1]);
        if (check == NULL) {
            die("%s: not UTF-8", argv[i]);
        }
        json_decref(check);

        if (strcmp(argv[i], "--name") == 0) {
            json_object_set_new(body, "name", json_string(argv[i + 1]));

        } else if (strcmp(argv[i], "--return-url") == 0) {
            json_array_append_new(urls, json_string(argv[i + 1]));

        } else if (strcmp(argv[i], "--cookie-domain") == 0) {
            json_object_set_new(body, "cookie_domain",
                                json_string(argv[i + 1]));

        } else if (strcmp(argv[i], "--idle-timeout") == 0
                   || strcmp(argv[i], "--max-lifetime") == 0)
        {
            json_object_set_new(session, argv[i][2] == 'i' ? "idle_timeout"
                                                           : "max_lifetime",
                                json_integer(parse_seconds(argv[i + 1])));

        } else if (strcmp(argv[i], "--settings") == 0) {
            settings = json_load_file(argv[i + 1], 0, &err);
            if (settings == NULL) {
                die("%s: %s (line %d)", argv[i + 1], err.text, err.line);
            }
            json_object_set_new(body, "settings", settings);

        } else {
            break;
        }
    }

    if (i != argc || json_object_get(body, "name") == NULL) {
        die("usage: line set CODE --name NAME [--return-url URL]... "
            "[--cookie-domain D] [--idle-timeout S] [--max-lifetime S] "
            "[--settings FILE]");
    }

    snprintf(path, sizeof(path), "/uc/v1/admin/lines/%s", argv[2]);

    rc = call(conf, "PUT", path, body);
    json_decref(body);

    return rc;
}


static int
line_command(const ucctl_conf_t *conf, int argc, char **argv)
{
    char  path[512];

    /* the code goes into the URL's path: nothing but a code may */
    if (argc >= 3 && !uc_line_valid(argv[2], strlen(argv[2]))) {
        die("\"%s\" is not a business line's code (1 to %d of [a-z0-9_-])",
            argv[2], UC_LINE_MAX);
    }

    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        return call(conf, "GET", "/uc/v1/admin/lines", NULL);
    }

    if (argc >= 4 && strcmp(argv[1], "set") == 0) {
        return line_set(conf, argc, argv);
    }

    if (argc != 3) {
        return -1;
    }

    if (strcmp(argv[1], "get") == 0) {
        snprintf(path, sizeof(path), "/uc/v1/admin/lines/%s", argv[2]);
        return call(conf, "GET", path, NULL);
    }

    if (strcmp(argv[1], "suspend") == 0 || strcmp(argv[1], "resume") == 0) {
        snprintf(path, sizeof(path), "/uc/v1/admin/lines/%s/%s", argv[2],
                 argv[1]);
        return call(conf, "POST", path, NULL);
    }

    if (strcmp(argv[1], "audit") == 0) {
        snprintf(path, sizeof(path), "/uc/v1/admin/audit?subject=line:%s",
                 argv[2]);
        return call(conf, "GET", path, NULL);
    }

    return -1;
}


/*
 * merchant list [STATUS] | get ID | audit ID
 * merchant approve|freeze|close ID [--reason TEXT]
 * merchant line ID LINE active|suspended|off
 */
static int
merchant_command(const ucctl_conf_t *conf, int argc, char **argv)
{
    int          rc;
    char         path[512];
    json_t      *body;
    const char  *status;

    /* the id goes into the URL's path: nothing but digits may */
    if (argc >= 3 && strcmp(argv[1], "list") != 0
        && (strlen(argv[2]) == 0 || strlen(argv[2]) > UC_UID_MAX
            || strspn(argv[2], "0123456789") != strlen(argv[2])))
    {
        die("\"%s\" is not a merchant's id (1 to 20 digits)", argv[2]);
    }

    if (strcmp(argv[1], "list") == 0 && argc <= 3) {
        if (argc == 3 && strspn(argv[2], "abcdefghijklmnopqrstuvwxyz")
                         != strlen(argv[2]))
        {
            die("list pending|active|frozen|closed");
        }

        snprintf(path, sizeof(path), "/uc/v1/admin/merchants?limit=500%s%s",
                 argc == 3 ? "&status=" : "", argc == 3 ? argv[2] : "");
        return call(conf, "GET", path, NULL);
    }

    if (argc == 3 && strcmp(argv[1], "get") == 0) {
        snprintf(path, sizeof(path), "/uc/v1/admin/merchants/%s", argv[2]);
        return call(conf, "GET", path, NULL);
    }

    if (argc == 3 && strcmp(argv[1], "audit") == 0) {
        snprintf(path, sizeof(path),
                 "/uc/v1/admin/audit?subject=merchant:%s", argv[2]);
        return call(conf, "GET", path, NULL);
    }

    status = strcmp(argv[1], "approve") == 0 ? "active"
             : strcmp(argv[1], "freeze") == 0 ? "frozen"
             : strcmp(argv[1], "close") == 0 ? "closed" : NULL;

    if (status != NULL && (argc == 3
                           || (argc == 5
                               && strcmp(argv[3], "--reason") == 0)))
    {
        snprintf(path, sizeof(path), "/uc/v1/admin/merchants/%s/status",
                 argv[2]);
        body = json_pack("{s:s, s:s}", "status", status, "reason",
                         argc == 5 ? argv[4] : "");
        rc = call(conf, "POST", path, body);
        json_decref(body);
        return rc;
    }

    if (argc == 5 && strcmp(argv[1], "line") == 0) {
        if (!uc_line_valid(argv[3], strlen(argv[3]))) {
            die("\"%s\" is not a business line's code", argv[3]);
        }

        snprintf(path, sizeof(path), "/uc/v1/admin/merchants/%s/lines/%s",
                 argv[2], argv[3]);

        if (strcmp(argv[4], "off") == 0) {
            return call(conf, "DELETE", path, NULL);
        }

        body = json_pack("{s:s}", "status", argv[4]);
        rc = call(conf, "PUT", path, body);
        json_decref(body);
        return rc;
    }

    return -1;
}


/*
 * cert list [pending|certified|rejected]
 * cert approve SERIAL | reject SERIAL --reason TEXT
 * cert clear-attempts ID_NUMBER [--user ID]
 */
static int
cert_command(const ucctl_conf_t *conf, int argc, char **argv)
{
    int      rc;
    char     path[256];
    json_t  *body;

    if (argc <= 3 && strcmp(argv[1], "list") == 0) {
        if (argc == 3 && strcmp(argv[2], "pending") != 0
            && strcmp(argv[2], "certified") != 0
            && strcmp(argv[2], "rejected") != 0)
        {
            die("cert list pending|certified|rejected");
        }

        snprintf(path, sizeof(path), "/uc/v1/admin/certifications?status=%s",
                 argc == 3 ? argv[2] : "pending");
        return call(conf, "GET", path, NULL);
    }

    /* a number's day of attempts (and an account's), cleared: the number
       goes in the body, checked by the backend */
    if ((argc == 3 || (argc == 5 && strcmp(argv[3], "--user") == 0))
        && strcmp(argv[1], "clear-attempts") == 0)
    {
        body = json_pack("{s:s, s:s?}", "id_number", argv[2], "user_id",
                         argc == 5 ? argv[4] : NULL);
        rc = call(conf, "POST", "/uc/v1/admin/certification/attempts/clear",
                  body);
        json_decref(body);
        return rc;
    }

    /* the serial goes into the URL's path: capitals and digits only */
    if (argc >= 3 && (strlen(argv[2]) < 3 || strlen(argv[2]) > 40
                      || strspn(argv[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789") != strlen(argv[2])))
    {
        die("\"%s\" is not a request's serial number", argv[2]);
    }

    if (argc == 3 && strcmp(argv[1], "approve") == 0) {
        snprintf(path, sizeof(path), "/uc/v1/admin/certifications/%s/approve",
                 argv[2]);
        return call(conf, "POST", path, NULL);
    }

    if (argc == 5 && strcmp(argv[1], "reject") == 0
        && strcmp(argv[3], "--reason") == 0)
    {
        snprintf(path, sizeof(path), "/uc/v1/admin/certifications/%s/reject",
                 argv[2]);
        body = json_pack("{s:s}", "reason", argv[4]);
        rc = call(conf, "POST", path, body);
        json_decref(body);
        return rc;
    }

    return -1;
}


int
ucctl_api_command(const ucctl_conf_t *conf, int argc, char **argv)
{
    int   rc;
    char  path[512];

    curl_global_init(CURL_GLOBAL_DEFAULT);

    rc = -1;

    if (strcmp(argv[0], "line") == 0) {
        rc = line_command(conf, argc, argv);

    } else if (strcmp(argv[0], "merchant") == 0) {
        rc = argc >= 2 ? merchant_command(conf, argc, argv) : -1;

    } else if (strcmp(argv[0], "cert") == 0) {
        rc = argc >= 2 ? cert_command(conf, argc, argv) : -1;

    } else if (strcmp(argv[0], "flag") == 0) {
        if (argc == 3 && strcmp(argv[1], "list") == 0) {
            snprintf(path, sizeof(path), "/uc/v1/admin/flags/%s", argv[2]);
            rc = call(conf, "GET", path, NULL);

        } else if (argc >= 4 && strcmp(argv[1], "set") == 0) {
            rc = flag_set(conf, argc, argv);

        } else if (argc == 4 && strcmp(argv[1], "delete") == 0) {
            snprintf(path, sizeof(path), "/uc/v1/admin/flags/%s/%s",
                     argv[2], argv[3]);
            rc = call(conf, "DELETE", path, NULL);
        }

    } else {
        if (argc == 2 && strcmp(argv[1], "list") == 0) {
            rc = call(conf, "GET", "/uc/v1/admin/dicts", NULL);

        } else if (argc == 3 && strcmp(argv[1], "get") == 0) {
            snprintf(path, sizeof(path), "/uc/v1/dict/%s", argv[2]);
            rc = call(conf, "GET", path, NULL);

        } else if (argc == 4 && strcmp(argv[1], "set") == 0) {
            rc = dict_set(conf, argv[2], argv[3]);

        } else if (argc >= 5 && strcmp(argv[1], "put") == 0) {
            rc = dict_put(conf, argc, argv);

        } else if (argc == 4 && strcmp(argv[1], "delete") == 0) {
            snprintf(path, sizeof(path), "/uc/v1/admin/dicts/%s/items/%s",
                     argv[2], argv[3]);
            rc = call(conf, "DELETE", path, NULL);
        }
    }

    curl_global_cleanup();

    if (rc == -1) {
        die("unknown %s command; run ucctl without arguments for help",
            argv[0]);
    }

    return rc;
}
