
/*
 * usercenter gateway module: one multiplexed hiredis connection per worker
 * on nginx's event loop.
 *
 * Ownership: the connection owns its ops. An op is handed to hiredis as the
 * callback's privdata and comes back exactly once, with a reply or with NULL
 * (timeout, disconnect, exit); the dispatcher calls the handler, if it is
 * still attached, and returns the op to the free list. Requests only ever
 * detach.
 *
 * Timeouts: replies arrive in order, so one timer guards the oldest pending
 * command (or the connect). When it fires the connection is dropped, which
 * fails every pending command at once, and the connection backs off.
 *
 * Writes: hiredis asks for write interest on every command; we post the
 * write event instead of writing at once, so commands issued by many
 * requests during one event loop iteration leave in one write(2).
 *
 * Reads: nginx's epoll is edge-triggered and hiredis reads at most 16 KB per
 * call, so the read handler drains until FIONREAD reports nothing left.
 */


#include <sys/ioctl.h>

#include "ngx_http_usercenter_redis.h"
#include "ngx_http_usercenter_status.h"


#define NGX_HTTP_UC_REDIS_EV_CONNECT  NGX_HTTP_UC_REDIS_NEVENTS


static void ngx_http_uc_redis_transition(ngx_http_uc_redis_t *redis,
    ngx_uint_t event);
static ngx_int_t ngx_http_uc_redis_append(ngx_http_uc_redis_t *redis,
    ngx_http_uc_redis_op_t *op, int argc, const char **argv,
    const size_t *argvlen);
static ngx_int_t ngx_http_uc_redis_connect(ngx_http_uc_redis_t *redis);
static void ngx_http_uc_redis_handshake(ngx_http_uc_redis_t *redis);
static void ngx_http_uc_redis_handshake_handler(ngx_http_uc_redis_op_t *op,
    redisReply *reply);
static void ngx_http_uc_redis_drop(ngx_http_uc_redis_t *redis,
    ngx_uint_t event);
static void ngx_http_uc_redis_forget(ngx_http_uc_redis_t *redis,
    ngx_uint_t event);
static void ngx_http_uc_redis_arm(ngx_http_uc_redis_t *redis);
static void ngx_http_uc_redis_release(ngx_http_uc_redis_op_t *op);
static void ngx_http_uc_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_uc_redis_timer_handler(ngx_event_t *ev);
static void ngx_http_uc_redis_backoff_handler(ngx_event_t *ev);
static void ngx_http_uc_redis_read_handler(ngx_event_t *rev);
static void ngx_http_uc_redis_write_handler(ngx_event_t *wev);
#if (HIREDIS_MAJOR >= 1)
static void ngx_http_uc_redis_connected(redisAsyncContext *ac, int status);
#else
static void ngx_http_uc_redis_connected(const redisAsyncContext *ac,
    int status);
#endif
static void ngx_http_uc_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_uc_redis_add_read(void *privdata);
static void ngx_http_uc_redis_del_read(void *privdata);
static void ngx_http_uc_redis_add_write(void *privdata);
static void ngx_http_uc_redis_del_write(void *privdata);
static void ngx_http_uc_redis_cleanup(void *privdata);


#define IDLE        NGX_HTTP_UC_REDIS_IDLE
#define CONNECTING  NGX_HTTP_UC_REDIS_CONNECTING
#define READY       NGX_HTTP_UC_REDIS_READY
#define BACKOFF     NGX_HTTP_UC_REDIS_BACKOFF
#define EXITING     NGX_HTTP_UC_REDIS_EXITING

/*
 * The whole life of a connection. Rows are states, columns events; an
 * entry equal to its row is an event that changes nothing in that state.
 */
