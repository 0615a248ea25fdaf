/*
 * uc-backend: the store, the source of truth. One narrow interface; each
 * call is one transaction, and every state change writes its outbox event
 * in the same transaction, so an event exists exactly when its change
 * committed. SQLite (WAL) is the embedded implementation.
 */

#ifndef UCB_STORE_H
#define UCB_STORE_H

#include <stdint.h>

#include <jansson.h>


#define UCB_OK          0
#define UCB_NOT_FOUND   1
#define UCB_CONFLICT    2
#define UCB_LIMIT       3       /* a limit the write would pass */
#define UCB_FORBIDDEN   4       /* the actor's role does not allow it */
#define UCB_GONE        5       /* expired, used up, or final */
#define UCB_LAST_OWNER  6       /* a merchant keeps an owner */
#define UCB_TAKEN       7       /* a unique value another record has */
#define UCB_ERROR       (-1)

#define UCB_USER_ACTIVE       0
#define UCB_USER_FROZEN       1
#define UCB_USER_DEACTIVATED  2


typedef struct {
    char            id[24];
    int64_t         seq;            /* dense, for bitmaps */
    int             status;
    int             level;
    char            password[192];  /* argon2id encoded, "" when none */
} ucb_user_t;


typedef struct {
    char            nickname[65];   /* up to 64 bytes of UTF-8 */
    char            avatar[513];
    char            gender[8];      /* "", "male", "female", "other" */
    char            birthday[11];   /* "", or YYYY-MM-DD */
    char            region[7];      /* "", or a 6-digit GB/T 2260 code */
    int64_t         updated_at;
} ucb_profile_t;


typedef struct {
    int64_t         id;
    char            type[32];
    char            user_id[24];
    char           *data;           /* JSON text, malloc'ed */
    int64_t         created_at;
} ucb_event_t;


/* Opens the database and runs pending migrations (at start, one thread). */
int ucb_store_open(const char *path, char *err, size_t errlen);
void ucb_store_thread_close(void);
/* Closes every connection no thread holds: at exit, and before a fork
   (a child must not share the parent's sockets). */
void ucb_store_close(void);

/*
 * Whether a call on this thread failed since the last clear because the
 * store could not be reached or answer in time (lost, refused, busy past
 * its wait, a statement timeout), not because a statement was wrong: the
 * HTTP layer answers such a failure 503 store_unavailable, not 500.
 */
int ucb_store_unreachable(void);
void ucb_store_clear_unreachable(void);

/* kind: "phone" or "email" */
int ucb_store_find_login(const char *kind, const char *value, ucb_user_t *u);
int ucb_store_get_user(const char *uid, ucb_user_t *u);

/* users + identity + credential + profile + user.registered, or nothing */
int ucb_store_register(uint64_t id, const char *kind, const char *value,
    const char *password_hash, int level, const char *ip, ucb_user_t *out);

/*
 * event (NULL: none) carries keep_sid, the session the change keeps.
 * expect (NULL: whatever it is) is the hash the caller verified: when the
 * stored one is another by now (a reset meanwhile), UCB_CONFLICT.
 */
int ucb_store_set_password(const char *uid, const char *hash,
    const char *event, const char *keep_sid, const char *expect);
/* UCB_CONFLICT when the stored hash is no longer old */
int ucb_store_rehash_password(const char *uid, const char *old,
    const char *hash);
/* never changes a deactivated account (UCB_NOT_FOUND) */
int ucb_store_set_status(const char *uid, int status, const char *event,
    const char *actor);
int ucb_store_event(const char *type, const char *uid, json_t *data);

int ucb_store_profile_get(const char *uid, ucb_profile_t *p);
/*
 * The fields given (NULL: unchanged) in one statement, so two updates of
 * different fields never undo each other.
 */
typedef struct {
    const char     *nickname;
    const char     *avatar;
    const char     *gender;
    const char     *birthday;
    const char     *region;
} ucb_profile_change_t;

int ucb_store_profile_update(const char *uid, const ucb_profile_change_t *c);

