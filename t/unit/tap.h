/*
 * A minimal TAP producer for the C unit tests, read by prove.
 */

#ifndef UC_TAP_H
#define UC_TAP_H

#include <stdio.h>
#include <string.h>

static int  tap_n, tap_failed;

#define ok(cond, ...)                                                         \
    do {                                                                      \
        int ok_ = (cond) ? 1 : 0;                                             \
        printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);                     \
        printf(__VA_ARGS__);                                                  \
        putchar('\n');                                                        \
        if (!ok_) {                                                           \
            tap_failed++;                                                     \
            printf("#   Failed at %s line %d\n", __FILE__, __LINE__);         \
        }                                                                     \
    } while (0)

#define is_int(got, want, ...)                                                \
    do {                                                                      \
        long long g_ = (long long) (got), w_ = (long long) (want);            \
        ok(g_ == w_, __VA_ARGS__);                                            \
        if (g_ != w_) {                                                       \
            printf("#          got: %lld\n#     expected: %lld\n", g_, w_);   \
        }                                                                     \
    } while (0)

#define is_str(got, want, ...)                                                \
    do {                                                                      \
        const char *g_ = (got), *w_ = (want);                                 \
        ok(strcmp(g_, w_) == 0, __VA_ARGS__);                                 \
        if (strcmp(g_, w_) != 0) {                                            \
            printf("#          got: '%s'\n#     expected: '%s'\n", g_, w_);   \
        }                                                                     \
    } while (0)

#define done_testing()                                                        \
    (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif /* UC_TAP_H */