static const ngx_http_uc_redis_state_e
    ngx_http_uc_redis_next[NGX_HTTP_UC_REDIS_NSTATES]
                          [NGX_HTTP_UC_REDIS_NEVENTS + 1] =
{
    /*            CONNECTED   CONN_FAIL  HANDSHAKE  TIMEOUT  CLOSED
                  BACKOFF_DONE  EXIT     CONNECT */
    /* IDLE */  { IDLE,       IDLE,      IDLE,      IDLE,    IDLE,
                  IDLE,         EXITING, CONNECTING },
    /* CONN */  { READY,      BACKOFF,   BACKOFF,   BACKOFF, BACKOFF,
                  CONNECTING,   EXITING, CONNECTING },
    /* READY */ { READY,      READY,     BACKOFF,   BACKOFF, IDLE,
                  READY,        EXITING, READY },
    /* BACK */  { BACKOFF,    BACKOFF,   BACKOFF,   BACKOFF, BACKOFF,
                  IDLE,         EXITING, BACKOFF },
    /* EXIT */  { EXITING,    EXITING,   EXITING,   EXITING, EXITING,
                  EXITING,      EXITING, EXITING }
};

#undef IDLE
#undef CONNECTING
#undef READY
#undef BACKOFF
#undef EXITING


static const char  *ngx_http_uc_redis_state_names[] = {
    "idle", "connecting", "ready", "backoff", "exiting"
};

static const char  *ngx_http_uc_redis_event_names[] = {
    "connected", "connect failed", "handshake failed", "timeout", "closed",
    "backoff done", "exit", "connect"
};


ngx_http_uc_redis_t *
ngx_http_uc_redis_create(ngx_http_uc_redis_conf_t *conf, ngx_log_t *log)
{
    ngx_http_uc_redis_t  *redis;

    redis = ngx_calloc(sizeof(ngx_http_uc_redis_t), log);
    if (redis == NULL) {
        return NULL;
    }

    redis->conf = conf;
    redis->log = log;
    redis->state = NGX_HTTP_UC_REDIS_IDLE;

    ngx_queue_init(&redis->pending);
    ngx_queue_init(&redis->free);

    redis->timer.handler = ngx_http_uc_redis_timer_handler;
    redis->timer.data = redis;
    redis->timer.log = log;

    redis->backoff.handler = ngx_http_uc_redis_backoff_handler;
    redis->backoff.data = redis;
    redis->backoff.log = log;
    redis->backoff.cancelable = 1;

    return redis;
}


void
ngx_http_uc_redis_destroy(ngx_http_uc_redis_t *redis)
{
    ngx_queue_t             *q;
    ngx_http_uc_redis_op_t  *op;

    ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_EXIT);

    if (redis->backoff.timer_set) {
        ngx_del_timer(&redis->backoff);
    }

    while (!ngx_queue_empty(&redis->free)) {
        q = ngx_queue_head(&redis->free);
        ngx_queue_remove(q);
        op = ngx_queue_data(q, ngx_http_uc_redis_op_t, queue);
        ngx_free(op);
    }

    ngx_free(redis);
}


const char *
ngx_http_uc_redis_state_name(ngx_http_uc_redis_state_e state)
{
    return ngx_http_uc_redis_state_names[state];
}