/* Up to max unrelayed events, oldest first; free with ucb_store_events_free. */
int ucb_store_outbox_fetch(ucb_event_t *rows, int max, int *n);
int ucb_store_outbox_done(int64_t id);
void ucb_store_events_free(ucb_event_t *rows, int n);

/* Reserves [*first, *first + size) of a named sequence. */
int ucb_store_serial_segment(const char *name, int size, int64_t *first);

/* Counts, for tests and the admin API. */
int ucb_store_count(const char *what, int64_t *n);

/*
 * Feature flags: rule text as libuc's uc_flag_format() writes it. Changes
 * write an audit row and a flag.changed event in the same transaction.
 */
/* UCB_LIMIT: the line has UC_FLAGS_MAX flags and this is a new one */
int ucb_store_flag_put(const char *line, const char *name, const char *rule,
    const char *actor);
int ucb_store_flag_delete(const char *line, const char *name,
    const char *actor);
/* *out: a new JSON object, name -> rule */
int ucb_store_flags(const char *line, json_t **out);
/* *out: a new JSON array of the lines that have flags */
int ucb_store_flag_lines(json_t **out);

/*
 * Dictionaries: named lists of {code, label, sort, extra}, each with a
 * version bumped by every change (in the same transaction).
 */
int ucb_store_dict_version(const char *name, int64_t *version);
/* *items: a new JSON array ordered by sort, then code */
int ucb_store_dict_items(const char *name, json_t **items);
/* items replace the dictionary (replace = 1) or are upserted into it */
int ucb_store_dict_put(const char *name, json_t *items, int replace,
    const char *actor, int64_t *version);
int ucb_store_dict_item_delete(const char *name, const char *code,
    const char *actor, int64_t *version);
/* *out: a new JSON array of {name, version, items} */
int ucb_store_dicts(json_t **out);
/* UCB_OK when the dictionary has the code, UCB_NOT_FOUND when not */
int ucb_store_dict_has(const char *name, const char *code);

/*
 * Business lines (store_lines.c). A line's record as the admin API shows
 * it: {code, name, status, return_urls, cookie_domain, session:
 * {idle_timeout, max_lifetime}, settings, version, created_at,
 * updated_at}. Every change writes an audit_changes row (before, after)
 * and a line.changed event in its transaction.
 */
typedef struct {
    const char     *name;
    const char     *return_urls;    /* a JSON array, validated */
    const char     *cookie_domain;
    int64_t         idle_timeout;   /* seconds, 0: the default */
    int64_t         max_lifetime;
    const char     *settings;       /* a JSON object, validated */
    int64_t         expect_version; /* > 0: UCB_CONFLICT unless it is */
} ucb_line_t;

/* creates (active) or replaces all but the status; *created says which */
int ucb_store_line_put(const char *code, const ucb_line_t *in,
    const char *actor, json_t **out, int *created);
/* "active" or "suspended"; UCB_NOT_FOUND; no change is no audit row */
int ucb_store_line_status(const char *code, const char *status,
    const char *actor, json_t **out);
int ucb_store_line_get(const char *code, json_t **out);
int ucb_store_lines(json_t **out);

/* Administrative changes to a subject ("line:mall"), newest first, those
   with an id below cursor (0: from the newest), at most limit. */
int ucb_store_audit_changes(const char *subject, int64_t cursor, int limit,
    json_t **out);

/*
 * Line membership: a user joins a line the first time a session is made
 * for it (*joined: this time), with its channel ("register", "password",
 * "sms", ...); the join emits user.joined_line in its transaction.
 */
int ucb_store_line_join(const char *uid, const char *line,
    const char *channel, int *joined);
/* *out: [{line, channel, joined_at}], oldest first */
int ucb_store_user_lines(const char *uid, json_t **out);
/* *out: [{user_id, channel, joined_at, seq}] by the users' seq (a stable
   cursor), those with seq > after */
int ucb_store_line_members(const char *line, int64_t after, int limit,
    json_t **out);

