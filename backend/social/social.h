/*
 * uc-backend: social login (WeChat, Alipay): what its files share.
 */

#ifndef UCB_SOCIAL_H
#define UCB_SOCIAL_H

#include <stddef.h>

#include <jansson.h>


/* a provider's refusal, as our envelope will give it */
typedef struct {
    int             status;         /* 400, 502, 503 */
    const char     *code;
    const char     *message;
    int             retry_after;    /* seconds, 0: none */
    long            errcode;        /* the provider's own, for the log */
} ucb_provider_error_t;

/*
 * A WeChat API answer (HTTP 200 either way): 0 and the object in *out
 * (json_decref it), or -1 and *err.
 */
int ucb_wechat_answer(const char *body, size_t len, json_t **out,
    ucb_provider_error_t *err);

#endif /* UCB_SOCIAL_H */