static void
ngx_http_uc_redis_transition(ngx_http_uc_redis_t *redis, ngx_uint_t event)
{
    ngx_msec_t                 delay;
    ngx_http_uc_redis_state_e  prev;

    prev = redis->state;
    redis->state = ngx_http_uc_redis_next[prev][event];

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "usercenter redis: %s -> %s on %s",
                   ngx_http_uc_redis_state_names[prev],
                   ngx_http_uc_redis_state_names[redis->state],
                   ngx_http_uc_redis_event_names[event]);

    if (redis->state == prev) {
        return;
    }

    if ((prev == NGX_HTTP_UC_REDIS_CONNECTING
         || prev == NGX_HTTP_UC_REDIS_READY)
        && redis->state != NGX_HTTP_UC_REDIS_CONNECTING
        && redis->state != NGX_HTTP_UC_REDIS_READY
        && redis->hook != NULL)
    {
        redis->hook(redis, 0);
    }

    if (event != NGX_HTTP_UC_REDIS_EV_CONNECTED
        && event != NGX_HTTP_UC_REDIS_EV_CONNECT
        && event != NGX_HTTP_UC_REDIS_EV_BACKOFF_DONE)
    {
        redis->failing = 1;
    }

    switch (redis->state) {

    case NGX_HTTP_UC_REDIS_READY:
        redis->backoff_delay = 0;
        redis->failing = 0;
        break;

    case NGX_HTTP_UC_REDIS_BACKOFF:
        delay = redis->backoff_delay * 2;

        if (delay < redis->conf->backoff_min) {
            delay = redis->conf->backoff_min;
        }

        if (delay > redis->conf->backoff_max) {
            delay = redis->conf->backoff_max;
        }

        redis->backoff_delay = delay;

        ngx_log_error(NGX_LOG_WARN, redis->log, 0,
                      "usercenter redis: %s, retrying in %Mms",
                      ngx_http_uc_redis_event_names[event], delay);

        ngx_add_timer(&redis->backoff, delay);
        break;

    default:
        break;
    }
}


ngx_http_uc_redis_op_t *
ngx_http_uc_redis_op(ngx_http_uc_redis_t *redis,
    ngx_http_uc_redis_handler_pt handler, void *data)
{
    ngx_queue_t             *q;
    ngx_http_uc_redis_op_t  *op;

    if (!ngx_queue_empty(&redis->free)) {
        q = ngx_queue_head(&redis->free);
        ngx_queue_remove(q);
        op = ngx_queue_data(q, ngx_http_uc_redis_op_t, queue);

    } else {
        op = ngx_alloc(sizeof(ngx_http_uc_redis_op_t), redis->log);
        if (op == NULL) {
            return NULL;
        }
    }

    op->handler = handler;
    op->data = data;
    op->redis = redis;
    op->deadline = 0;

    return op;
}


static void
ngx_http_uc_redis_release(ngx_http_uc_redis_op_t *op)
{
    op->handler = NULL;
    op->data = NULL;
    ngx_queue_insert_head(&op->redis->free, &op->queue);
}


void
ngx_http_uc_redis_detach(ngx_http_uc_redis_op_t *op)
{
    op->handler = NULL;
    op->data = NULL;
}


