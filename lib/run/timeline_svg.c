/*
 * timeline_svg.c - a recorded transition (timeline.h) as SVG.
 *
 * Three panels over one time axis: memory per domain (a line each),
 * the host's free memory against the reserve, the steps as bars
 * (forward blue, undo orange, failed red; cut short: outlined dashed).
 * Capacity and placement are vertical lines through all three, the
 * rollback a shaded band from its start to its end.
 *
 * Each panel's <g> says how it maps values to pixels (data-x0, data-x1,
 * data-ms1, data-y0, data-y1, data-kib1): tests find where a line must
 * be from the numbers alone.  Text from the host (domain names, step
 * messages) is escaped and made valid UTF-8, so the file is valid XML
 * whatever the names.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timeline.h"
#include "units.h"

#define W 1000
#define LEFT 210                /* room for the bars' names */
#define RIGHT 30
#define PW (W - LEFT - RIGHT)
#define MEM_TOP 80
#define MEM_H 200
#define FREE_TOP (MEM_TOP + MEM_H + 45)
#define FREE_H 100
#define BARS_TOP (FREE_TOP + FREE_H + 45)
#define ROW_H 20

#define C_FORWARD "#3b6fb6"
#define C_UNDO "#e8891a"
#define C_FAILED "#c0392b"
#define C_FREE "#555555"
#define C_RESERVE "#c0392b"
#define C_MARK "#d1007f"          /* far from every line's colour */
#define C_ROLLBACK "#f5b7b1"

/* Domain lines: distinct on white and from the bars' colours. */
static const char *const palette[] = {
    "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f",
};

/* Text as XML character data or attribute value: escaped, valid UTF-8. */
static void put_text(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        size_t n = 0, i;

        switch (*p) {
        case '&': fputs("&amp;", f); p++; continue;
        case '<': fputs("&lt;", f); p++; continue;
        case '>': fputs("&gt;", f); p++; continue;
        case '"': fputs("&quot;", f); p++; continue;
        case '\'': fputs("&apos;", f); p++; continue;
        default: break;
        }
        if (*p < 0x20) {
            /* XML 1.0 has no control characters but these. */
            fputc(*p == '\t' || *p == '\n' ? ' ' : '?', f);
            p++;
            continue;
        }
        if (*p < 0x80) {
            fputc(*p++, f);
            continue;
        }
        if (*p >= 0xc2 && *p <= 0xdf)
            n = 1;
        else if (*p >= 0xe0 && *p <= 0xef)
            n = 2;
        else if (*p >= 0xf0 && *p <= 0xf4)
            n = 3;
        for (i = 1; n && i <= n; i++)
            if ((p[i] & 0xc0) != 0x80)
                n = 0;
        /* Overlong, surrogates and beyond U+10FFFF are not UTF-8. */
        if ((n == 2 && p[0] == 0xe0 && p[1] < 0xa0) ||
            (n == 2 && p[0] == 0xed && p[1] > 0x9f) ||
            (n == 3 && p[0] == 0xf0 && p[1] < 0x90) ||
            (n == 3 && p[0] == 0xf4 && p[1] > 0x8f))
            n = 0;
        if (!n) {
            fputc('?', f);
            p++;
            continue;
        }
        fwrite(p, 1, n + 1, f);
        p += n + 1;
    }
}

/* A round upper end for an axis, and its step: fewer than most steps. */
static uint64_t nice_max(uint64_t v, uint64_t most, uint64_t *step)
{
    static const uint64_t mult[] = { 1, 2, 5 };
    uint64_t base = 1, s;
    size_t i;

    if (v == 0)
        v = 1;
    for (;;) {
        for (i = 0; i < 3; i++) {
            s = base * mult[i];
            if (v / s < most) {
                *step = s;
                return (v + s - 1) / s * s;
            }
        }
        base *= 10;
    }
}

typedef struct scale {
    uint64_t ms1;               /* the time axis' end */
    uint64_t kib1;              /* the panel's top value */
    int top, h;
} scale;