/*
 * Service keys of business lines (store_keys.c): the secret's SHA-256
 * (hex), never the secret. A key as the admin API shows it: {key_id,
 * line, name, status, expires_at, created_at, revoked_at}.
 */
typedef struct {
    const char     *kid;
    const char     *line;
    const char     *name;
    const char     *hash;
    int64_t         expires_at;     /* 0: never */
} ucb_key_t;

/* UCB_NOT_FOUND: the line has no record */
int ucb_store_key_create(const ucb_key_t *k, const char *actor, json_t **out);
/* UCB_NOT_FOUND: no such key of that line; a second revocation: no change */
int ucb_store_key_revoke(const char *line, const char *kid, const char *actor,
    json_t **out);
/* with "hash", for the gateways' copy */
int ucb_store_key_get(const char *kid, json_t **out);
/* a line's keys; line NULL: every key, with "hash" */
int ucb_store_keys(const char *line, json_t **out);

/* What a business line's server may read of a user (unmasked here). */
typedef struct {
    char            id[24];
    int             status;
    int             level;
    int64_t         created_at;
    char            phone[32];
    char            email[256];
    char            nickname[65];
} ucb_service_user_t;

int ucb_store_service_user(const char *uid, ucb_service_user_t *u);

/*
 * Merchants (store_merchants.c, store_members.c). A merchant as its members
 * and the admin API see it: {id, kind, name, credit_code, legal_rep,
 * contact: {name, phone, email}, address, logo_url, industry, status,
 * status_reason, certification, version, created_at, updated_at, lines:
 * [{line, status}]}. Every change of a merchant, its lines or its members
 * bumps its version (the gateways' copies are replaced only by newer
 * ones) and writes an audit row (subject merchant:<id>) and an event in
 * its transaction.
 */
typedef struct {
    const char     *id;
    const char     *kind;           /* enterprise, individual */
    const char     *name;
    const char     *credit_code;    /* "" none */
    const char     *legal_rep;
    const char     *contact_name;
    const char     *contact_phone;
    const char     *contact_email;
    const char     *address;
    const char     *logo_url;
    const char     *industry;
    int64_t         expect_version; /* > 0: UCB_CONFLICT unless it is */
} ucb_merchant_t;

#define UCB_MERCHANTS_PER_USER     20
#define UCB_INVITATIONS_PENDING    100

/* pending, owner the creator; UCB_TAKEN (credit code), UCB_LIMIT */
int ucb_store_merchant_create(const ucb_merchant_t *m, const char *owner,
    json_t **out);
int ucb_store_merchant_get(const char *id, json_t **out);
/* by an owner or admin: UCB_FORBIDDEN, UCB_CONFLICT, UCB_TAKEN */
int ucb_store_merchant_update(const ucb_merchant_t *m, const char *actor,
    json_t **out);
/* an operator's: UCB_GONE when closed, UCB_CONFLICT when expect_version
   (> 0) is not the record's; no change is no audit row */
int ucb_store_merchant_status(const char *id, const char *status,
    const char *reason, int64_t expect_version, const char *actor,
    json_t **out);
/* on a line ("active", "suspended") or off it (NULL): UCB_NOT_FOUND
   when the merchant or the line's record does not exist */
int ucb_store_merchant_line(const char *id, const char *line,
    const char *status, const char *actor, json_t **out);
/* by id after the cursor; status "" for all */
int ucb_store_merchants(const char *status, const char *after, int limit,
    json_t **out);
/* [{id, version}] changed since (unix s), by id after the cursor */
int ucb_store_merchants_changed(int64_t since, const char *after, int limit,
    json_t **out);

/* the user's role in the merchant; UCB_NOT_FOUND when none */
int ucb_store_member_role(const char *mid, const char *uid, char *role,
    size_t size);
/* [{user_id, role, version, joined_at, updated_at}]; with_removed: and
   those with role "" */
