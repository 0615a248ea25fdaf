/*
 * uc-backend: finding a document in a photo (find.h tells how). All the
 * finding happens on a copy at most WORK_SIDE pixels a side, so its cost
 * does not grow with the photo; only the corners go back to full size.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "find.h"


#define WORK_SIDE   512
#define STEP_MAX    9       /* brightness step the region grows over */
#define SLOPE_MAX   24      /* ... and the local slope: an edge stops it,
                               even where walking along it would climb
                               in small steps */
#define EDGE_NEAR   2.5     /* px from a side for a point to refit it */
#define EDGE_BLUR   1.5     /* px from the region's outline to the edge */


typedef struct {
    int             w;
    int             h;
    unsigned char  *v;
} plane_t;

typedef struct {
    double          x;
    double          y;
} pt_t;


static int
work_plane(PIX *pix, double *scale, plane_t *p)
{
    int        x, y, wpl;
    double     s;
    PIX       *small, *gray, *smooth;
    l_uint32  *data, *line;

    s = (double) WORK_SIDE / (double) L_MAX(pixGetWidth(pix),
                                            pixGetHeight(pix));
    if (s > 1.0) {
        s = 1.0;
    }

    small = pixScale(pix, (l_float32) s, (l_float32) s);
    gray = small != NULL ? pixConvertRGBToLuminance(small) : NULL;
    smooth = gray != NULL ? pixBlockconv(gray, 1, 1) : NULL;
    pixDestroy(&small);
    pixDestroy(&gray);

    if (smooth == NULL) {
        return -1;
    }

    p->w = pixGetWidth(smooth);
    p->h = pixGetHeight(smooth);
    p->v = malloc((size_t) p->w * p->h);

    if (p->v == NULL) {
        pixDestroy(&smooth);
        return -1;
    }

    data = pixGetData(smooth);
    wpl = pixGetWpl(smooth);

    for (y = 0; y < p->h; y++) {
        line = data + y * wpl;
        for (x = 0; x < p->w; x++) {
            p->v[y * p->w + x] = (unsigned char) GET_DATA_BYTE(line, x);
        }
    }

    pixDestroy(&smooth);
    *scale = s;

    return 0;
}


/* the steepest change across a pixel, horizontally or vertically */
static int
slope(const plane_t *p, int i)
{
    int  x, y, dx, dy;

    x = i % p->w;
    y = i / p->w;

    if (x == 0 || y == 0 || x == p->w - 1 || y == p->h - 1) {
        return 0;
    }

    dx = abs((int) p->v[i + 1] - (int) p->v[i - 1]);
    dy = abs((int) p->v[i + p->w] - (int) p->v[i - p->w]);

    return dx > dy ? dx : dy;
}


/*
 * The seed: among the central pixels, a bright one in a flat neighbourhood
 * (the document's ground, not its ink nor a gap between strokes) nearest
 * the centre.
 */
static int
seed_of(const plane_t *p)
{
    int   i, x, y, x0, x1, y0, y1, n, level, best, d, bestd;
    int   hist[256];

    memset(hist, 0, sizeof(hist));
    x0 = p->w * 35 / 100;
    x1 = p->w * 65 / 100;
    y0 = p->h * 35 / 100;
    y1 = p->h * 65 / 100;
    n = 0;

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            hist[p->v[y * p->w + x]]++;
            n++;
        }
    }

    for (level = 255, d = 0; level > 0; level--) {
        d += hist[level];
        if (d * 100 >= n * 20) {
            break;
        }
    }

    best = -1;
    bestd = 0;

    for (y = y0; y < y1; y++) {
        for (x = x0; x < x1; x++) {
            i = y * p->w + x;

            if (p->v[i] < level || slope(p, i) > 4 || slope(p, i - 1) > 4
                || slope(p, i + 1) > 4 || slope(p, i - p->w) > 4
                || slope(p, i + p->w) > 4)
            {
                continue;
            }

            d = (x - p->w / 2) * (x - p->w / 2) + (y - p->h / 2)
                * (y - p->h / 2);

            if (best == -1 || d < bestd) {
                best = i;
                bestd = d;
            }
        }
    }

    return best;
}


/*
 * 4-connected growth over steps of at most STEP_MAX, never onto a slope
 * steeper than SLOPE_MAX; the region's size
 */