ngx_int_t
ngx_http_uc_redis_open(ngx_http_uc_redis_t *redis)
{
    if (redis->state == NGX_HTTP_UC_REDIS_IDLE) {
        return ngx_http_uc_redis_connect(redis);
    }

    return (redis->state == NGX_HTTP_UC_REDIS_CONNECTING
            || redis->state == NGX_HTTP_UC_REDIS_READY)
           ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_uc_redis_subscribe(ngx_http_uc_redis_t *redis, const char *channel,
    redisCallbackFn *fn, void *data)
{
    size_t       lens[2];
    const char  *argv[2];

    if ((redis->state != NGX_HTTP_UC_REDIS_CONNECTING
         && redis->state != NGX_HTTP_UC_REDIS_READY)
        || redis->ac == NULL || redis->ac->err != 0)
    {
        return NGX_ERROR;
    }

    argv[0] = "SUBSCRIBE";
    lens[0] = sizeof("SUBSCRIBE") - 1;
    argv[1] = channel;
    lens[1] = ngx_strlen(channel);

    if (redisAsyncCommandArgv(redis->ac, fn, data, 2, argv, lens)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    redis->commands++;
    ngx_http_uc_stat(NGX_HTTP_UC_STAT_REDIS_COMMANDS);

    return NGX_OK;
}


void
ngx_http_uc_redis_fail(ngx_http_uc_redis_t *redis)
{
    if (redis->ac != NULL) {
        ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_TIMEOUT);
    }
}


ngx_int_t
ngx_http_uc_redis_send(ngx_http_uc_redis_op_t *op, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_http_uc_redis_t  *redis;

    redis = op->redis;

    if (redis->state == NGX_HTTP_UC_REDIS_IDLE) {
        if (ngx_http_uc_redis_connect(redis) != NGX_OK) {
            ngx_http_uc_redis_release(op);
            return NGX_ERROR;
        }
    }

    if ((redis->state != NGX_HTTP_UC_REDIS_CONNECTING
         && redis->state != NGX_HTTP_UC_REDIS_READY)
        || redis->ac == NULL || redis->ac->err != 0)
    {
        ngx_http_uc_redis_release(op);
        return NGX_ERROR;
    }

    if (ngx_http_uc_redis_append(redis, op, argc, argv, argvlen) != NGX_OK) {
        ngx_http_uc_redis_release(op);
        return NGX_ERROR;
    }

    op->deadline = ngx_current_msec + redis->conf->timeout;
    ngx_queue_insert_tail(&redis->pending, &op->queue);
    redis->commands++;
    ngx_http_uc_stat(NGX_HTTP_UC_STAT_REDIS_COMMANDS);

    if (!redis->timer.timer_set) {
        ngx_http_uc_redis_arm(redis);
    }

    return NGX_OK;
}


/*
 * The command in RESP, written here rather than by hiredis's formatter:
 * the formatter builds an sds string with a printf per argument, which
 * perf showed among the top user-space costs of a session check.
 */
static ngx_int_t
ngx_http_uc_redis_append(ngx_http_uc_redis_t *redis,
    ngx_http_uc_redis_op_t *op, int argc, const char **argv,
    const size_t *argvlen)
{
    int        i, rc;
    size_t     len;
    u_char    *buf, *p;
    u_char     stack[512];

    len = sizeof("*\r\n") - 1 + NGX_INT_T_LEN;

    for (i = 0; i < argc; i++) {
        len += sizeof("$\r\n\r\n") - 1 + NGX_SIZE_T_LEN + argvlen[i];
    }

    if (len <= sizeof(stack)) {
        buf = stack;

    } else {
        buf = ngx_alloc(len, redis->log);
        if (buf == NULL) {
            return NGX_ERROR;
        }
    }

    p = ngx_sprintf(buf, "*%d\r\n", argc);

    for (i = 0; i < argc; i++) {
        p = ngx_sprintf(p, "$%uz\r\n", argvlen[i]);
        p = ngx_cpymem(p, argv[i], argvlen[i]);
        *p++ = '\r';
        *p++ = '\n';
    }

    rc = redisAsyncFormattedCommand(redis->ac, ngx_http_uc_redis_reply, op,
                                    (const char *) buf, p - buf);

    if (buf != stack) {
        ngx_free(buf);
    }

    return rc == REDIS_OK ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_uc_redis_connect(ngx_http_uc_redis_t *redis)
{
    redisAsyncContext         *ac;
    ngx_connection_t          *c;
    ngx_http_uc_redis_conf_t  *conf;

    conf = redis->conf;

    /* both strings were null-terminated at configuration time */

    if (conf->unix_path.len) {
        ac = redisAsyncConnectUnix((const char *) conf->unix_path.data);

    } else {
        ac = redisAsyncConnect((const char *) conf->host.data, conf->port);
    }

    if (ac == NULL || ac->err != 0) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "usercenter redis: connect to %V%V failed: %s",
                      &conf->host, &conf->unix_path,
                      ac != NULL ? ac->errstr : "out of memory");

        if (ac != NULL) {
            redisAsyncFree(ac);
        }

        ngx_http_uc_redis_transition(redis, NGX_HTTP_UC_REDIS_EV_CONNECT);
        ngx_http_uc_redis_transition(redis,
                                     NGX_HTTP_UC_REDIS_EV_CONNECT_FAILED);
        return NGX_ERROR;
    }

    c = ngx_get_connection(ac->c.fd, redis->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        return NGX_ERROR;
    }

    c->data = redis;
    c->read->handler = ngx_http_uc_redis_read_handler;
    c->write->handler = ngx_http_uc_redis_write_handler;
    c->read->log = redis->log;
    c->write->log = redis->log;

    ac->data = redis;
    ac->ev.data = c;
    ac->ev.addRead = ngx_http_uc_redis_add_read;
    ac->ev.delRead = ngx_http_uc_redis_del_read;
    ac->ev.addWrite = ngx_http_uc_redis_add_write;
    ac->ev.delWrite = ngx_http_uc_redis_del_write;
    ac->ev.cleanup = ngx_http_uc_redis_cleanup;

    redisAsyncSetConnectCallback(ac, ngx_http_uc_redis_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_uc_redis_disconnected);

    redis->ac = ac;
    redis->c = c;
    redis->connected = 0;
    redis->want_write = 0;
    redis->connects++;
    ngx_http_uc_stat(NGX_HTTP_UC_STAT_REDIS_CONNECTS);
    redis->connect_deadline = ngx_current_msec + redis->conf->connect_timeout;

    ngx_http_uc_redis_transition(redis, NGX_HTTP_UC_REDIS_EV_CONNECT);

    /* the first write event tells that the non-blocking connect finished */

    if (ngx_handle_read_event(c->read, 0) != NGX_OK
        || ngx_handle_write_event(c->write, 0) != NGX_OK)
    {
        ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_CONNECT_FAILED);
        return NGX_ERROR;
    }

    ngx_http_uc_redis_handshake(redis);

    ngx_http_uc_redis_arm(redis);

    return redis->state == NGX_HTTP_UC_REDIS_CONNECTING ? NGX_OK : NGX_ERROR;
}