static double x_of(const scale *sc, uint64_t ms)
{
    return LEFT + (double)ms * PW / (double)sc->ms1;
}

static double y_of(const scale *sc, uint64_t kib)
{
    return sc->top + sc->h - (double)kib * sc->h / (double)sc->kib1;
}

static void panel_open(FILE *f, const char *id, const scale *sc,
                       const char *heading)
{
    fprintf(f, "<g id=\"%s\" data-x0=\"%d\" data-x1=\"%d\" data-ms1=\"%"
            PRIu64 "\" data-y0=\"%d\" data-y1=\"%d\" data-kib1=\"%" PRIu64
            "\">\n", id, LEFT, LEFT + PW, sc->ms1, sc->top + sc->h, sc->top,
            sc->kib1);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h\">%s</text>\n", LEFT,
            sc->top - 8, heading);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
            "fill=\"none\" stroke=\"#bbbbbb\"/>\n", LEFT, sc->top, PW, sc->h);
}

/* Horizontal grid lines with their sizes on the left. */
static void kib_grid(FILE *f, const scale *sc, uint64_t step)
{
    char s[32];
    uint64_t v;

    for (v = step; v <= sc->kib1; v += step) {
        double y = y_of(sc, v);

        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                "stroke=\"#eeeeee\"/>\n", LEFT, y, LEFT + PW, y);
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
                "\n", LEFT - 6, y + 4, UNITS_FormatSize(v, s, sizeof(s)));
    }
}

