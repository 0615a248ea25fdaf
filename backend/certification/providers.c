/*
 * uc-backend: a check by the configured providers, in their order
 * (certification_person_providers, certification_enterprise_providers),
 * within one deadline (provider_timeout_ms) for them all. The next
 * provider is asked only when one refused to check: busy, down, refusing
 * our call (a 502 or 503 it said, or a connection it never took). An
 * answer is final, a mismatch and "no record" included: asking another
 * provider after a "no" would let a caller shop for a "yes". Nor is
 * another asked when the first may have checked and its answer was lost
 * (a connection broken after the call was sent, or the deadline run out).
 */

#include "certification.h"


void
ucb_cert_fail(ucb_provider_error_t *err, ucb_cert_fail_e why)
{
    switch (why) {

    case UCB_CERT_BUSY:
        ucb_provider_fail(err, 503, "provider_busy", "the verification "
                          "service is busy; try again later", 5);
        break;

    case UCB_CERT_REFUSED:
        ucb_provider_fail(err, 502, "provider_misconfigured", "the "
                          "verification service refused this service's "
                          "call", 0);
        break;

    case UCB_CERT_NO_ANSWER:
        ucb_provider_fail(err, 502, "provider_error", "the verification "
                          "service gave no answer", 0);
        break;

    default:
        ucb_provider_fail(err, 503, "provider_busy", "out of memory; try "
                          "again shortly", 1);
    }
}


typedef int (*check_pt)(int provider, void *ctx, char *request_id,
    size_t size, ucb_provider_error_t *err);


/* check by each of the n providers in turn, as above */
static int
chain(const int *providers, int n, check_pt check, void *ctx,
    const char **provider, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    int  i, biz;

    biz = -1;
    ucb_provider_fail(err, 404, "provider_not_configured",
                      "certification is not configured here", 0);
    ucb_provider_begin();

    for (i = 0; i < n; i++) {
        *provider = ucb_cert_provider_name(providers[i]);
        request_id[0] = '\0';

        biz = check(providers[i], ctx, request_id, size, err);

        if (biz > 0 || (err->status != 502 && err->status != 503)
            || err->may_have_run || i + 1 == n)
        {
            break;
        }

        ucb_log(UCB_LOG_WARN, "certification provider refused, the next "
                "one asked", "\"provider\":\"%s\",\"code\":\"%s\","
                "\"provider_code\":%ld", *provider, err->code, err->errcode);
    }

    return biz;
}


typedef struct {
    const char  *name;
    const char  *id_number;
} person_t;


static int
person(int provider, void *ctx, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    person_t  *p = ctx;

    return provider == UCB_CERT_TENCENT
           ? ucb_tencent_id_verify(p->name, p->id_number, request_id, size,
                                   err)
           : ucb_aliyun_id2meta(p->name, p->id_number, request_id, size,
                                err);
}


int
ucb_cert_person_check(const char *name, const char *id_number,
    const char **provider, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    person_t  p = { name, id_number };

    return chain(ucb_cert.person_providers, ucb_cert.npersons, person, &p,
                 provider, request_id, size, err);
}


typedef struct {
    const char  *code, *name, *rep, *rep_id, *serial, *merchant;
    char        *status;
    size_t       status_size;
} enterprise_t;


static int
enterprise(int provider, void *ctx, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    enterprise_t  *e = ctx;

    return provider == UCB_CERT_TENCENT
           ? ucb_tencent_ent_verify(e->code, e->name, e->rep, e->rep_id,
                                    e->status, e->status_size, request_id,
                                    size, err)
           : ucb_aliyun_ent_verify(e->code, e->name, e->rep, e->rep_id,
                                   e->serial, e->merchant, e->status,
                                   e->status_size, request_id, size, err);
}


int
ucb_cert_enterprise_check(const char *code, const char *name,
    const char *rep, const char *rep_id, const char *serial,
    const char *merchant, const char **provider, char *status,
    size_t status_size, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    enterprise_t  e = { code, name, rep, rep_id, serial, merchant, status,
                        status_size };

    return chain(ucb_cert.ent_providers, ucb_cert.nents, enterprise, &e,
                 provider, request_id, size, err);
}
