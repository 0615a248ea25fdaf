/*
 * uc-backend: configuration and dictionary data.
 *
 * A dictionary is a named list of {code, label, sort, extra}: ID types,
 * genders, GB/T 2260 regions, system parameters ("system"), business-line
 * settings ("line.mall"), ... Each has a version, bumped by every change in
 * the same transaction, and copied after the commit to the Redis hash
 * <prefix>{dict}:versions.
 *
 * Reads come from an in-process cache of whole answers. A request asks
 * Redis for the current version (one HGET) and serves the cached answer
 * when it matches, so a change made through any backend is seen by all at
 * once. When Redis cannot say, the store's version decides; and no cached
 * answer is older than a minute, which bounds what a lost version update
 * can cost.
 *
 *   GET    /uc/v1/dict/{name}                   ETag, 304 on If-None-Match
 *   GET    /uc/v1/admin/dicts                   names, versions, sizes
 *   PUT    /uc/v1/admin/dicts/{name}            {"items": [...]} replaces
 *   PUT    /uc/v1/admin/dicts/{name}/items/{code}  one item, upserted
 *   DELETE /uc/v1/admin/dicts/{name}/items/{code}
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "ucb.h"


#define DICT_NAME_MAX   64
#define DICT_CODE_MAX   64
#define DICT_LABEL_MAX  256
#define DICT_CACHED     64
#define DICT_MAX_AGE    60


typedef struct {
    char            name[DICT_NAME_MAX + 1];
    int64_t         version;
    time_t          loaded;
    char           *body;
} dict_cached_t;


static pthread_mutex_t  cache_lock = PTHREAD_MUTEX_INITIALIZER;
static dict_cached_t    cache[DICT_CACHED];
static long             loads;


static int
valid_code(const char *s)
{
    size_t  i, n;

    n = strlen(s);

    if (n == 0 || n > DICT_CODE_MAX) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if ((unsigned char) s[i] <= ' ' || s[i] == 0x7f || s[i] == '/') {
            return 0;
        }
    }

    /* a path segment arrives percent-decoded: any byte is possible */
    return ucb_valid_utf8(s, n);
}


/* 0 and the item normalised in place, or -1 */
static int
valid_item(json_t *item, const char *code)
{
    json_t      *v;
    const char  *label;

    if (!json_is_object(item)) {
        return -1;
    }

    /* the path's code replaces the body's, or the item is refused: never
       the body's code because the path's could not be set */
    if (code != NULL
        && (!valid_code(code)
            || json_object_set_new(item, "code", json_string(code)) != 0))
    {
        return -1;
    }

    v = json_object_get(item, "code");
    if (!json_is_string(v) || !valid_code(json_string_value(v))) {
        return -1;
    }

    v = json_object_get(item, "label");
    if (!json_is_string(v)) {
        return -1;
    }

    label = json_string_value(v);

    if (strlen(label) > DICT_LABEL_MAX
        || !ucb_valid_utf8(label, strlen(label)))
    {
        return -1;
    }

    v = json_object_get(item, "sort");
    if (v == NULL) {
        json_object_set_new(item, "sort", json_integer(0));

    } else if (!json_is_integer(v)) {
        return -1;
    }

    v = json_object_get(item, "extra");
    if (v != NULL && !json_is_object(v)) {
        return -1;
    }

    return 0;
}


static void
version_publish(const char *name, int64_t version)
{
    char         key[UC_KEY_MAX];
    redisReply  *r;

    snprintf(key, sizeof(key), "%s{dict}:versions", ucb_conf.prefix);

    r = ucb_redis_command("HSET %s %s %lld", key, name, (long long) version);

    if (r != NULL) {
        freeReplyObject(r);
    }
}


/* the current version: Redis first, the store when Redis cannot say */
static int
current_version(const char *name, int64_t *version)
{
    int          rc;
    char         key[UC_KEY_MAX];
    redisReply  *r;

    snprintf(key, sizeof(key), "%s{dict}:versions", ucb_conf.prefix);

    r = ucb_redis_command("HGET %s %s", key, name);

    if (r != NULL && r->type == REDIS_REPLY_STRING) {
        *version = strtoll(r->str, NULL, 10);
        freeReplyObject(r);
        return UCB_OK;
    }

    rc = ucb_store_dict_version(name, version);

    if (rc == UCB_OK && r != NULL && r->type == REDIS_REPLY_NIL) {
        /* not published yet (a new dictionary, or Redis was emptied) */
        version_publish(name, *version);
    }

    if (r != NULL) {
        freeReplyObject(r);
    }

    return rc;
}