int ucb_store_members(const char *mid, int with_removed, json_t **out);
/*
 * actor sets uid's role (owner, admin, staff) or removes them (""): an
 * owner anything, an admin removes staff, anyone leaves; UCB_NOT_FOUND
 * (no such member), UCB_FORBIDDEN, UCB_LAST_OWNER. *out the member.
 */
int ucb_store_member_set(const char *mid, const char *uid, const char *role,
    const char *actor, json_t **out);
/* by an owner: UCB_FORBIDDEN, UCB_LIMIT (too many pending) */
int ucb_store_invite(const char *mid, const char *id, const char *kind,
    const char *value, const char *role, int64_t expires_at,
    const char *actor, json_t **out);
/* by the invitee (a verified identity of theirs is the invitation's):
   UCB_NOT_FOUND, UCB_FORBIDDEN, UCB_GONE; *out the member */
int ucb_store_invitation_accept(const char *id, const char *uid,
    json_t **out);
/* by an owner of its merchant */
int ucb_store_invitation_cancel(const char *mid, const char *id,
    const char *actor);
int ucb_store_invitations(const char *mid, json_t **out);
/* one invitation with its recipient unmasked, for the one who sends it */
int ucb_store_invitation_read(const char *id, json_t **out);
int ucb_store_user_merchants(const char *uid, json_t **out);
int ucb_store_user_invitations(const char *uid, json_t **out);

/*
 * Social identities (store_social.c), rows of the identities table beside
 * phone and e-mail: kind "wechat" or "alipay" holds the id shared by the
 * provider's apps (unionid, user_id), kind "wechat_app" or "alipay_app"
 * holds "<appid>:<openid>", one per app the user signed in with.
 */
typedef struct {
    const char     *provider;       /* "wechat", "alipay" */
    const char     *appid;
    const char     *openid;         /* "": none */
    const char     *union_id;       /* "": none */
    const char     *nickname;       /* for a new account's profile */
    const char     *avatar;
} ucb_social_ids_t;

/*
 * The account of these ids, made (level 1, *created) when there is none,
 * and every id given bound to it. UCB_TAKEN: the ids are two accounts';
 * UCB_CONFLICT: another sign-in bound one meanwhile (call again).
 */
int ucb_store_social_sign_in(uint64_t new_id, const ucb_social_ids_t *in,
    const char *ip, ucb_user_t *out, int *created);
/*
 * Binds the ids to uid's account (*linked: any was new): UCB_TAKEN when
 * one is another account's, UCB_CONFLICT when the account has another
 * identity of the provider (or of the app), UCB_NOT_FOUND no account.
 */
int ucb_store_social_link(const char *uid, const ucb_social_ids_t *in,
    int *linked);
/* UCB_NOT_FOUND none bound, UCB_LAST_OWNER it is the last way to sign in */
int ucb_store_social_unlink(const char *uid, const char *provider);
/* [{kind, value, created_at}] of every identity of uid */
int ucb_store_identities(const char *uid, json_t **out);
/* a verified phone for uid's account, which is then level 2 at least:
   UCB_TAKEN another's, UCB_CONFLICT the account has another phone; the
   same phone again changes nothing (*added 0) */
int ucb_store_phone_add(const char *uid, const char *phone, int *added);

/*
 * Certification (store_certification.c): the sealed name and number
 * (AES-256-GCM, sealed by the caller), their masks, a keyed hash of the
 * number; certifying raises the account to level, writes user.certified
 * (no personal data in it) and an audit row, in one transaction.
 */
typedef struct {
    uint64_t        id;
    const char     *uid;
    const char     *kind;           /* "person" */
    const char     *name_sealed;
    const char     *name_masked;
    const char     *id_sealed;
    const char     *id_masked;
    const char     *id_hash;
    const char     *provider;
    const char     *provider_request;
    int             unique;         /* one identity, one account */
    int             level;
} ucb_certification_t;

/* UCB_CONFLICT the account is certified already, UCB_TAKEN the identity
   certifies another account, UCB_NOT_FOUND no active account */
