
/*
 * docgen: synthetic photos of Chinese documents (resident identity cards,
 * both sides, and business licences) with their ground truth, for
 * measuring the OCR. See docgen.h for the order of work.
 *
 * Build, from the repository's root:
 *
 *   cc -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
 *      -Ilibuc $(pkg-config --cflags freetype2) -o build/docgen \
 *      t/ocr/docgen*.c libuc/uc_cn.c $(pkg-config --libs freetype2) \
 *      -llept -ljansson -lm
 *
 * Run:
 *
 *   build/docgen --out DIR --count N --seed S
 *       [--kinds id_front,id_back,licence]
 *       [--conditions clean,table,rotated,perspective,blurred,noisy,
 *                     uneven_light,jpeg,patterned,combined]
 *       [--jobs N]            (default: the CPUs online, at most 16)
 *
 * writes DIR/NNNN-<kind>-<condition>.jpg (.png for clean) and
 * DIR/truth.jsonl: per image its file, kind, condition, the fields as
 * printed (dates as YYYY-MM-DD) and the document's corners in the image
 * (top-left, top-right, bottom-right, bottom-left as printed).
 *
 * Image i (from 0) gets the i-th kind in turn and a condition that walks
 * the list so that every (kind, condition) pair comes once in each round
 * of kinds x conditions images. Each image has its own generator, seeded
 * from S and i: the output is the same, byte for byte, whatever --jobs.
 */


#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <leptonica/allheaders.h>

#include "docgen.h"


#define REGIONS_PATH  "/usr/lib/python3/dist-packages/stdnum/cn/loc.dat"
#define MAX_JOBS      16


typedef struct {
    const dg_regions_t  *regs;
    const char          *out;
    int                  count;
    uint64_t             seed;
    int                  kinds[DG_NKINDS * 4];
    int                  nkinds;
    int                  conds[DG_NCONDS * 4];
    int                  nconds;
    char               **lines;
    int                  next;
    int                  failed;
    char                 err[DG_ERR_LEN + 4096];
    pthread_mutex_t      lock;
} run_t;


static int parse_list(const char *opt, const char *arg,
    const char *const *names, int n, int *out, int max);
static int make_dirs(const char *path);
static void *worker(void *arg);
static int make_image(run_t *run, dg_fonts_t *fonts, int i);
static char *truth_line(const char *file, int kind, int cond,
    const dg_doc_t *doc, double corners[4][2]);
static void fail(run_t *run, const char *msg);
static void usage(void);


static const char *const kind_names[DG_NKINDS] = {
    "id_front", "id_back", "licence"
};

static const char *const cond_names[DG_NCONDS] = {
    "clean", "table", "rotated", "perspective", "blurred", "noisy",
    "uneven_light", "jpeg", "patterned", "combined"
};


