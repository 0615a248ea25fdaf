/*
 * uc-backend: certification (issue 14), what its files share.
 *
 *   cert_config.c    settings: the sealing key, the provider's credentials
 *   vault.c          sealing (AES-256-GCM) and keyed hashes of personal data
 *   aliyun_verify.c  Alibaba Cloud's Id2MetaVerify, RPC-signed
 *   tencent_verify.c Tencent Cloud's IdCardVerification, TC3-signed
 *   providers.c      the checks by the providers in order
 *   person.c         POST/GET /uc/v1/certification/person
 *   enterprise.c     a merchant's certification and its review
 *   licence_image.c  a licence's photo for the review, sealed, expiring
 */

#ifndef UCB_CERTIFICATION_H
#define UCB_CERTIFICATION_H

#include <stddef.h>

#include "ucb.h"
#include "social.h"         /* the provider calls (provider.c) */


/* the providers of a person's check, tried in the configured order */
typedef enum {
    UCB_CERT_ALIYUN = 0,
    UCB_CERT_TENCENT
} ucb_cert_provider_e;

#define UCB_CERT_PROVIDERS  2

typedef struct {
    char            key_file[256];
    unsigned char   seal_key[32];      /* derived from the file's key */
    unsigned char   hash_key[32];
    int             have_key;

    char            endpoint[UCB_SOCIAL_URL_MAX];     /* Id2MetaVerify */
    char            ent_endpoint[UCB_SOCIAL_URL_MAX]; /* EntElementVerify */
    char            access_key_id[65];
    char            access_key_secret_file[256];
    char            access_key_secret[129];

    char            tc_endpoint[UCB_SOCIAL_URL_MAX];  /* faceid */
    char            tc_ocr_endpoint[UCB_SOCIAL_URL_MAX];  /* ocr */
    char            tc_secret_id[65];
    char            tc_secret_key_file[256];
    char            tc_secret_key[129];
    int             person_providers[UCB_CERT_PROVIDERS];   /* in order */
    int             npersons;
    int             ent_providers[UCB_CERT_PROVIDERS];
    int             nents;
    int             persons_named;     /* lists named by the operator */
    int             ents_named;
    long            attempts;          /* per user per day */
    long            reuse_s;           /* a provider's answer reused */
    long            unique;            /* one identity, one account */
    long            image_pending_s;   /* a licence photo kept while its
                                          request waits, at most */
    long            image_decided_s;   /* ... and after the decision */
} ucb_cert_conf_t;

extern ucb_cert_conf_t  ucb_cert;

int ucb_cert_config_set(const char *name, const char *value);
void ucb_cert_config_defaults(void);

/* 0 when the caller owns the merchant of the path's first {id}; else
   the request is answered (404, 403 merchant_role_required) */
int ucb_cert_owner(ucb_req_t *req);

void ucb_h_merchant_cert_licence_put(ucb_req_t *req);
void ucb_h_admin_cert_licence_get(ucb_req_t *req);
/* a decided request's photo kept image_decided_s more at most */
void ucb_cert_licence_decided(const char *serial);
int ucb_cert_start(void);
/* "aliyun", "tencent" */
const char *ucb_cert_provider_name(int provider);
int ucb_cert_enabled(void);
int ucb_cert_person_enabled(void);

/*
 * vault.c: "v1." base64(nonce | ciphertext | tag); 0 or -1. context is
 * the associated data ("person|id|<uid>"): a value moved to another field
 * or row does not open.
 */
int ucb_seal(const char *plain, const char *context, char *out,
    size_t size);
int ucb_unseal(const char *sealed, const char *context, char *out,
    size_t size);
/* the same for bytes of any length (a licence's photo), malloc'ed */
char *ucb_seal_bytes(const unsigned char *plain, size_t plen,
    const char *context);
unsigned char *ucb_unseal_bytes(const char *sealed, const char *context,
    size_t *plen);