/* One stretch of a line: pts[from..to] (inclusive), then maybe a hold. */
static void put_polyline(FILE *f, const scale *sc, const tl_point *pts,
                         size_t from, size_t to, const uint64_t *hold_ms,
                         bool dashed, const char *color, const char *cls,
                         const char *domain)
{
    size_t i;

    fprintf(f, "<polyline class=\"%s\"", cls);
    if (domain) {
        fputs(" data-domain=\"", f);
        put_text(f, domain);
        fputs("\"", f);
    }
    fprintf(f, " fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s "
            "points=\"", color, dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (i = from; i <= to; i++)
        fprintf(f, "%s%.1f,%.1f", i > from ? " " : "", x_of(sc, pts[i].ms),
                y_of(sc, pts[i].kib));
    if (hold_ms)
        fprintf(f, " %.1f,%.1f", x_of(sc, *hold_ms), y_of(sc, pts[to].kib));
    fputs("\"/>\n", f);
}

/*
 * A line through known points, held flat from the last one to end_ms
 * (NULL: not held).
 * What leads to a point reached while rolling back is dashed: the way
 * back reports no readings, only where it ended.
 */
static void put_line(FILE *f, const scale *sc, const tl_point *pts,
                     size_t nr, const uint64_t *end_ms, const char *color,
                     const char *cls, const char *domain)
{
    size_t i = 1, j;

    if (!nr)
        return;
    while (i < nr) {
        bool dashed = pts[i].rolling_back;

        for (j = i; j < nr && pts[j].rolling_back == dashed; j++)
            ;
        put_polyline(f, sc, pts, i - 1, j - 1, NULL, dashed, color, cls,
                     domain);
        i = j;
    }
    if (end_ms && (*end_ms > pts[nr - 1].ms || nr == 1))
        put_polyline(f, sc, pts, nr - 1, nr - 1, end_ms, false, color, cls,
                     domain);
}

static const char *color_of(size_t i)
{
    return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

static void memory_panel(FILE *f, const tl_timeline *tl, scale *sc)
{
    uint64_t top = 1, step;
    size_t i, j;

    for (i = 0; i < tl->nr_series; i++)
        for (j = 0; j < tl->series[i].nr; j++)
            if (tl->series[i].pts[j].kib > top)
                top = tl->series[i].pts[j].kib;
    /* Round in MiB: the axis reads 128 MiB, 256 MiB, ... */
    sc->kib1 = nice_max((top + 1023) / 1024, 8, &step) * 1024;
    step *= 1024;
    sc->top = MEM_TOP;
    sc->h = MEM_H;
    panel_open(f, "memory", sc, "memory per domain");
    kib_grid(f, sc, step);
    for (i = 0; i < tl->nr_series; i++) {
        const tl_series *s = &tl->series[i];

        put_line(f, sc, s->pts, s->nr, &tl->end_ms, color_of(i), "mem",
                 s->domain);
    }
    fputs("</g>\n", f);
}

/*
 * The domains' colours, in rows from y on as many as they need (a host
 * may run many).  f NULL: only count the rows.
 */
static int legend(FILE *f, const tl_timeline *tl, int y)
{
    int x = LEFT, rows = 1;
    size_t i;

    for (i = 0; i < tl->nr_series; i++) {
        const char *name = tl->series[i].domain;
        /* About 7 px a character at 11 px: room enough, not exact. */
        int w = 30 + 7 * (int)strlen(name);

        if (x > LEFT && x + w > W - RIGHT) {
            x = LEFT;
            rows++;
        }
        if (f) {
            int ry = y + (rows - 1) * 16;

            fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" "
                    "fill=\"%s\"/>\n<text x=\"%d\" y=\"%d\">", x, ry - 5,
                    color_of(i), x + 18, ry);
            put_text(f, name);
            fputs("</text>\n", f);
        }
        x += w;
    }
    return rows;
}

static void free_panel(FILE *f, const tl_timeline *tl, scale *sc)
{
    uint64_t top = tl->reserve_kib, step;
    char s[32], head[96];
    size_t i;

    for (i = 0; i < tl->nr_free; i++)
        if (tl->free[i].kib > top)
            top = tl->free[i].kib;
    sc->kib1 = nice_max((top + 1023) / 1024 + 1, 4, &step) * 1024;
    step *= 1024;
    sc->top = FREE_TOP;
    sc->h = FREE_H;
    snprintf(head, sizeof(head), "host free memory (reserve %s)",
             UNITS_FormatSize(tl->reserve_kib, s, sizeof(s)));
    panel_open(f, "free", sc, head);
    kib_grid(f, sc, step);
    fprintf(f, "<line class=\"reserve\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
            "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"8 4\"/>\n", LEFT, y_of(sc, tl->reserve_kib),
            LEFT + PW, y_of(sc, tl->reserve_kib), C_RESERVE);
    /* Readings only, as dots joined: not held past the last one. */
    if (tl->nr_free < 2)
        fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", LEFT + 12,
                FREE_TOP + FREE_H / 2 + 4,
                tl->nr_free ? "read before the first step only" : "not read");
    put_line(f, sc, tl->free, tl->nr_free, NULL, C_FREE, "free", NULL);
    for (i = 0; i < tl->nr_free; i++)
        fprintf(f, "<circle class=\"free\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                "fill=\"%s\"/>\n", x_of(sc, tl->free[i].ms),
                y_of(sc, tl->free[i].kib), C_FREE);
    fputs("</g>\n", f);
}

static void put_bar(FILE *f, const scale *sc, const tl_bar *b, size_t row)
{
    double x0 = x_of(sc, b->start_ms), x1 = x_of(sc, b->end_ms);
    double y = BARS_TOP + (double)row * ROW_H;
    const char *fill = b->failed ? C_FAILED : b->undo ? C_UNDO : C_FORWARD;

    if (x1 < x0 + 2)
        x1 = x0 + 2;            /* an instant step still shows */
    fprintf(f, "<g class=\"bar%s%s\" data-kind=\"%s\" data-start-ms=\"%"
            PRIu64 "\" data-end-ms=\"%" PRIu64 "\">\n<title>",
            b->undo ? " undo" : "", b->failed ? " failed" : "", b->kind,
            b->start_ms, b->end_ms);
    put_text(f, b->label);
    if (b->failed) {
        fputs(": FAILED: ", f);
        put_text(f, b->why);
    }
    fprintf(f, " (%.1f s to %.1f s%s)</title>\n", b->start_ms / 1000.0,
            b->end_ms / 1000.0, b->cut ? ", cut short" : "");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
            "fill=\"%s\"%s/>\n", x0, y + 3, x1 - x0, ROW_H - 6, fill,
            b->cut ? " fill-opacity=\"0.4\" stroke=\"#000000\" "
            "stroke-dasharray=\"3 2\"" : "");
    /* Its domain and kind on the left, what it did beside it. */
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LEFT - 6,
            y + 14);
    put_text(f, b->domain[0] ? b->domain : "cpupool");
    fprintf(f, " %s</text>\n", b->kind);
    /* Right of the bar, else left of it, else on it. */
    if (x1 < LEFT + PW * 0.6)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x1 + 4, y + 14);
    else if (x0 > LEFT + PW * 0.45)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                x0 - 4, y + 14);
    else
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#ffffff\">",
                x0 + 4, y + 14);
    put_text(f, b->label);
    if (b->failed)
        fputs(": FAILED", f);
    fputs("</text>\n</g>\n", f);
}