int
main(int argc, char **argv)
{
    run_t             run;
    dg_regions_t      regs;
    dg_fonts_t        fonts;
    pthread_t         th[MAX_JOBS];
    char              path[4096], *end;
    const char       *out, *kinds, *conds;
    int               i, jobs, started, seeded;
    long              ncpu;
    FILE             *fp;
    struct timespec   t0, t1;

    setMsgSeverity(L_SEVERITY_NONE);
    clock_gettime(CLOCK_MONOTONIC, &t0);

    memset(&run, 0, sizeof(run));
    out = NULL;
    kinds = "id_front,id_back,licence";
    conds = "clean,table,rotated,perspective,blurred,noisy,uneven_light,"
            "jpeg,patterned,combined";
    run.count = -1;
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = ncpu < 1 ? 1 : ncpu > MAX_JOBS ? MAX_JOBS : (int) ncpu;
    started = 0;
    seeded = 0;

    for (i = 1; i < argc; i++) {
        if (i + 1 >= argc) {
            usage();
            return 2;
        }

        errno = 0;

        if (strcmp(argv[i], "--out") == 0) {
            out = argv[++i];

        } else if (strcmp(argv[i], "--count") == 0) {
            run.count = (int) strtol(argv[++i], &end, 10);

            if (*end != '\0' || errno != 0 || run.count < 0) {
                fprintf(stderr, "docgen: bad --count %s\n", argv[i]);
                return 2;
            }

        } else if (strcmp(argv[i], "--seed") == 0) {
            run.seed = strtoull(argv[++i], &end, 0);
            seeded = 1;

            if (*end != '\0' || errno != 0) {
                fprintf(stderr, "docgen: bad --seed %s\n", argv[i]);
                return 2;
            }

        } else if (strcmp(argv[i], "--kinds") == 0) {
            kinds = argv[++i];

        } else if (strcmp(argv[i], "--conditions") == 0) {
            conds = argv[++i];

        } else if (strcmp(argv[i], "--jobs") == 0) {
            jobs = (int) strtol(argv[++i], &end, 10);

            if (*end != '\0' || jobs < 1 || jobs > MAX_JOBS) {
                fprintf(stderr, "docgen: bad --jobs %s (1-%d)\n", argv[i],
                        MAX_JOBS);
                return 2;
            }

        } else {
            usage();
            return 2;
        }
    }

    /* no default seed: a run that cannot be repeated is no benchmark */
    if (out == NULL || run.count < 0 || seeded == 0) {
        usage();
        return 2;
    }

    run.nkinds = parse_list("--kinds", kinds, kind_names, DG_NKINDS,
                            run.kinds, DG_NKINDS * 4);
    run.nconds = parse_list("--conditions", conds, cond_names, DG_NCONDS,
                            run.conds, DG_NCONDS * 4);

    if (run.nkinds <= 0 || run.nconds <= 0) {
        return 2;
    }

    /* every failure we can foresee, before any work */
    if (dg_fonts_open(&fonts, run.err, sizeof(run.err)) != 0) {
        fprintf(stderr, "docgen: %s\n", run.err);
        return 1;
    }

    dg_fonts_close(&fonts);

    if (dg_regions_load(REGIONS_PATH, &regs, run.err, sizeof(run.err))
        != 0)
    {
        fprintf(stderr, "docgen: %s\n", run.err);
        return 1;
    }

    if (make_dirs(out) != 0) {
        fprintf(stderr, "docgen: cannot create the directory %s: %s\n",
                out, strerror(errno));
        return 1;
    }

    snprintf(path, sizeof(path), "%s/truth.jsonl", out);
    fp = fopen(path, "w");

    if (fp == NULL) {
        fprintf(stderr, "docgen: cannot write %s: %s\n", path,
                strerror(errno));
        return 1;
    }

    dg_effects_init();

    run.regs = &regs;
    run.out = out;
    run.lines = calloc(run.count + 1, sizeof(char *));
    pthread_mutex_init(&run.lock, NULL);

    if (run.lines == NULL) {
        fprintf(stderr, "docgen: out of memory\n");
        return 1;
    }

    for (i = 0; i < jobs; i++) {
        if (pthread_create(&th[i], NULL, worker, &run) != 0) {
            fail(&run, "cannot start a worker");
            break;
        }

        started++;
    }

    for (i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }

    if (run.failed == 0) {
        for (i = 0; i < run.count; i++) {
            if (fputs(run.lines[i], fp) == EOF || fputc('\n', fp) == EOF) {
                fail(&run, "cannot write truth.jsonl");
                break;
            }
        }
    }

    if (fclose(fp) != 0 && run.failed == 0) {
        fail(&run, "cannot write truth.jsonl");
    }

    for (i = 0; i < run.count; i++) {
        free(run.lines[i]);
    }

    free(run.lines);
    free(regs.r);

    if (run.failed != 0) {
        fprintf(stderr, "docgen: %s\n", run.err);
        return 1;
    }

    clock_gettime(CLOCK_MONOTONIC, &t1);

    printf("docgen: %d images and truth.jsonl in %s, %.2f s, %d jobs\n",
           run.count, out,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, jobs);

    return 0;
}


static void *
worker(void *arg)
{
    run_t       *run;
    dg_fonts_t   fonts;
    char         err[DG_ERR_LEN];
    int          i, stop;

    run = arg;

    /* FreeType's faces are not to be shared between threads */
    if (dg_fonts_open(&fonts, err, sizeof(err)) != 0) {
        fail(run, err);
        return NULL;
    }

    for ( ;; ) {
        pthread_mutex_lock(&run->lock);
        i = run->next++;
        stop = run->failed;
        pthread_mutex_unlock(&run->lock);

        if (i >= run->count || stop != 0) {
            break;
        }

        if (make_image(run, &fonts, i) != 0) {
            break;
        }
    }

    dg_fonts_close(&fonts);

    return NULL;
}