static long
grow(const plane_t *p, int seed, unsigned char *in)
{
    int    i, k, x, y, n, *queue;
    long   head, tail;
    int    floor_;

    queue = malloc(sizeof(int) * (size_t) p->w * p->h);
    if (queue == NULL) {
        return -1;
    }

    /* a slow slide into the dark table is not the document either */
    floor_ = p->v[seed] * 2 / 5;

    head = 0;
    tail = 0;
    queue[tail++] = seed;
    in[seed] = 1;

    while (head < tail) {
        i = queue[head++];
        x = i % p->w;
        y = i / p->w;

        for (k = 0; k < 4; k++) {
            if ((k == 0 && x == 0) || (k == 1 && x == p->w - 1)
                || (k == 2 && y == 0) || (k == 3 && y == p->h - 1))
            {
                continue;
            }

            n = k == 0 ? i - 1 : k == 1 ? i + 1 : k == 2 ? i - p->w
                                                          : i + p->w;

            if (in[n] || p->v[n] < floor_
                || abs((int) p->v[n] - (int) p->v[i]) > STEP_MAX
                || slope(p, n) > SLOPE_MAX)
            {
                continue;
            }

            in[n] = 1;
            queue[tail++] = n;
        }
    }

    free(queue);

    return tail;
}


static double
cross(pt_t o, pt_t a, pt_t b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}


static int
pt_cmp(const void *a, const void *b)
{
    const pt_t  *p = a, *q = b;

    if (p->x != q->x) {
        return p->x < q->x ? -1 : 1;
    }

    return p->y < q->y ? -1 : p->y > q->y ? 1 : 0;
}


/* Andrew's monotone chain; hull gets at most n + 1 points */
static int
convex_hull(pt_t *pts, int n, pt_t *hull)
{
    int  i, k, lower;

    qsort(pts, (size_t) n, sizeof(pt_t), pt_cmp);
    k = 0;

    for (i = 0; i < n; i++) {
        while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) {
            k--;
        }
        hull[k++] = pts[i];
    }

    lower = k + 1;

    for (i = n - 2; i >= 0; i--) {
        while (k >= lower && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) {
            k--;
        }
        hull[k++] = pts[i];
    }

    return k - 1;
}


/* drops the vertex that adds the least area until four are left */
static void
reduce_to_quad(pt_t *v, int *n)
{
    int     i, best, prev, next;
    double  a, besta;

    while (*n > 4) {
        best = 0;
        besta = -1;

        for (i = 0; i < *n; i++) {
            prev = (i + *n - 1) % *n;
            next = (i + 1) % *n;
            a = fabs(cross(v[prev], v[i], v[next]));

            if (besta < 0 || a < besta) {
                besta = a;
                best = i;
            }
        }

        memmove(&v[best], &v[best + 1], sizeof(pt_t) * (size_t) (*n - best
                                                                  - 1));
        (*n)--;
    }
}


typedef struct {
    pt_t            mid;        /* a point of the side, near its middle */
    pt_t            dir;        /* unit direction */
    double          half;       /* half its length */
} side_t;


/*
 * A side refitted (total least squares) to the edge points within near of
 * it over its middle 70 %. The side may start far from the edge (the quad
 * cut down from the hull is inscribed in it), so the caller narrows near
 * over a few rounds.
 */
static void
refit(const pt_t *edge, int n, double near, side_t *s)
{
    int     i, m, pass;
    double  t, d, mx, my, sxx, syy, sxy, th;

    mx = my = sxx = syy = sxy = 0;
    m = 0;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < n; i++) {
            t = (edge[i].x - s->mid.x) * s->dir.x
                + (edge[i].y - s->mid.y) * s->dir.y;
            d = fabs((edge[i].x - s->mid.x) * s->dir.y
                     - (edge[i].y - s->mid.y) * s->dir.x);

            if (fabs(t) > 0.7 * s->half || d > near) {
                continue;
            }

            if (pass == 0) {
                mx += edge[i].x;
                my += edge[i].y;
                m++;
            } else {
                sxx += (edge[i].x - mx) * (edge[i].x - mx);
                syy += (edge[i].y - my) * (edge[i].y - my);
                sxy += (edge[i].x - mx) * (edge[i].y - my);
            }
        }

        if (pass == 0) {
            if (m < 8) {
                return;
            }
            mx /= m;
            my /= m;
        }
    }

    th = 0.5 * atan2(2 * sxy, sxx - syy);

    /* the same sense as before: the corners keep their order */
    if (cos(th) * s->dir.x + sin(th) * s->dir.y < 0) {
        th += M_PI;
    }

    s->mid.x = mx;
    s->mid.y = my;
    s->dir.x = cos(th);
    s->dir.y = sin(th);
}