/* AUTH and SELECT travel ahead of the first command on the same socket. */
static void
ngx_http_uc_redis_handshake(ngx_http_uc_redis_t *redis)
{
    u_char                    db[NGX_INT_T_LEN];
    size_t                    lens[2];
    const char               *argv[2];
    ngx_http_uc_redis_op_t   *op;
    ngx_http_uc_redis_conf_t *conf;

    conf = redis->conf;

    if (conf->password.len) {
        op = ngx_http_uc_redis_op(redis, ngx_http_uc_redis_handshake_handler,
                                  NULL);
        if (op != NULL) {
            argv[0] = "AUTH";
            lens[0] = 4;
            argv[1] = (const char *) conf->password.data;
            lens[1] = conf->password.len;
            (void) ngx_http_uc_redis_send(op, 2, argv, lens);
        }
    }

    if (conf->db > 0) {
        op = ngx_http_uc_redis_op(redis, ngx_http_uc_redis_handshake_handler,
                                  NULL);
        if (op != NULL) {
            argv[0] = "SELECT";
            lens[0] = 6;
            argv[1] = (const char *) db;
            lens[1] = ngx_sprintf(db, "%i", conf->db) - db;
            (void) ngx_http_uc_redis_send(op, 2, argv, lens);
        }
    }

    if (redis->hook != NULL
        && redis->state == NGX_HTTP_UC_REDIS_CONNECTING)
    {
        redis->hook(redis, 1);
    }
}


static void
ngx_http_uc_redis_handshake_handler(ngx_http_uc_redis_op_t *op,
    redisReply *reply)
{
    ngx_http_uc_redis_t  *redis;

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    redis = op->redis;

    /* the password is never logged, only Redis's answer */
    ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                  "usercenter redis: handshake refused: %s", reply->str);

    ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_HANDSHAKE_FAILED);
}


/*
 * Drops the socket; hiredis then hands every pending op back with NULL.
 * The state changes first, so that handlers sending new commands from
 * their error path see the new state and never the dying context.
 */