/* HMAC-SHA256 under the hash key, hex */
void ucb_keyed_hash(const char *value, char hex[65]);
/* 11010519491231002X -> 1101**********002X; 张三丰 -> 张** */
void ucb_mask_id_number(char *dst, size_t size, const char *id);
void ucb_mask_name(char *dst, size_t size, const char *name);

/* aliyun_verify.c: 1 match, 2 mismatch, 3 no record; -1 and *err; within
   the deadline of the caller's ucb_provider_begin(), as the others */
int ucb_aliyun_id2meta(const char *name, const char *id_number,
    char *request_id, size_t size, ucb_provider_error_t *err);

/* tencent_verify.c: IdCardVerification, as ucb_aliyun_id2meta */
int ucb_tencent_id_verify(const char *name, const char *id_number,
    char *request_id, size_t size, ucb_provider_error_t *err);

/* the same with Tencent Cloud's VerifyBizLicenseEnterprise3 and 4 */
int ucb_tencent_ent_verify(const char *code, const char *name,
    const char *rep, const char *rep_id, char *status, size_t status_size,
    char *request_id, size_t size, ucb_provider_error_t *err);

/* the providers' refusals as our envelope words them, once */
typedef enum {
    UCB_CERT_BUSY = 0,      /* 503 provider_busy, Retry-After 5 */
    UCB_CERT_REFUSED,       /* 502 provider_misconfigured: our call */
    UCB_CERT_NO_ANSWER,     /* 502 provider_error */
    UCB_CERT_NO_MEMORY      /* 503 provider_busy, Retry-After 1 */
} ucb_cert_fail_e;

void ucb_cert_fail(ucb_provider_error_t *err, ucb_cert_fail_e why);

/*
 * providers.c: a check by the configured providers in their order, the
 * next asked when one refused to check (busy, down, refusing our call);
 * an answer (a match, a mismatch, no record) is final. *provider names
 * the one that answered.
 */
int ucb_cert_person_check(const char *name, const char *id_number,
    const char **provider, char *request_id, size_t size,
    ucb_provider_error_t *err);
int ucb_cert_enterprise_check(const char *code, const char *name,
    const char *rep, const char *rep_id, const char *serial,
    const char *merchant, const char **provider, char *status,
    size_t status_size, char *request_id, size_t size,
    ucb_provider_error_t *err);

/* person.c: a name as identity cards print it */
int ucb_person_name_valid(const char *s);
/* given as a checked ID number into id (x as X); 0, or answered (400) */
int ucb_cert_id_number(ucb_req_t *req, const char *given, char id[19]);
/* Beijing's day, YYYYMMDD: the day attempts are counted in */
void ucb_cert_today(char day[16]);
/* one more attempt on key (it lives two days): the count, -1 when Redis
   fails */
long ucb_cert_count(const char *key);

/* 1 full match, 2 mismatch, 3 no record, with the registry's status of
   the enterprise ("" when the answer has none); -1 and *err (rep_id "":
   three elements) */
int ucb_aliyun_ent_verify(const char *code, const char *name,
    const char *rep, const char *rep_id, const char *serial,
    const char *merchant, char *status, size_t status_size,
    char *request_id, size_t size, ucb_provider_error_t *err);

/* an operator's reason (1 to 200 bytes), or NULL and answered (400) */
const char *ucb_cert_reason(ucb_req_t *req);

void ucb_h_cert_person(ucb_req_t *req);
void ucb_h_admin_cert_revoke(ucb_req_t *req);
void ucb_h_admin_cert_attempts_clear(ucb_req_t *req);
void ucb_h_admin_merchant_cert_revoke(ucb_req_t *req);
void ucb_h_merchant_cert_request(ucb_req_t *req);
void ucb_h_merchant_cert_get(ucb_req_t *req);
void ucb_h_admin_merchant_certs(ucb_req_t *req);
void ucb_h_admin_merchant_cert_decide(ucb_req_t *req);
void ucb_h_cert_person_get(ucb_req_t *req);

#endif /* UCB_CERTIFICATION_H */