static int
make_image(run_t *run, dg_fonts_t *fonts, int i)
{
    dg_rng_t   rng;
    dg_doc_t   doc;
    dg_img_t   flat, img;
    int        kind, cond, quality, a, b, t, lcm;
    double     corners[4][2];
    char       name[128], path[4096], msg[DG_ERR_LEN + 4096];

    /* kinds and conditions both in turn; when their counts share a
       factor (gcd) that alone repeats some pairs and misses others, so
       the condition slips by one after each least common multiple of
       images: every pair then comes once in each kinds x conditions */
    a = run->nkinds;
    b = run->nconds;

    while (b != 0) {
        t = a % b;
        a = b;
        b = t;
    }

    lcm = run->nkinds / a * run->nconds;
    kind = run->kinds[i % run->nkinds];
    cond = run->conds[(i + (a > 1 ? i / lcm : 0)) % run->nconds];

    rng.s = run->seed ^ (0xd1b54a32d192ed03ULL * (uint64_t) (i + 1));
    (void) dg_rng_next(&rng);

    dg_doc_make(run->regs, kind, &rng, &doc);

    if (dg_render(fonts, &doc, &rng, &flat) != 0) {
        fail(run, "cannot draw a document (out of memory or a glyph)");
        return -1;
    }

    if (dg_scene(&flat, kind, cond, &rng, &img, corners, &quality) != 0) {
        dg_img_free(&flat);
        fail(run, "cannot compose a photo (out of memory)");
        return -1;
    }

    dg_img_free(&flat);

    snprintf(name, sizeof(name), "%04d-%s-%s.%s", i + 1, kind_names[kind],
             cond_names[cond], quality == 0 ? "png" : "jpg");
    snprintf(path, sizeof(path), "%s/%s", run->out, name);

    if (dg_write(&img, path, quality) != 0) {
        dg_img_free(&img);
        snprintf(msg, sizeof(msg), "cannot write %s", path);
        fail(run, msg);
        return -1;
    }

    dg_img_free(&img);

    run->lines[i] = truth_line(name, kind, cond, &doc, corners);

    if (run->lines[i] == NULL) {
        fail(run, "cannot encode the truth (out of memory)");
        return -1;
    }

    return 0;
}


static char *
truth_line(const char *file, int kind, int cond, const dg_doc_t *doc,
    double corners[4][2])
{
    json_t  *obj, *fields, *quad;
    char    *s;
    int      i;

    obj = json_object();
    fields = json_object();
    quad = json_array();

    if (obj == NULL || fields == NULL || quad == NULL) {
        json_decref(obj);
        json_decref(fields);
        json_decref(quad);
        return NULL;
    }

    for (i = 0; i < doc->ntruth; i++) {
        json_object_set_new(fields, doc->truth_key[i],
                            json_string(doc->truth_val[i]));
    }

    /* a tenth of a pixel is closer than any finder will come */
    for (i = 0; i < 4; i++) {
        json_array_append_new(quad,
            json_pack("[ff]", round(corners[i][0] * 10) / 10,
                      round(corners[i][1] * 10) / 10));
    }

    json_object_set_new(obj, "file", json_string(file));
    json_object_set_new(obj, "kind", json_string(kind_names[kind]));
    json_object_set_new(obj, "condition", json_string(cond_names[cond]));
    json_object_set_new(obj, "fields", fields);
    json_object_set_new(obj, "corners", quad);

    s = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(7));
    json_decref(obj);

    return s;
}


/* a comma-separated list of names: their indexes, or -1 */
static int
parse_list(const char *opt, const char *arg, const char *const *names,
    int n, int *out, int max)
{
    const char  *p, *e;
    size_t       len;
    int          k, count;

    count = 0;
    p = arg;

    while (*p != '\0') {
        e = strchr(p, ',');
        len = e != NULL ? (size_t) (e - p) : strlen(p);

        for (k = 0; k < n; k++) {
            if (strlen(names[k]) == len && strncmp(p, names[k], len) == 0) {
                break;
            }
        }

        if (k == n || count == max) {
            fprintf(stderr, "docgen: %s: unknown, or too many, at "
                    "\"%.*s\"\n", opt, (int) len, p);
            return -1;
        }

        out[count++] = k;
        p += len;

        if (*p == ',') {
            p++;
        }
    }

    if (count == 0) {
        fprintf(stderr, "docgen: %s: an empty list\n", opt);
        return -1;
    }

    return count;
}


/* mkdir -p */
static int
make_dirs(const char *path)
{
    char    buf[4096];
    size_t  i, len;

    len = strlen(path);

    if (len == 0 || len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }

    memcpy(buf, path, len + 1);

    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0') {
            continue;
        }

        buf[i] = '\0';

        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            return -1;
        }

        buf[i] = path[i];
    }

    return 0;
}