static void
ngx_http_uc_redis_drop(ngx_http_uc_redis_t *redis, ngx_uint_t event)
{
    redisAsyncContext  *ac;

    ac = redis->ac;

    ngx_http_uc_redis_forget(redis, event);

    if (ac != NULL) {
        redisAsyncFree(ac);
    }
}


/* The context is gone or going: stop using it and move the state on. */
static void
ngx_http_uc_redis_forget(ngx_http_uc_redis_t *redis, ngx_uint_t event)
{
    redis->ac = NULL;
    redis->c = NULL;
    redis->connected = 0;

    if (redis->timer.timer_set) {
        ngx_del_timer(&redis->timer);
    }

    ngx_http_uc_redis_transition(redis, event);
}


/* One timer: the connect deadline, else the oldest command's deadline. */
static void
ngx_http_uc_redis_arm(ngx_http_uc_redis_t *redis)
{
    ngx_msec_t               deadline;
    ngx_msec_int_t           left;
    ngx_http_uc_redis_op_t  *op;

    if (redis->state == NGX_HTTP_UC_REDIS_CONNECTING) {
        deadline = redis->connect_deadline;

    } else if (!ngx_queue_empty(&redis->pending)) {
        op = ngx_queue_data(ngx_queue_head(&redis->pending),
                            ngx_http_uc_redis_op_t, queue);
        deadline = op->deadline;

    } else {
        if (redis->timer.timer_set) {
            ngx_del_timer(&redis->timer);
        }

        return;
    }

    left = (ngx_msec_int_t) (deadline - ngx_current_msec);

    ngx_add_timer(&redis->timer, left > 0 ? (ngx_msec_t) left : 1);
}


static void
ngx_http_uc_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    ngx_http_uc_redis_t     *redis;
    ngx_http_uc_redis_op_t  *op;

    op = privdata;
    redis = op->redis;

    ngx_queue_remove(&op->queue);

    if (r == NULL) {
        redis->failures++;
        ngx_http_uc_stat(NGX_HTTP_UC_STAT_REDIS_FAILURES);
    }

    if (op->handler != NULL && redis->state != NGX_HTTP_UC_REDIS_EXITING) {
        op->handler(op, r);
    }

    ngx_http_uc_redis_release(op);

    if (redis->ac == ac && redis->state == NGX_HTTP_UC_REDIS_READY) {
        ngx_http_uc_redis_arm(redis);
    }
}


static void
ngx_http_uc_redis_timer_handler(ngx_event_t *ev)
{
    ngx_http_uc_redis_t  *redis;

    redis = ev->data;

    ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                  "usercenter redis: %s timed out",
                  redis->state == NGX_HTTP_UC_REDIS_CONNECTING
                  ? "connect" : "command");

    ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_TIMEOUT);
}


static void
ngx_http_uc_redis_backoff_handler(ngx_event_t *ev)
{
    ngx_http_uc_redis_t  *redis;

    redis = ev->data;

    if (ngx_exiting || ngx_quit) {
        return;
    }

    ngx_http_uc_redis_transition(redis, NGX_HTTP_UC_REDIS_EV_BACKOFF_DONE);
}


static void
ngx_http_uc_redis_read_handler(ngx_event_t *rev)
{
    int                   n;
    ngx_connection_t     *c;
    redisAsyncContext    *ac;
    ngx_http_uc_redis_t  *redis;

    c = rev->data;
    redis = c->data;
    ac = redis->ac;

    if (ac == NULL || redis->c != c) {
        return;
    }

    for ( ;; ) {
        redisAsyncHandleRead(ac);

        /* the context may have been freed by a disconnect or a handler */
        if (redis->ac != ac) {
            return;
        }

        if (ioctl(c->fd, FIONREAD, &n) == -1 || n <= 0) {
            break;
        }
    }
}