/* the cached answer for (name, version), copied; NULL when none */
static char *
cache_get(const char *name, int64_t version)
{
    int     i;
    char   *body;
    time_t  now;

    body = NULL;
    now = time(NULL);

    pthread_mutex_lock(&cache_lock);

    for (i = 0; i < DICT_CACHED; i++) {
        if (cache[i].body != NULL && strcmp(cache[i].name, name) == 0
            && cache[i].version == version
            && now - cache[i].loaded < DICT_MAX_AGE)
        {
            body = strdup(cache[i].body);
            break;
        }
    }

    pthread_mutex_unlock(&cache_lock);

    return body;
}


static void
cache_put(const char *name, int64_t version, const char *body)
{
    int   i, slot;
    char *copy;

    copy = strdup(body);
    if (copy == NULL) {
        return;
    }

    pthread_mutex_lock(&cache_lock);

    slot = -1;

    for (i = 0; i < DICT_CACHED; i++) {
        if (strcmp(cache[i].name, name) == 0) {
            slot = i;
            break;
        }

        if (slot == -1 && cache[i].body == NULL) {
            slot = i;
        }
    }

    if (slot == -1) {
        /* the oldest goes */
        slot = 0;

        for (i = 1; i < DICT_CACHED; i++) {
            if (cache[i].loaded < cache[slot].loaded) {
                slot = i;
            }
        }
    }

    free(cache[slot].body);
    snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", name);
    cache[slot].version = version;
    cache[slot].loaded = time(NULL);
    cache[slot].body = copy;
    loads++;

    pthread_mutex_unlock(&cache_lock);
}


/* GET /uc/v1/dict/{name} */
void
ucb_h_dict_get(ucb_req_t *req)
{
    int          rc;
    char        *body;
    json_t      *items, *answer;
    int64_t      version, after;
    const char  *name;

    name = req->params[0];

    if (!ucb_valid_dict_name(name)) {
        ucb_error(req, 404, "not_found", "no such dictionary");
        return;
    }

    rc = current_version(name, &version);

    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such dictionary");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 503, "unavailable", "try again shortly");
        return;
    }

    if (ucb_etag_set(req, name, version) != 0) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    if (ucb_etag_matches(req)) {
        req->status = 304;
        return;
    }

    body = cache_get(name, version);

    if (body == NULL) {
        if (ucb_store_dict_items(name, &items) != UCB_OK
            || ucb_store_dict_version(name, &after) != UCB_OK)
        {
            ucb_error(req, 503, "unavailable", "try again shortly");
            return;
        }

        answer = json_pack("{s:s, s:I, s:o}", "name", name,
                           "version", (json_int_t) after, "items", items);
        body = json_dumps(answer, JSON_COMPACT);
        json_decref(answer);

        if (body == NULL) {
            ucb_error(req, 500, "internal_error", "try again shortly");
            return;
        }

        /*
         * Unchanged between the two reads: the items are those of this
         * version. Otherwise they may be of any version in between, and
         * no ETag is better than a wrong one.
         */
        if (after == version) {
            cache_put(name, version, body);

        } else {
            req->etag[0] = '\0';
        }
    }

    req->status = 200;
    req->raw = body;
}