static void bars_panel(FILE *f, const tl_timeline *tl, scale *sc)
{
    size_t i;

    sc->top = BARS_TOP;
    sc->h = (int)(tl->nr_bars ? tl->nr_bars : 1) * ROW_H;
    sc->kib1 = 1;
    panel_open(f, "steps", sc, "steps");
    if (!tl->nr_bars)
        fprintf(f, "<text x=\"%d\" y=\"%d\">no step ran</text>\n", LEFT + 8,
                BARS_TOP + 14);
    for (i = 0; i < tl->nr_bars; i++)
        put_bar(f, sc, &tl->bars[i], i);
    fputs("</g>\n", f);
}

/* The time axis under the steps, with a grid through every panel. */
static void time_axis(FILE *f, const scale *sc, uint64_t step, int bottom)
{
    uint64_t ms;

    for (ms = 0; ms <= sc->ms1; ms += step) {
        double x = x_of(sc, ms);

        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                "stroke=\"#f2f2f2\"/>\n<text x=\"%.1f\" y=\"%d\" "
                "text-anchor=\"middle\">%.1f s</text>\n", x, MEM_TOP, x,
                bottom, x, bottom + 16, ms / 1000.0);
    }
}

/* The way back: a band over every panel, under the lines. */
static void rollback_band(FILE *f, const tl_timeline *tl, const scale *sc,
                          int bottom)
{
    uint64_t end = tl->rollback_ended ? tl->rollback_end_ms : tl->end_ms;
    double x0 = x_of(sc, tl->rollback_begin_ms), x1 = x_of(sc, end);

    if (!tl->rollback_seen)
        return;
    if (x1 < x0 + 2)
        x1 = x0 + 2;
    fprintf(f, "<g id=\"rollback\" data-start-ms=\"%" PRIu64 "\" "
            "data-end-ms=\"%" PRIu64 "\">\n<title>rollback: ",
            tl->rollback_begin_ms, end);
    put_text(f, tl->rollback_ended ? tl->rollback_result : "did not end");
    fprintf(f, "</title>\n<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
            "height=\"%d\" fill=\"%s\" fill-opacity=\"0.6\"/>\n<text "
            "x=\"%.1f\" y=\"%d\" fill=\"%s\">rollback: ", x0, MEM_TOP,
            x1 - x0, bottom - MEM_TOP, C_ROLLBACK, x0 + 3, MEM_TOP + 12,
            C_FAILED);
    put_text(f, tl->rollback_ended ? tl->rollback_result : "did not end");
    fputs("</text>\n</g>\n", f);
}

static void put_marks(FILE *f, const tl_timeline *tl, const scale *sc,
                      int bottom)
{
    size_t i;

    for (i = 0; i < tl->nr_marks; i++) {
        double x = x_of(sc, tl->marks[i].ms);

        fprintf(f, "<g class=\"mark\" data-what=\"%s\" data-ms=\"%" PRIu64
                "\">\n<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                "stroke=\"%s\" stroke-width=\"1.5\" "
                "stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%d\" "
                "fill=\"%s\" text-anchor=\"end\">%s %.1f s</text>\n</g>\n",
                tl->marks[i].what, tl->marks[i].ms, x, MEM_TOP - 20, x,
                bottom, C_MARK, x - 3, MEM_TOP - 8 - 12 * (int)i, C_MARK,
                tl->marks[i].what, tl->marks[i].ms / 1000.0);
    }
}