static int
intersect(pt_t p, pt_t r, pt_t q, pt_t s, pt_t *out)
{
    double  den, t;

    den = r.x * s.y - r.y * s.x;
    if (fabs(den) < 1e-9) {
        return -1;
    }

    t = ((q.x - p.x) * s.y - (q.y - p.y) * s.x) / den;
    out->x = p.x + t * r.x;
    out->y = p.y + t * r.y;

    return 0;
}


/*
 * A scan: the document fills the frame on a plain margin. Its box is the
 * rows and columns where enough pixels differ from the border's level.
 */
static int
scan_box(const plane_t *p, pt_t *v)
{
    int   x, y, x0, x1, y0, y1, n, border, hist[256], c;

    memset(hist, 0, sizeof(hist));
    n = 0;

    for (x = 0; x < p->w; x++) {
        hist[p->v[x]]++;
        hist[p->v[(p->h - 1) * p->w + x]]++;
        n += 2;
    }

    for (border = 0, c = 0; border < 255; border++) {
        c += hist[border];
        if (c * 2 >= n) {
            break;
        }
    }

    x0 = p->w;
    x1 = -1;
    y0 = p->h;
    y1 = -1;

    for (y = 0; y < p->h; y++) {
        for (x = 0, c = 0; x < p->w; x++) {
            c += abs((int) p->v[y * p->w + x] - border) > 5;
        }
        if (c * 50 > p->w) {
            y0 = L_MIN(y0, y);
            y1 = y;
        }
    }

    for (x = 0; x < p->w; x++) {
        for (y = 0, c = 0; y < p->h; y++) {
            c += abs((int) p->v[y * p->w + x] - border) > 5;
        }
        if (c * 50 > p->h) {
            x0 = L_MIN(x0, x);
            x1 = x;
        }
    }

    if (x1 - x0 < p->w / 3 || y1 - y0 < p->h / 3) {
        return -1;
    }

    v[0].x = x0;
    v[0].y = y0;
    v[1].x = x1 + 1;
    v[1].y = y0;
    v[2].x = x1 + 1;
    v[2].y = y1 + 1;
    v[3].x = x0;
    v[3].y = y1 + 1;

    return 0;
}


/* the region's outline: each row's and each column's extreme pixels */
static int
outline(const plane_t *p, const unsigned char *in, pt_t *pts, int *touches)
{
    int  x, y, n, first, last;

    n = 0;
    *touches = 0;

    for (y = 0; y < p->h; y++) {
        for (first = -1, x = 0; x < p->w; x++) {
            if (in[y * p->w + x]) {
                if (first == -1) {
                    first = x;
                }
                last = x;
            }
        }

        if (first != -1) {
            pts[n].x = first;
            pts[n++].y = y;
            pts[n].x = last + 1;
            pts[n++].y = y;
            *touches |= (first == 0) | (last == p->w - 1) << 1;
        }
    }

    for (x = 0; x < p->w; x++) {
        for (first = -1, y = 0; y < p->h; y++) {
            if (in[y * p->w + x]) {
                if (first == -1) {
                    first = y;
                }
                last = y;
            }
        }

        if (first != -1) {
            pts[n].x = x;
            pts[n++].y = first;
            pts[n].x = x;
            pts[n++].y = last + 1;
            *touches |= (first == 0) << 2 | (last == p->h - 1) << 3;
        }
    }

    return n;
}


static double
dist(pt_t a, pt_t b)
{
    return hypot(a.x - b.x, a.y - b.y);
}