/* GET /uc/v1/admin/dicts */
void
ucb_h_admin_dicts_get(ucb_req_t *req)
{
    json_t  *list;

    if (ucb_store_dicts(&list) != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    pthread_mutex_lock(&cache_lock);
    ucb_reply(req, 200, json_pack("{s:o, s:I}", "dicts", list,
                                  "cache_loads", (json_int_t) loads));
    pthread_mutex_unlock(&cache_lock);
}


static void
dict_changed(ucb_req_t *req, int rc, int64_t version)
{
    if (rc == UCB_NOT_FOUND) {
        ucb_error(req, 404, "not_found", "no such item");
        return;
    }

    if (rc != UCB_OK) {
        ucb_error(req, 500, "internal_error", "try again shortly");
        return;
    }

    version_publish(req->params[0], version);

    ucb_reply(req, 200, json_pack("{s:s, s:I}", "name", req->params[0],
                                  "version", (json_int_t) version));
}


/* PUT /uc/v1/admin/dicts/{name} {"items": [...]} */
void
ucb_h_admin_dict_put(ucb_req_t *req)
{
    int       rc;
    size_t    i;
    json_t   *items, *item;
    int64_t   version = 0;

    if (!ucb_valid_dict_name(req->params[0])) {
        ucb_error(req, 400, "validation_failed",
                  "a dictionary name is 1 to 64 of a-z, 0-9, _, - and .");
        return;
    }

    items = req->body != NULL ? json_object_get(req->body, "items") : NULL;

    if (!json_is_array(items)) {
        ucb_error(req, 400, "validation_failed",
                  "send {\"items\": [{\"code\", \"label\", ...}, ...]}");
        return;
    }

    json_array_foreach(items, i, item) {
        if (valid_item(item, NULL) != 0) {
            ucb_error(req, 400, "validation_failed",
                      "each item has a code (1 to 64 visible characters), "
                      "a label (up to 256 bytes), an integer sort and an "
                      "optional object extra");
            return;
        }
    }

    rc = ucb_store_dict_put(req->params[0], items, 1, req->uid, &version);
    dict_changed(req, rc, version);
}


/* PUT /uc/v1/admin/dicts/{name}/items/{code} */
void
ucb_h_admin_dict_item_put(ucb_req_t *req)
{
    int       rc;
    json_t   *items;
    int64_t   version = 0;

    if (!ucb_valid_dict_name(req->params[0]) || req->body == NULL
        || valid_item(req->body, req->params[1]) != 0)
    {
        ucb_error(req, 400, "validation_failed",
                  "send {\"label\": ..., \"sort\": n, \"extra\": {...}}; "
                  "codes are 1 to 64 visible characters");
        return;
    }

    items = json_pack("[O]", req->body);

    rc = ucb_store_dict_put(req->params[0], items, 0, req->uid, &version);
    dict_changed(req, rc, version);

    json_decref(items);
}


/* DELETE /uc/v1/admin/dicts/{name}/items/{code} */
void
ucb_h_admin_dict_item_delete(ucb_req_t *req)
{
    int      rc;
    int64_t  version = 0;

    if (!ucb_valid_dict_name(req->params[0])) {
        ucb_error(req, 404, "not_found", "no such item");
        return;
    }

    rc = ucb_store_dict_item_delete(req->params[0], req->params[1], req->uid,
                                    &version);
    dict_changed(req, rc, version);
}


/*
 * At start: the regions dictionary from python3-stdnum's GB/T 2260 table
 *   110101 county="东城区" prefecture="市辖区" province="北京市"
 * when the store has none yet. One transaction: all rows or none.
 */
static void
attr(const char *line, const char *name, char *out, size_t size)
{
    char        pat[32];
    size_t      n;
    const char *p, *end;

    out[0] = '\0';
    snprintf(pat, sizeof(pat), " %s=\"", name);

    p = strstr(line, pat);
    if (p == NULL) {
        return;
    }

    p += strlen(pat);
    end = strchr(p, '"');

    if (end == NULL) {
        return;
    }

    n = (size_t) (end - p);

    if (n >= size) {
        n = size - 1;
    }

    memcpy(out, p, n);
    out[n] = '\0';
}


int
ucb_dicts_seed(void)
{
    int       rc;
    char      line[512], county[128], prefecture[128], province[128];
    char      code[8];
    FILE     *f;
    json_t   *items;
    int64_t   version = 0;

    if (ucb_conf.regions_file[0] == '\0'
        || ucb_store_dict_version("regions", &version) != UCB_NOT_FOUND)
    {
        return 0;
    }

    f = fopen(ucb_conf.regions_file, "r");
    if (f == NULL) {
        ucb_log(UCB_LOG_WARN, "no regions dictionary",
                "\"file\":\"%s\"", ucb_conf.regions_file);
        return 0;
    }

    items = json_array();

    while (fgets(line, sizeof(line), f) != NULL) {
        if (strspn(line, "0123456789") != 6 || line[6] != ' ') {
            continue;
        }

        memcpy(code, line, 6);
        code[6] = '\0';

        attr(line, "county", county, sizeof(county));
        attr(line, "prefecture", prefecture, sizeof(prefecture));
        attr(line, "province", province, sizeof(province));

        if (!ucb_valid_utf8(county, strlen(county))
            || !ucb_valid_utf8(prefecture, strlen(prefecture))
            || !ucb_valid_utf8(province, strlen(province)))
        {
            continue;
        }

        json_array_append_new(items, json_pack("{s:s, s:s, s:i, s:{s:s, s:s}}",
            "code", code, "label", county, "sort", 0, "extra",
            "prefecture", prefecture, "province", province));
    }

    fclose(f);

    rc = ucb_store_dict_put("regions", items, 1, "0", &version);

    ucb_log(rc == UCB_OK ? UCB_LOG_INFO : UCB_LOG_ERROR,
            "regions dictionary imported", "\"items\":%zu",
            json_array_size(items));

    json_decref(items);

    return rc == UCB_OK ? 0 : -1;
}


void
ucb_dicts_stop(void)
{
    int  i;

    pthread_mutex_lock(&cache_lock);

    for (i = 0; i < DICT_CACHED; i++) {
        free(cache[i].body);
        cache[i].body = NULL;
    }

    pthread_mutex_unlock(&cache_lock);
}
