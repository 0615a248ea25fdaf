/*
 * usercenter shared contract: which body field names the account an
 * endpoint acts on, read the same way by the registration guard at the
 * gateway and by the backend's handlers.
 *
 * The guard must score exactly the identifier the backend will act on. So
 * each endpoint that takes an identifier names one field (the table in
 * uc_ident.c), a body may carry no other identifier field (phone, to,
 * login, email) beside it, and an identifier is at most UC_IDENT_MAX bytes
 * (a phone at most UC_PHONE_MAX) before anything is looked up for it. A
 * caller feeds every field of the body, in any order, and asks for the
 * verdict at the end.
 */

#ifndef UC_IDENT_H
#define UC_IDENT_H

#include <stddef.h>


#define UC_IDENT_MAX       254     /* an e-mail address (RFC 5321 path) */
#define UC_PHONE_MAX       16      /* E.164: "+" and at most 15 digits */
#define UC_DEVICE_ID_MAX   128     /* X-Device-Id */


typedef enum {
    UC_IDENT_OK = 0,
    UC_IDENT_CONFLICT,          /* another identifier field beside it */
    UC_IDENT_TOO_LONG
} uc_ident_rc_e;


typedef struct {
    const char     *field;      /* the endpoint's field; NULL: any one */
    const char     *seen;       /* the identifier field taken */
    const char     *value;      /* its value (in buf), NULL if none */
    size_t          len;
    uc_ident_rc_e   rc;
    char            buf[UC_IDENT_MAX + 1];
} uc_ident_t;


typedef enum {
    UC_BODY_OK = 0,
    UC_BODY_MALFORMED,          /* not a JSON object */
    UC_BODY_MEDIA               /* neither JSON nor a form */
} uc_body_rc_e;


/*
 * The identifier field of an endpoint by its path ("/uc/v1/codes" -> "to"),
 * NULL for a path that takes none or is not known.
 */
const char *uc_ident_field_of(const char *path, size_t len);

/* Whether a body field name is one of the identifier fields. */
int uc_ident_is_field(const char *name, size_t len);

/* Starts a body's check for an endpoint's field (NULL: any one field). */
void uc_ident_init(uc_ident_t *id, const char *field);

/*
 * One field of the body. value NULL with present = 1: a field that is not
 * a string (it still counts as an identifier given); present = 0: a JSON
 * null, as good as absent.
 */
void uc_ident_add(uc_ident_t *id, const char *name, size_t name_len,
    const char *value, size_t value_len, int present);

/*
 * Every field of a request body, JSON (application/json: an object,
 * duplicate keys refused, as the backend parses it) or a form
 * (application/x-www-form-urlencoded: '+' and %XX decoded, a name given
 * twice is given twice), into id. A non-empty field named honeypot sets
 * *honeypot.
 */
uc_body_rc_e uc_ident_body(uc_ident_t *id, const char *ctype,
    size_t ctype_len, const char *body, size_t len, const char *honeypot,
    size_t honeypot_len, int *honeypot_filled);

/* The fields of a JSON object already parsed (a json_t *). */
void uc_ident_json(uc_ident_t *id, const void *object);

/* The message for a verdict other than UC_IDENT_OK. */
const char *uc_ident_strerror(uc_ident_rc_e rc);

#endif /* UC_IDENT_H */