/* clockwise, starting at the top-left of a long side pointing right */
static int
order(pt_t *v, double aspect, ucb_quad_t *q, double scale)
{
    int     i, start;
    double  area, l02, l13, ratio;
    pt_t    t;

    area = 0;
    for (i = 0; i < 4; i++) {
        area += v[i].x * v[(i + 1) % 4].y - v[(i + 1) % 4].x * v[i].y;
    }

    if (area < 0) {
        t = v[1];
        v[1] = v[3];
        v[3] = t;
    }

    l02 = dist(v[0], v[1]) + dist(v[2], v[3]);
    l13 = dist(v[1], v[2]) + dist(v[3], v[0]);
    ratio = l02 > l13 ? l02 / l13 : l13 / l02;

    if (ratio < aspect * 0.65 || ratio > aspect * 1.5) {
        return -1;
    }

    start = l02 >= l13 ? 0 : 1;

    if (v[(start + 1) % 4].x - v[start].x < 0) {
        start += 2;
    }

    for (i = 0; i < 4; i++) {
        q->x[i] = (float) (v[(start + i) % 4].x / scale);
        q->y[i] = (float) (v[(start + i) % 4].y / scale);
    }

    return 0;
}


int
ucb_doc_find(PIX *pix, double aspect, ucb_quad_t *q)
{
    int             i, n, nh, seed, touches, rc;
    long            area;
    double          scale, hull_area;
    double          near, cx, cy, nx, ny;
    pt_t           *pts, *hull, *sorted, v[4], a, b;
    side_t          sides[4];
    plane_t         p;
    unsigned char  *in;

    if (work_plane(pix, &scale, &p) != 0) {
        return -1;
    }

    rc = -1;
    in = calloc((size_t) p.w * p.h, 1);
    pts = malloc(sizeof(pt_t) * (size_t) (2 * (p.w + p.h) + 2));
    hull = malloc(sizeof(pt_t) * (size_t) (2 * (p.w + p.h) + 4));

    if (in == NULL || pts == NULL || hull == NULL) {
        goto done;
    }

    seed = seed_of(&p);
    area = seed >= 0 ? grow(&p, seed, in) : -1;

    if (area < 0) {
        goto done;
    }

    n = outline(&p, in, pts, &touches);

    /* the document reaches three edges of the frame: a scan */
    if (__builtin_popcount((unsigned) touches) >= 3
        || area * 100 > (long) p.w * p.h * 92)
    {
        if (scan_box(&p, v) == 0) {
            rc = order(v, aspect, q, scale);
        }
        goto done;
    }

    if (area * 100 < (long) p.w * p.h * 6) {
        goto done;
    }

    /* the hull sorts its input: a copy, the outline is needed after */
    sorted = malloc(sizeof(pt_t) * (size_t) (n + 1));
    if (sorted == NULL) {
        goto done;
    }

    memcpy(sorted, pts, sizeof(pt_t) * (size_t) n);
    nh = convex_hull(sorted, n, hull);
    free(sorted);

    if (nh < 4) {
        goto done;
    }

    reduce_to_quad(hull, &nh);

    hull_area = 0;
    for (i = 0; i < 4; i++) {
        hull_area += cross(hull[0], hull[i], hull[(i + 1) % 4]);
    }

    if (fabs(hull_area) / 2 < (double) area * 0.7) {
        goto done;
    }

    for (i = 0; i < 4; i++) {
        a = hull[i];
        b = hull[(i + 1) % 4];
        sides[i].half = dist(a, b) / 2;
        sides[i].mid.x = (a.x + b.x) / 2;
        sides[i].mid.y = (a.y + b.y) / 2;
        sides[i].dir.x = (b.x - a.x) / (2 * sides[i].half);
        sides[i].dir.y = (b.y - a.y) / (2 * sides[i].half);

        for (near = 0.04 * (p.w + p.h); near > EDGE_NEAR; near /= 2.5) {
            refit(pts, n, near, &sides[i]);
        }
        refit(pts, n, EDGE_NEAR, &sides[i]);
    }

    /*
     * The region stops where the edge's slope begins; the edge itself is
     * half a blur further out.
     */
    cx = (hull[0].x + hull[1].x + hull[2].x + hull[3].x) / 4;
    cy = (hull[0].y + hull[1].y + hull[2].y + hull[3].y) / 4;

    for (i = 0; i < 4; i++) {
        nx = sides[i].dir.y;
        ny = -sides[i].dir.x;
        if ((sides[i].mid.x - cx) * nx + (sides[i].mid.y - cy) * ny < 0) {
            nx = -nx;
            ny = -ny;
        }
        sides[i].mid.x += EDGE_BLUR * nx;
        sides[i].mid.y += EDGE_BLUR * ny;
    }

    for (i = 0; i < 4; i++) {
        if (intersect(sides[(i + 3) % 4].mid, sides[(i + 3) % 4].dir,
                      sides[i].mid, sides[i].dir, &v[i]) != 0
            || dist(v[i], hull[i]) > 0.1 * (p.w + p.h))
        {
            v[i] = hull[i];
        }
    }

    rc = order(v, aspect, q, scale);

done:

    free(in);
    free(pts);
    free(hull);
    free(p.v);

    return rc;
}


