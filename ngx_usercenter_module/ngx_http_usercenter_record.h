
/*
 * usercenter gateway module: a Redis hash that decides access (a business
 * line's status; merchants and service keys next), read through the
 * near-cache: a copy kept in shared memory while client tracking says it
 * has not changed, so a request costs no Redis read, and a change reaches
 * every gateway within a second.
 */


#ifndef _NGX_HTTP_USERCENTER_RECORD_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_RECORD_H_INCLUDED_


#include "ngx_http_usercenter_module.h"


typedef enum {
    NGX_HTTP_UC_RECORD_FOUND = 0,
    NGX_HTTP_UC_RECORD_ABSENT,      /* no such key (or an empty hash) */
    NGX_HTTP_UC_RECORD_UNKNOWN      /* Redis failed, and no copy answers */
} ngx_http_uc_record_result_e;


typedef struct {
    ngx_http_request_t            *request;
    u_char                         key[UC_KEY_MAX];
    size_t                         key_len;
    size_t                         max;       /* field/value pairs at most */

    ngx_uint_t                     state;     /* 0, reading, done */
    ngx_http_uc_record_result_e    result;
    unsigned                       stale:1;   /* an older copy answered */
    unsigned                       fresh:1;   /* read from Redis just now */
    unsigned                       failed:1;  /* Redis failed */
    uc_str_t                      *vals;      /* field, value, ... */
    size_t                         n;

    uint64_t                       mark;      /* cache reservation */
    void                          *op;        /* the Redis read */
} ngx_http_uc_record_t;


/*
 * Reads the hash rec->key (rec->request, ->key, ->key_len and ->max set,
 * the rest zero): NGX_OK when rec is done (result and vals), NGX_AGAIN
 * when a Redis read is on its way (the request is resumed by its answer;
 * call again then), NGX_ERROR. A hash with more than max pairs, or not a
 * hash, is UNKNOWN and logged once per change (that answer is cached).
 */
ngx_int_t ngx_http_uc_record_read(ngx_http_uc_record_t *rec);

/* The value of a field of a FOUND record, or NULL. */
uc_str_t *ngx_http_uc_record_field(ngx_http_uc_record_t *rec,
    const char *name, size_t len);


#endif /* _NGX_HTTP_USERCENTER_RECORD_H_INCLUDED_ */
