/*
 * uc-backend: public suffixes (libpsl, with Debian's publicsuffix list):
 * a line's cookie domain may not be one (".com.cn", ".github.io"), or
 * its sessions' cookie would go to every site under it. Checked when an
 * administrator saves a line, never in a request path of the gateway.
 */

#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "ucb.h"


static psl_ctx_t       *psl;
static pthread_once_t   psl_once = PTHREAD_ONCE_INIT;


static void
psl_load(void)
{
    /* the newer of the list built in and the packaged file */
    psl = psl_latest(NULL);

    if (psl == NULL) {
        psl = (psl_ctx_t *) psl_builtin();
    }
}


int
ucb_public_suffix(const char *domain)
{
    pthread_once(&psl_once, psl_load);

    if (domain[0] == '.') {
        domain++;
    }

    /* without a list nothing is known to be safe */
    if (psl == NULL) {
        return 1;
    }

    return psl_is_public_suffix2(psl, domain,
                                 PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}
