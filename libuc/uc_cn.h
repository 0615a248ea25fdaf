
/*
 * libuc: China's identifiers, checked once for every caller (the backend's
 * merchants and certification, the OCR's reading of documents):
 *
 *   - the unified social credit code of GB 32100-2015 (enterprises,
 *     individual businesses, organisations): 18 characters of the
 *     alphabet 0-9 A-H J-N P-R T U W X Y, the last a check character;
 *   - the resident identity number of GB 11643-1999: 6 digits of the
 *     registering division (GB/T 2260: checked against the dictionary by
 *     the caller, which has it), the birth date, 3 digits of order (odd
 *     for men), a check digit or X.
 *
 * Each answers 1 (valid) or 0 with the first problem found, a stable name
 * that answers may carry ("check_digit", ...).
 */


#ifndef _UC_CN_H_INCLUDED_
#define _UC_CN_H_INCLUDED_


#include <stddef.h>


#define UC_USCC_LEN  18
#define UC_RIC_LEN   18


int uc_uscc_valid(const char *s, size_t len, const char **problem);

/*
 * Whether the organisation code inside a valid credit code (characters 9
 * to 17, GB 11714) has its own check character right. Not every subject
 * code issued since 2015 is known to carry one, so this is for readers
 * that must never take a misreading for a code (the OCR), not for
 * refusing what a user typed.
 */
int uc_uscc_org_code_valid(const char *s);


typedef struct {
    int             year;
    int             month;
    int             day;
    int             male;
    char            division[7];    /* the first six digits */
} uc_ric_t;

/*
 * A birth date before 1900 or after today's (UTC) is "birth_date": out
 * is filled when the number is valid.
 */
int uc_ric_valid(const char *s, size_t len, uc_ric_t *out,
    const char **problem);


#endif /* _UC_CN_H_INCLUDED_ */