static void
ngx_http_uc_redis_write_handler(ngx_event_t *wev)
{
    ngx_connection_t     *c;
    redisAsyncContext    *ac;
    ngx_http_uc_redis_t  *redis;

    c = wev->data;
    redis = c->data;
    ac = redis->ac;

    if (ac == NULL || redis->c != c) {
        return;
    }

    if (redis->connected && !redis->want_write) {
        return;
    }

    redisAsyncHandleWrite(ac);

    if (redis->ac != ac) {
        return;
    }

    if (redis->want_write) {
        if (ngx_handle_write_event(wev, 0) != NGX_OK) {
            ngx_http_uc_redis_drop(redis, NGX_HTTP_UC_REDIS_EV_CLOSED);
        }
    }
}


#if (HIREDIS_MAJOR >= 1)
static void
ngx_http_uc_redis_connected(redisAsyncContext *ac, int status)
#else
static void
ngx_http_uc_redis_connected(const redisAsyncContext *ac, int status)
#endif
{
    ngx_http_uc_redis_t  *redis;

    redis = ac->data;

    if (redis->ac != ac) {
        return;
    }

    if (status != REDIS_OK) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "usercenter redis: connect to %V%V failed: %s",
                      &redis->conf->host, &redis->conf->unix_path,
                      ac->errstr);

        /* hiredis frees the context after this callback returns */
        ngx_http_uc_redis_forget(redis, NGX_HTTP_UC_REDIS_EV_CONNECT_FAILED);
        return;
    }

    redis->connected = 1;
    ngx_http_uc_redis_transition(redis, NGX_HTTP_UC_REDIS_EV_CONNECTED);
    ngx_http_uc_redis_arm(redis);
}


static void
ngx_http_uc_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_uc_redis_t  *redis;

    redis = ac->data;

    if (redis->ac != ac) {
        return;
    }

    /* hiredis runs the cleanup hook first, which normally got here before */
    ngx_http_uc_redis_forget(redis, NGX_HTTP_UC_REDIS_EV_CLOSED);
}


/* ------------------------------------------------ the hiredis adapter */

static void
ngx_http_uc_redis_add_read(void *privdata)
{
    ngx_connection_t  *c = privdata;

    (void) ngx_handle_read_event(c->read, 0);
}


static void
ngx_http_uc_redis_del_read(void *privdata)
{
    /* reading stays on until cleanup: the socket is always ours to drain */
}


static void
ngx_http_uc_redis_add_write(void *privdata)
{
    ngx_connection_t     *c = privdata;
    ngx_http_uc_redis_t  *redis;

    redis = c->data;
    redis->want_write = 1;

    if (redis->connected && !c->write->posted) {
        ngx_post_event(c->write, &ngx_posted_events);
    }
}


static void
ngx_http_uc_redis_del_write(void *privdata)
{
    ngx_connection_t     *c = privdata;
    ngx_http_uc_redis_t  *redis;

    redis = c->data;
    redis->want_write = 0;

    if (c->write->active && !(ngx_event_flags & NGX_USE_CLEAR_EVENT)) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }
}


/*
 * hiredis calls this before it closes the socket: leave no event, timer
 * or posted event behind, and give the connection back to nginx.
 */
static void
ngx_http_uc_redis_cleanup(void *privdata)
{
    ngx_connection_t     *c = privdata;
    ngx_http_uc_redis_t  *redis;

    redis = c->data;

    if (redis->c == c) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "usercenter redis: connection closed: %s",
                      redis->ac->err ? redis->ac->errstr : "by peer");

        ngx_http_uc_redis_forget(redis, NGX_HTTP_UC_REDIS_EV_CLOSED);
    }

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    if (ngx_del_conn) {
        ngx_del_conn(c, NGX_CLOSE_EVENT);

    } else {
        if (c->read->active || c->read->disabled) {
            ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->write->active || c->write->disabled) {
            ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }
    }

    ngx_free_connection(c);

    /* hiredis closes the descriptor itself */
    c->fd = (ngx_socket_t) -1;
}