/* the projective map taking (0,0) (w,0) (w,h) (0,h) to the quad */
static int
homography(const ucb_quad_t *q, int w, int h, double *c)
{
    int     i, j, k, r, piv;
    double  a[8][9], u[4], v[4], f, t;

    u[0] = 0;  v[0] = 0;
    u[1] = w;  v[1] = 0;
    u[2] = w;  v[2] = h;
    u[3] = 0;  v[3] = h;

    for (i = 0; i < 4; i++) {
        double  row1[9] = { u[i], v[i], 1, 0, 0, 0, -u[i] * q->x[i],
                            -v[i] * q->x[i], q->x[i] };
        double  row2[9] = { 0, 0, 0, u[i], v[i], 1, -u[i] * q->y[i],
                            -v[i] * q->y[i], q->y[i] };

        memcpy(a[2 * i], row1, sizeof(row1));
        memcpy(a[2 * i + 1], row2, sizeof(row2));
    }

    for (k = 0; k < 8; k++) {
        piv = k;
        for (r = k + 1; r < 8; r++) {
            if (fabs(a[r][k]) > fabs(a[piv][k])) {
                piv = r;
            }
        }

        if (fabs(a[piv][k]) < 1e-12) {
            return -1;
        }

        for (j = 0; j < 9; j++) {
            t = a[k][j];
            a[k][j] = a[piv][j];
            a[piv][j] = t;
        }

        for (r = 0; r < 8; r++) {
            if (r == k) {
                continue;
            }
            f = a[r][k] / a[k][k];
            for (j = k; j < 9; j++) {
                a[r][j] -= f * a[k][j];
            }
        }
    }

    for (k = 0; k < 8; k++) {
        c[k] = a[k][8] / a[k][k];
    }

    return 0;
}


PIX *
ucb_doc_warp(PIX *gray, const ucb_quad_t *q, int w, int h)
{
    int        x, y, sw, sh, swpl, dwpl, x0, y0, v;
    double     c[8], u, vv, den, sx, sy, fx, fy, p00, p01, p10, p11;
    PIX       *out;
    l_uint32  *sdata, *ddata, *line0, *line1;

    if (homography(q, w, h, c) != 0) {
        return NULL;
    }

    out = pixCreate(w, h, 8);
    if (out == NULL) {
        return NULL;
    }

    sw = pixGetWidth(gray);
    sh = pixGetHeight(gray);
    sdata = pixGetData(gray);
    swpl = pixGetWpl(gray);
    ddata = pixGetData(out);
    dwpl = pixGetWpl(out);

    for (y = 0; y < h; y++) {
        vv = y + 0.5;

        for (x = 0; x < w; x++) {
            u = x + 0.5;
            den = c[6] * u + c[7] * vv + 1;
            sx = (c[0] * u + c[1] * vv + c[2]) / den - 0.5;
            sy = (c[3] * u + c[4] * vv + c[5]) / den - 0.5;

            if (sx < 0 || sy < 0 || sx >= sw - 1 || sy >= sh - 1) {
                SET_DATA_BYTE(ddata + y * dwpl, x, 255);
                continue;
            }

            x0 = (int) sx;
            y0 = (int) sy;
            fx = sx - x0;
            fy = sy - y0;
            line0 = sdata + y0 * swpl;
            line1 = line0 + swpl;
            p00 = GET_DATA_BYTE(line0, x0);
            p01 = GET_DATA_BYTE(line0, x0 + 1);
            p10 = GET_DATA_BYTE(line1, x0);
            p11 = GET_DATA_BYTE(line1, x0 + 1);
            v = (int) ((p00 * (1 - fx) + p01 * fx) * (1 - fy)
                       + (p10 * (1 - fx) + p11 * fx) * fy + 0.5);
            SET_DATA_BYTE(ddata + y * dwpl, x, v);
        }
    }

    return out;
}
