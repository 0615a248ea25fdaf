
/*
 * usercenter gateway module: one multiplexed hiredis connection per worker
 * on nginx's event loop.
 */


#ifndef _NGX_HTTP_USERCENTER_REDIS_H_INCLUDED_
#define _NGX_HTTP_USERCENTER_REDIS_H_INCLUDED_


#include "ngx_http_usercenter_module.h"

#include <hiredis/hiredis.h>
#include <hiredis/async.h>


typedef struct ngx_http_uc_redis_op_s  ngx_http_uc_redis_op_t;

/*
 * Called exactly once per accepted op: with the reply, or with NULL when the
 * command failed (timeout, disconnect, worker exit). The op is freed right
 * after the handler returns; the reply belongs to hiredis.
 */
typedef void (*ngx_http_uc_redis_handler_pt)(ngx_http_uc_redis_op_t *op,
    redisReply *reply);


struct ngx_http_uc_redis_op_s {
    ngx_queue_t                    queue;
    ngx_msec_t                     deadline;
    ngx_http_uc_redis_handler_pt   handler;
    void                          *data;     /* NULL once detached */
    ngx_http_uc_redis_t           *redis;
};


typedef enum {
    NGX_HTTP_UC_REDIS_IDLE = 0,     /* no socket; connects on next command */
    NGX_HTTP_UC_REDIS_CONNECTING,
    NGX_HTTP_UC_REDIS_READY,
    NGX_HTTP_UC_REDIS_BACKOFF,      /* commands fail fast until the timer */
    NGX_HTTP_UC_REDIS_EXITING,
    NGX_HTTP_UC_REDIS_NSTATES
} ngx_http_uc_redis_state_e;


typedef enum {
    NGX_HTTP_UC_REDIS_EV_CONNECTED = 0,
    NGX_HTTP_UC_REDIS_EV_CONNECT_FAILED,
    NGX_HTTP_UC_REDIS_EV_HANDSHAKE_FAILED,
    NGX_HTTP_UC_REDIS_EV_TIMEOUT,
    NGX_HTTP_UC_REDIS_EV_CLOSED,        /* EOF or socket error */
    NGX_HTTP_UC_REDIS_EV_BACKOFF_DONE,
    NGX_HTTP_UC_REDIS_EV_EXIT,
    NGX_HTTP_UC_REDIS_NEVENTS
} ngx_http_uc_redis_event_e;


/*
 * Told when the connection comes up (up = 1: right after AUTH and SELECT
 * were queued, so commands sent now go ahead of any request's) and when it
 * is lost (up = 0: the state has already moved on; send nothing here).
 */
typedef void (*ngx_http_uc_redis_hook_pt)(ngx_http_uc_redis_t *redis,
    ngx_uint_t up);


struct ngx_http_uc_redis_s {
    redisAsyncContext             *ac;
    ngx_connection_t              *c;
    ngx_http_uc_redis_conf_t      *conf;
    ngx_log_t                     *log;
    ngx_http_uc_redis_state_e      state;

    ngx_queue_t                    pending;  /* sent, reply not yet read */
    ngx_queue_t                    free;

    ngx_event_t                    timer;    /* connect or oldest command */
    ngx_event_t                    backoff;  /* cancelable */
    ngx_msec_t                     connect_deadline;
    ngx_msec_t                     backoff_delay;

    ngx_uint_t                     commands;
    ngx_uint_t                     failures;
    ngx_uint_t                     connects;

    ngx_http_uc_redis_hook_pt      hook;
    void                          *hook_data;

    unsigned                       want_write:1;
    unsigned                       connected:1;
    unsigned                       failing:1;  /* since the last failure,
                                                  until a connect works */
};


ngx_http_uc_redis_t *ngx_http_uc_redis_create(ngx_http_uc_redis_conf_t *conf,
    ngx_log_t *log);
void ngx_http_uc_redis_destroy(ngx_http_uc_redis_t *redis);

/*
 * Returns an op to fill in, or NULL on allocation failure.
 */
ngx_http_uc_redis_op_t *ngx_http_uc_redis_op(ngx_http_uc_redis_t *redis,
    ngx_http_uc_redis_handler_pt handler, void *data);

/*
 * Sends a command. NGX_OK: op->handler will be called once. NGX_ERROR: the
 * command was not sent (Redis in backoff or unusable), the handler is not
 * called and the op has been released.
 */
ngx_int_t ngx_http_uc_redis_send(ngx_http_uc_redis_op_t *op, int argc,
    const char **argv, const size_t *argvlen);

/* Connects now if idle; NGX_ERROR when not connecting or ready. */
ngx_int_t ngx_http_uc_redis_open(ngx_http_uc_redis_t *redis);

/*
 * SUBSCRIBE with a callback that stays for the life of the connection:
 * hiredis calls it for the confirmation and every message, and once with
 * NULL when the connection goes.
 */
ngx_int_t ngx_http_uc_redis_subscribe(ngx_http_uc_redis_t *redis,
    const char *channel, redisCallbackFn *fn, void *data);

/* Gives up on the connection as if a command had timed out. */
void ngx_http_uc_redis_fail(ngx_http_uc_redis_t *redis);

/* For request cleanups: the reply will be dropped, not delivered. */
void ngx_http_uc_redis_detach(ngx_http_uc_redis_op_t *op);

const char *ngx_http_uc_redis_state_name(ngx_http_uc_redis_state_e state);


#endif /* _NGX_HTTP_USERCENTER_REDIS_H_INCLUDED_ */