/*
 * "xenshift: PHASE: OUTCOME", the title; the picture shows it in two
 * lines (why it failed on the second), long causes being long.
 */
static void put_heading(FILE *f, const tl_timeline *tl, bool short_form)
{
    bool failed = tl->done && (tl->failed || strcmp(tl->done_msg, "done"));

    fputs("xenshift: ", f);
    put_text(f, tl->phase);
    fputs(": ", f);
    if (tl->outcome[0]) {
        put_text(f, tl->outcome);
        return;
    }
    if (!tl->done) {
        fputs("did not end", f);
        return;
    }
    if (!failed) {
        fprintf(f, "reached in %.1f s", tl->end_ms / 1000.0);
        return;
    }
    fputs("FAILED", f);
    if (!short_form) {
        fputs(": ", f);
        put_text(f, tl->done_msg);
    }
    if (tl->rollback_seen) {
        fputs(short_form ? ", " : "; ", f);
        put_text(f, tl->rollback_ended ? tl->rollback_result
                                       : "rollback did not end");
    }
    fprintf(f, " (%.1f s)", tl->end_ms / 1000.0);
}

static void put_headings(FILE *f, const tl_timeline *tl)
{
    /* One line: xenshift show reads it back. */
    fputs("<title>", f);
    put_heading(f, tl, false);
    fputs("</title>\n", f);
    fputs("<style>.h{font-weight:bold;font-size:12px}</style>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"100%%\" fill=\"#ffffff\"/>\n",
            W);
    fputs("<text x=\"10\" y=\"20\" class=\"h\">", f);
    put_heading(f, tl, true);
    fputs("</text>\n", f);
    if (tl->done && !tl->outcome[0] &&
        (tl->failed || strcmp(tl->done_msg, "done"))) {
        fprintf(f, "<text x=\"10\" y=\"38\" fill=\"%s\">", C_FAILED);
        put_text(f, tl->done_msg);
        fputs("</text>\n", f);
    }
}

int TL_WriteSvg(const tl_timeline *tl, FILE *f)
{
    scale mem, fr, bars, axis;
    uint64_t step;
    int bottom, height;

    /* A little room after the end, for the marks at it. */
    axis.ms1 = nice_max(tl->end_ms + tl->end_ms / 25 + 1, 10, &step);
    bottom = BARS_TOP + (int)(tl->nr_bars ? tl->nr_bars : 1) * ROW_H;
    /* The time axis' labels, then the legend. */
    height = bottom + 40 + 16 * legend(NULL, tl, 0);
    mem.ms1 = fr.ms1 = bars.ms1 = axis.ms1;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
            "font-size=\"11\">\n", W, height, W, height);
    put_headings(f, tl);
    time_axis(f, &axis, step, bottom);
    rollback_band(f, tl, &axis, bottom);
    memory_panel(f, tl, &mem);
    free_panel(f, tl, &fr);
    bars_panel(f, tl, &bars);
    put_marks(f, tl, &axis, bottom);
    legend(f, tl, bottom + 42);
    if (tl->nomem)
        fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"%s\">out of memory while "
                "recording: the picture is incomplete</text>\n", height - 6,
                C_FAILED);
    fputs("</svg>\n", f);
    fflush(f);
    return ferror(f) ? -1 : 0;
}

int TL_SaveSvg(const tl_timeline *tl, const char *path, xs_err *err)
{
    char tmp[4200];
    FILE *f;
    int rc = -1;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) {
        ERR_Set(err, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (TL_WriteSvg(tl, f)) {
        ERR_Set(err, "cannot write %s: %s", tmp, strerror(errno));
        fclose(f);
        goto out;
    }
    if (fclose(f)) {
        ERR_Set(err, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path)) {
        ERR_Set(err, "cannot rename %s to %s: %s", tmp, path,
                strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (rc)
        unlink(tmp);
    return rc;
}