int ucb_store_certify(const ucb_certification_t *c);
/* {id, kind, status, name, id_number (masked), provider, created_at} */
int ucb_store_certification(const char *uid, const char *kind, json_t **out);
/*
 * An operator's revocation of uid's certification (kind "person"): the
 * account back to level 2 (a verified phone or e-mail) or 1, the identity
 * free again, user.certification_revoked (the level, no personal data)
 * and an audit row. UCB_NOT_FOUND: not certified. *level the new one.
 */
int ucb_store_certification_revoke(const char *uid, const char *reason,
    const char *actor, int *level);
/* an operator's revocation of a merchant's: UCB_NOT_FOUND not certified */
int ucb_store_merchant_cert_revoke(const char *mid, const char *reason,
    const char *actor);
/* an operator's action that changes no record (attempts cleared), in the
   administrative audit: what (borrowed) as its "after" */
int ucb_store_audit_note(const char *actor, const char *action,
    const char *subject, json_t *what);
/* whether the identity (its hash) may certify uid's account: 0 it may, 1
   it certifies another (asked when unique), 2 an operator revoked its
   certification of this one; -1 */
int ucb_store_identity_barred(const char *hash, const char *kind,
    const char *uid, int unique);

/*
 * Merchants' (enterprise) certification (store_merchant_cert.c). A
 * request as answered: {serial, merchant_id, status (certified, pending,
 * rejected), elements (3, 4), credit_code, name, legal_rep (masked),
 * legal_rep_id_number (masked, "" for 3 elements), provider_result
 * (match, match_not_operating, mismatch, no_record, unavailable),
 * reason, requested_by, decided_by, created_at, decided_at}. Certifying marks the merchant
 * (certification "certified", its version bumped: the gateways' copy
 * follows) with merchant.certified; a request to review writes
 * merchant.certification_requested; each with its audit row.
 */
typedef struct {
    const char     *serial;
    const char     *merchant_id;
    const char     *actor;
    int             elements;
    const char     *rep_sealed;
    const char     *rep_masked;
    const char     *rep_id_sealed;
    const char     *rep_id_masked;
    const char     *name;               /* as the provider checked them */
    const char     *credit_code;
    const char     *provider_result;    /* match, match_not_operating,
                                           mismatch, no_record */
    const char     *provider;           /* aliyun, tencent */
    const char     *provider_request;
    int             certify;            /* at once (a full match) */
} ucb_merchant_cert_t;

/* by an owner: UCB_FORBIDDEN, UCB_NOT_FOUND, UCB_CONFLICT (a request is
   pending), UCB_GONE (certified already, not active, or no credit code),
   UCB_TAKEN (its name or code are no longer those checked) */
int ucb_store_merchant_cert_request(const ucb_merchant_cert_t *c,
    json_t **out);
/* an operator's: approve (1) or reject with reason; UCB_NOT_FOUND,
   UCB_CONFLICT (decided already), UCB_GONE (the merchant is no longer
   active), UCB_TAKEN (its name or code changed since the request) */
int ucb_store_merchant_cert_decide(const char *serial, int approve,
    const char *reason, const char *actor, json_t **out);
int ucb_store_merchant_cert_get(const char *serial, json_t **out);
int ucb_store_merchant_cert_latest(const char *mid, json_t **out);
int ucb_store_merchant_certs(const char *status, json_t **out);

/*
 * A licence's photo for the review of a pending request of merchant mid
 * (UCB_NOT_FOUND: no such request of it, UCB_CONFLICT: decided already),
 * sealed by the caller; kept until expires (s). get: {content_type,
 * sealed} while not expired; retain: expires no later than until; purge:
 * every expired photo deleted.
 */
int ucb_store_cert_image_put(const char *serial, const char *mid,
    const char *content_type, const char *sealed, int64_t bytes,
    int64_t now, int64_t expires);
int ucb_store_cert_image_get(const char *serial, int64_t now,
    json_t **out);
int ucb_store_cert_image_retain(const char *serial, int64_t until);
int ucb_store_cert_images_purge(int64_t now);

#endif /* UCB_STORE_H */
