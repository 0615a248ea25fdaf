/*
 * uc-backend: a person's two-element check by the configured providers
 * (certification_person_providers), in their order, within one deadline
 * (provider_timeout_ms) for them all. The next provider is asked only
 * when one refused to check: busy, down, refusing our call (a 502 or
 * 503 it said, or a connection it never took). An answer is final, a
 * mismatch and "no record" included: asking another provider after a
 * "no" would let a caller shop for a "yes". Nor is another asked when the
 * first may have checked and its answer was lost (a connection broken
 * after the call was sent, or the deadline run out).
 */

#include "certification.h"


int
ucb_cert_person_check(const char *name, const char *id_number,
    const char **provider, char *request_id, size_t size,
    ucb_provider_error_t *err)
{
    int  i, p, biz;

    biz = -1;
    ucb_provider_fail(err, 404, "provider_not_configured",
                      "certification is not configured here", 0);
    ucb_provider_begin();

    for (i = 0; i < ucb_cert.npersons; i++) {
        p = ucb_cert.person_providers[i];
        *provider = ucb_cert_provider_name(p);
        request_id[0] = '\0';

        biz = p == UCB_CERT_TENCENT
              ? ucb_tencent_id_verify(name, id_number, request_id, size, err)
              : ucb_aliyun_id2meta(name, id_number, request_id, size, err);

        if (biz > 0 || (err->status != 502 && err->status != 503)
            || err->may_have_run)
        {
            break;
        }

        if (i + 1 < ucb_cert.npersons) {
            ucb_log(UCB_LOG_WARN, "certification provider refused, the next "
                    "one asked", "\"provider\":\"%s\",\"code\":\"%s\","
                    "\"provider_code\":%ld", *provider, err->code,
                    err->errcode);
        }
    }

    return biz;
}