/* the first failure is the one reported; the workers then stop */
static void
fail(run_t *run, const char *msg)
{
    size_t  len;

    pthread_mutex_lock(&run->lock);

    if (run->failed == 0) {
        run->failed = 1;
        len = strlen(msg);
        len = len < sizeof(run->err) ? len : sizeof(run->err) - 1;
        memcpy(run->err, msg, len);
        run->err[len] = '\0';
    }

    pthread_mutex_unlock(&run->lock);
}


static void
usage(void)
{
    fprintf(stderr,
        "usage: docgen --out DIR --count N --seed S\n"
        "              [--kinds id_front,id_back,licence]\n"
        "              [--conditions clean,table,rotated,perspective,"
        "blurred,\n"
        "                            noisy,uneven_light,jpeg,patterned,"
        "combined]\n"
        "              [--jobs N]\n");
}


/* splitmix64: small, fast, and every seed is a good one */
uint64_t
dg_rng_next(dg_rng_t *r)
{
    uint64_t  z;

    r->s += 0x9e3779b97f4a7c15ULL;
    z = r->s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

    return z ^ (z >> 31);
}


/* [0, 1) */
double
dg_rng_unit(dg_rng_t *r)
{
    return (dg_rng_next(r) >> 11) * 0x1.0p-53;
}


double
dg_rng_range(dg_rng_t *r, double lo, double hi)
{
    return lo + (hi - lo) * dg_rng_unit(r);
}


/* lo..hi inclusive */
int
dg_rng_int(dg_rng_t *r, int lo, int hi)
{
    return lo + (int) (dg_rng_unit(r) * (hi - lo + 1));
}


double
dg_rng_gauss(dg_rng_t *r)
{
    double  u1, u2;

    u1 = 1 - dg_rng_unit(r);
    u2 = dg_rng_unit(r);

    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}


uint32_t
dg_utf8_next(const char **p)
{
    const unsigned char  *s;
    uint32_t              c;
    int                   n, i;

    s = (const unsigned char *) *p;

    if (s[0] < 0x80) {
        *p += 1;
        return s[0];
    }

    if ((s[0] & 0xe0) == 0xc0) {
        c = s[0] & 0x1f;
        n = 1;

    } else if ((s[0] & 0xf0) == 0xe0) {
        c = s[0] & 0x0f;
        n = 2;

    } else if ((s[0] & 0xf8) == 0xf0) {
        c = s[0] & 0x07;
        n = 3;

    } else {
        *p += 1;
        return 0xfffd;
    }

    for (i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            /* a truncated sequence: skip its lead byte only, so that the
               terminating NUL is never stepped over */
            *p += 1;
            return 0xfffd;
        }

        c = (c << 6) | (s[i] & 0x3f);
    }

    *p += n + 1;

    return c;
}


size_t
dg_utf8_len(const char *s)
{
    size_t  n;

    n = 0;

    while (*s != '\0') {
        (void) dg_utf8_next(&s);
        n++;
    }

    return n;
}


/* appends n characters of set, each drawn independently */
void
dg_pick_chars(dg_rng_t *rng, const char *set, int n, char *out, size_t len)
{
    size_t       count, k, used;
    const char  *p, *q;
    int          i;

    count = dg_utf8_len(set);

    for (i = 0; i < n; i++) {
        k = (size_t) dg_rng_int(rng, 0, (int) count - 1);
        p = set;

        while (k-- > 0) {
            (void) dg_utf8_next(&p);
        }

        q = p;
        (void) dg_utf8_next(&q);
        used = strlen(out);

        if (used + (q - p) >= len) {
            abort();
        }

        memcpy(out + used, p, q - p);
        out[used + (q - p)] = '\0';
    }
}


/* our strings are sized for what they hold: running out is a bug */
void
dg_cat(char *out, size_t len, const char *s)
{
    size_t  used, n;

    used = strlen(out);
    n = strlen(s);

    if (used + n >= len) {
        fprintf(stderr, "docgen: string overflow\n");
        abort();
    }

    memcpy(out + used, s, n + 1);
}


void
dg_catf_int(char *out, size_t len, const char *fmt, int v)
{
    char  buf[64];

    snprintf(buf, sizeof(buf), fmt, v);
    dg_cat(out, len, buf);
}
