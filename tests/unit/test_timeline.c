/*
 * test_timeline.c - the timeline recorder and its SVG (timeline.h) on
 * events made here: bars from start to end, cut and failed steps, undo
 * steps matched to their ends, the rollback band, capacity and
 * placement marks, forwarding to the wrapped callback, escaping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tap.h"
#include "timeline.h"

#define MIB 1024ull

/* A domain name with everything XML and UTF-8 can trip on. */
static const char nasty[] = "a<b>&\"c'\xff\x01\xc3\xa9";

static plan_action acts[3];
static plan_stage stages[2];
static plan_row rows[3];
static plan p;

static void make_plan(void)
{
    memset(&p, 0, sizeof(p));
    memset(acts, 0, sizeof(acts));
    memset(rows, 0, sizeof(rows));
    snprintf(p.phase, sizeof(p.phase), "take<over>");
    p.reserve_kib = 256 * MIB;
    p.free_before_kib = 1300 * MIB;
    snprintf(rows[0].domain, sizeof(rows[0].domain), "vm1");
    rows[0].running = true;
    rows[0].mem_before_kib = 128 * MIB;
    snprintf(rows[1].domain, sizeof(rows[1].domain), "vm2");
    rows[1].running = true;
    rows[1].mem_before_kib = 512 * MIB;
    snprintf(rows[2].domain, sizeof(rows[2].domain), "%s", nasty);
    rows[2].running = true;
    rows[2].mem_before_kib = 64 * MIB;
    p.rows = rows;
    p.nr_rows = 3;

    acts[0].kind = PLAN_ACT_MEMORY;
    snprintf(acts[0].domain, sizeof(acts[0].domain), "vm2");
    acts[0].from_kib = 512 * MIB;
    acts[0].to_kib = 128 * MIB;
    acts[1].kind = PLAN_ACT_MEMORY;
    snprintf(acts[1].domain, sizeof(acts[1].domain), "%s", nasty);
    acts[1].from_kib = 64 * MIB;
    acts[1].to_kib = 32 * MIB;
    acts[2].kind = PLAN_ACT_MEMORY;
    snprintf(acts[2].domain, sizeof(acts[2].domain), "vm1");
    acts[2].from_kib = 128 * MIB;
    acts[2].to_kib = 512 * MIB;
    stages[0].kind = PLAN_STAGE_SHRINK;
    stages[0].acts = acts;
    stages[0].nr_acts = 2;
    stages[1].kind = PLAN_STAGE_GROW;
    stages[1].acts = acts + 2;
    stages[1].nr_acts = 1;
    p.stages = stages;
    p.nr_stages = 2;
}

/* The wrapped callback: counts what reaches it. */
static int forwarded;
static const exec_event *last_forwarded;

static void next_fn(void *ctx, const exec_event *ev)
{
    (*(int *)ctx)++;
    last_forwarded = ev;
}

static void send(tl_timeline *tl, exec_ev_kind kind, bool back,
                 const plan_action *a, uint64_t ms, uint64_t now_kib,
                 uint64_t free_kib, const char *msg, const rec_record *rec)
{
    exec_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.rolling_back = back;
    ev.act = a;
    ev.stage = a ? &stages[a == &acts[2]] : NULL;
    ev.elapsed_ms = ms;
    ev.now_kib = now_kib;
    ev.free_kib = free_kib;
    ev.msg = msg;
    ev.record = rec;
    last_forwarded = NULL;
    TL_OnEvent(tl, &ev);
    if (tl->next)
        ok(last_forwarded == &ev, "event at %llu ms forwarded as it came",
           (unsigned long long)ms);
}

/* The SVG as a string. */
static char *svg_of(const tl_timeline *tl)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    if (TL_WriteSvg(tl, f))
        ok(0, "TL_WriteSvg reports no error");
    fclose(f);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    while ((hay = strstr(hay, needle))) {
        n++;
        hay += strlen(needle);
    }
    return n;
}

static const tl_series *series(const tl_timeline *tl, const char *domain)
{
    size_t i;

    for (i = 0; i < tl->nr_series; i++)
        if (!strcmp(tl->series[i].domain, domain))
            return &tl->series[i];
    return NULL;
}

/* vm2 stuck, the other shrink cut short, the way back, rolled back. */
static void test_rollback(void)
{
    rec_domain rd[2];
    rec_record rec = { .taken = true, .doms = rd, .nr_doms = 2 };
    const tl_series *s;
    tl_timeline tl;
    char *svg;
    int n = 0;

    make_plan();
    memset(rd, 0, sizeof(rd));
    snprintf(rd[0].name, sizeof(rd[0].name), "vm2");
    rd[0].mem_kib = 512 * MIB;
    rd[0].planned = true;
    snprintf(rd[1].name, sizeof(rd[1].name), "vm1");
    rd[1].mem_kib = 128 * MIB;
    rd[1].planned = true;
    forwarded = 0;
    ok(TL_Init(&tl, &p, next_fn, &n) == 0, "TL_Init");
    is_int(tl.nr_series, 3, "a line per running domain of the plan");
    send(&tl, EXEC_EV_RECORDED, false, NULL, 0, 0, 0, NULL, &rec);
    send(&tl, EXEC_EV_STAGE_BEGIN, false, NULL, 0, 0, 0, "shrink", NULL);
    send(&tl, EXEC_EV_ACTION_BEGIN, false, &acts[0], 0, 0, 0, "x", NULL);
    send(&tl, EXEC_EV_ACTION_BEGIN, false, &acts[1], 100, 0, 0, "y", NULL);
    send(&tl, EXEC_EV_PROGRESS, false, &acts[0], 500, 300 * MIB,
         1000 * MIB, NULL, NULL);
    /* Unknown free memory (0) is no reading. */
    send(&tl, EXEC_EV_PROGRESS, false, &acts[0], 900, 300 * MIB, 0, NULL,
         NULL);
    send(&tl, EXEC_EV_ACTION_FAILED, false, &acts[0], 2400, 0, 0,
         "vm2: balloon stuck at 300 MiB <no progress>", NULL);
    send(&tl, EXEC_EV_ROLLBACK_BEGIN, true, NULL, 2400, 0, 0, "stuck",
         NULL);
    send(&tl, EXEC_EV_ACTION_BEGIN, true, NULL, 2400, 0, 0,
         "vm2: balloon target 128 MiB -> 512 MiB", NULL);
    send(&tl, EXEC_EV_ACTION_BEGIN, true, NULL, 2500, 0, 0,
         "cpupool xenshift-vm1: destroy", NULL);
    send(&tl, EXEC_EV_ACTION_DONE, true, NULL, 2600, 0, 0,
         "cpupool xenshift-vm1: destroy", NULL);
    send(&tl, EXEC_EV_ACTION_DONE, true, NULL, 3300, 0, 0,
         "vm2 at 512 MiB", NULL);
    /* The way back ends later: another balloon took longer. */
    send(&tl, EXEC_EV_ROLLBACK_DONE, true, NULL, 3900, 0, 0, "rolled back",
         NULL);
    send(&tl, EXEC_EV_DONE, false, NULL, 3900, 0, 0, "vm2: stuck", NULL);
    is_int(n, 14, "every event reached the wrapped callback");

    is_int(tl.nr_bars, 4, "four bars: two forward steps, two undo steps");
    ok(!tl.bars[0].undo && tl.bars[0].failed && tl.bars[0].ended,
       "the stuck shrink is a failed bar");
    is_int(tl.bars[0].start_ms, 0, "it starts at 0");
    is_int(tl.bars[0].end_ms, 2400, "and ends when it failed");
    is_str(tl.bars[0].label, "vm2: memory 512 MiB -> 128 MiB",
           "labelled as PLAN_DescribeAction says");
    is_str(tl.bars[0].kind, "memory", "with its kind");
    ok(tl.bars[1].cut && !tl.bars[1].ended && !tl.bars[1].failed,
       "the other shrink is cut short");
    is_int(tl.bars[1].end_ms, 2400, "when the way back begins");
    ok(tl.bars[2].undo && tl.bars[2].ended, "the balloon undo step ended");
    is_str(tl.bars[2].domain, "vm2", "its domain from its message");
    is_int(tl.bars[2].start_ms, 2400, "undo from 2400 ms");
    is_int(tl.bars[2].end_ms, 3300, "to its end named by domain only");
    is_int(tl.bars[3].end_ms, 2600, "the pool undo ends by its own text");
    ok(tl.rollback_seen && tl.rollback_ended, "the rollback is recorded");
    is_int(tl.rollback_begin_ms, 2400, "rollback from 2400 ms");
    is_int(tl.rollback_end_ms, 3900, "to 3900 ms");
    is_int(tl.nr_free, 2, "two free memory readings: plan and one event");
    is_int(tl.free[1].kib, 1000 * MIB, "the event's reading");
    s = series(&tl, "vm2");
    ok(s && s->nr >= 4, "vm2 has a line");
    if (s) {
        is_int(s->pts[0].kib, 512 * MIB, "it starts at its memory before");
        is_int(s->pts[s->nr - 1].kib, 512 * MIB, "it ends back there");
        is_int(s->pts[s->nr - 1].ms, 3300,
               "when the way back said \"vm2 at 512 MiB\"");
        ok(s->pts[s->nr - 1].rolling_back, "reached by the way back");
        is_int(s->pts[s->nr - 2].kib, 300 * MIB,
               "held at 300 MiB until the way back began");
        is_int(s->pts[s->nr - 2].ms, 2400, "at 2400 ms");
    }
    is_int(tl.nr_marks, 0, "no capacity mark on a failed run");

    svg = svg_of(&tl);
    ok(svg != NULL, "the SVG is written");
    if (!svg)
        goto out;
    ok(strstr(svg, "<title>xenshift: take&lt;over&gt;: FAILED: vm2: stuck; "
              "rolled back (3.9 s)</title>") != NULL,
       "the title says the phase, the cause and the rollback, escaped");
    ok(strstr(svg, "data-domain=\"a&lt;b&gt;&amp;&quot;c&apos;??\xc3\xa9\"")
       != NULL, "a domain name escaped, invalid bytes replaced, UTF-8 kept");
    ok(!strstr(svg, "<b>") && !strstr(svg, "\xff") && !strstr(svg, "\x01"),
       "nothing of the name raw");
    ok(strstr(svg, "<g id=\"rollback\" data-start-ms=\"2400\" "
              "data-end-ms=\"3900\">") != NULL,
       "the rollback band from its begin to its end");
    ok(strstr(svg, "rollback: rolled back") != NULL, "and its result");
    is_int(count(svg, "class=\"bar undo\""), 2, "two undo bars");
    is_int(count(svg, "class=\"bar failed\""), 1, "one failed bar");
    is_int(count(svg, "class=\"bar\""), 1, "one plain forward bar");
    ok(strstr(svg, "stroke-dasharray=\"3 2\"") != NULL,
       "the cut step outlined dashed");
    ok(strstr(svg, "vm2: memory 512 MiB -&gt; 128 MiB: FAILED") != NULL,
       "the failed bar's text");
    ok(strstr(svg, "&lt;no progress&gt;") != NULL,
       "the failure's message, escaped, in its tooltip");
    ok(strstr(svg, "data-kind=\"undo\" data-start-ms=\"2400\" "
              "data-end-ms=\"3300\"") != NULL, "the undo bar's times");
    ok(strstr(svg, "class=\"reserve\"") != NULL, "the reserve line");
    is_int(count(svg, "<circle class=\"free\""), 2,
           "the two free memory readings as dots");
    is_int(count(svg, "<polyline class=\"free\""), 1,
           "joined by one line");
    /* 1300 MiB at 0 ms, 1000 MiB at 500 ms, on a 0-1500 MiB panel. */
    ok(strstr(svg, "stroke-width=\"2.5\" points=\"210.0,338.3 294.4,358.3\"/>")
       != NULL, "from 0 ms to the reading at 500 ms, not held to the end");
    ok(strstr(svg, "host free memory (reserve 256 MiB)") != NULL,
       "the reserve's size");
    ok(!strstr(svg, "class=\"mark\""), "no capacity, no placement");
    free(svg);
out:
    TL_Dispose(&tl);
}

/* Reached: capacity and placement marked, lines to their targets. */
static void test_reached(void)
{
    const tl_series *s;
    tl_timeline tl;
    char *svg;

    make_plan();
    ok(TL_Init(&tl, &p, NULL, NULL) == 0, "TL_Init without a next");
    send(&tl, EXEC_EV_ACTION_BEGIN, false, &acts[2], 1500, 0, 0, "g", NULL);
    send(&tl, EXEC_EV_PROGRESS, false, &acts[2], 2000, 300 * MIB, 0, NULL,
         NULL);
    send(&tl, EXEC_EV_ACTION_DONE, false, &acts[2], 3000, 0, 900 * MIB,
         "done", NULL);
    send(&tl, EXEC_EV_CAPACITY, false, NULL, 3000, 0, 0, "capacity", NULL);
    send(&tl, EXEC_EV_PLACEMENT, false, NULL, 3000, 0, 0, "placement",
         NULL);
    send(&tl, EXEC_EV_DONE, false, NULL, 3000, 0, 0, "done", NULL);
    s = series(&tl, "vm1");
    ok(s && s->nr == 4, "vm1: before, from, a reading, to");
    if (s && s->nr == 4) {
        is_int(s->pts[1].ms, 1500, "from at the step's start");
        is_int(s->pts[2].kib, 300 * MIB, "the reading");
        is_int(s->pts[3].kib, 512 * MIB, "to at its end");
        ok(!s->pts[3].rolling_back, "forward");
    }
    is_int(tl.nr_marks, 2, "capacity and placement");
    svg = svg_of(&tl);
    ok(svg != NULL, "the SVG is written");
    if (!svg)
        goto out;
    ok(strstr(svg, "<title>xenshift: take&lt;over&gt;: reached in 3.0 s"
              "</title>") != NULL, "the title");
    ok(strstr(svg, "data-what=\"capacity\" data-ms=\"3000\"") != NULL,
       "capacity marked at 3000 ms");
    ok(strstr(svg, "data-what=\"placement\" data-ms=\"3000\"") != NULL,
       "placement marked at 3000 ms");
    ok(!strstr(svg, "id=\"rollback\""), "no rollback band");
    ok(!strstr(svg, "stroke-dasharray=\"6 4\""), "no dashed line");
    is_int(count(svg, "class=\"bar\""), 1, "one bar");
    ok(strstr(svg, "data-kind=\"memory\" data-start-ms=\"1500\" "
              "data-end-ms=\"3000\"") != NULL, "from its start to its end");
    /* The time axis: 3000 ms and a little room, to a round 3500. */
    ok(strstr(svg, "data-ms1=\"3500\"") != NULL, "the time axis' end");
    free(svg);
out:
    TL_Dispose(&tl);
}

/* No step ran (a veto): the picture says so; saving; errors. */
static void test_empty_and_save(void)
{
    char dir[] = "/tmp/test_timeline.XXXXXX", path[256], tmp[300],
         title[256];
    struct stat st;
    tl_timeline tl;
    xs_err err;
    char *svg;

    make_plan();
    ok(TL_Init(&tl, &p, NULL, NULL) == 0, "TL_Init");
    TL_SetOutcome(&tl, "vetoed: hook %s said no", "10-check");
    svg = svg_of(&tl);
    ok(svg && strstr(svg, "<title>xenshift: take&lt;over&gt;: vetoed: hook "
                     "10-check said no</title>"), "the outcome given");
    ok(svg && strstr(svg, "no step ran"), "no step ran");
    free(svg);
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        goto out;
    }
    snprintf(path, sizeof(path), "%s/t.svg", dir);
    ok(TL_SaveSvg(&tl, path, &err) == 0, "saved");
    ok(stat(path, &st) == 0 && st.st_size > 500, "the file is there");
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    ok(stat(tmp, &st) != 0, "nothing left beside it");
    ok(TL_ReadTitle(path, title, sizeof(title), &err) == 0 &&
       !strcmp(title, "take<over>: vetoed: hook 10-check said no"),
       "the title read back, unescaped: %s", title);
    unlink(path);
    snprintf(path, sizeof(path), "%s/no/such/dir/t.svg", dir);
    ok(TL_SaveSvg(&tl, path, &err) == -1, "an unwritable path fails");
    ok(strstr(err.msg, "cannot write") && strstr(err.msg, "no/such/dir"),
       "and says where: %s", err.msg);
    rmdir(dir);
out:
    TL_Dispose(&tl);
}

/* A directory of timelines: oldest first by time, the newest kept. */
static void test_dir(void)
{
    static const char *const ids[] = { "c-new", "a-old", "b-mid", "b-mid2" };
    static const time_t when[] = { 3000, 1000, 2000, 2000 };
    char dir[] = "/tmp/test_timeline.XXXXXX", sub[256], path[600];
    struct timeval tv[2];
    tl_timeline tl;
    tl_entry *e;
    size_t nr, i;
    xs_err err;

    make_plan();
    if (!mkdtemp(dir) || TL_Init(&tl, &p, NULL, NULL)) {
        ok(0, "mkdtemp, TL_Init");
        return;
    }
    snprintf(sub, sizeof(sub), "%s/var/lib/timelines", dir);
    for (i = 0; i < 4; i++) {
        ok(TL_SaveInDir(&tl, sub, ids[i], 10, path, sizeof(path), &err) == 0,
           "saved %s (the directories made)", ids[i]);
        memset(tv, 0, sizeof(tv));
        tv[0].tv_sec = tv[1].tv_sec = when[i];
        utimes(path, tv);
    }
    /* Not a timeline: left alone. */
    snprintf(path, sizeof(path), "%s/notes.txt", sub);
    fclose(fopen(path, "w"));
    ok(TL_ListDir(sub, &e, &nr, &err) == 0, "listed");
    is_int(nr, 4, "four timelines, the text file not one");
    if (nr == 4) {
        is_str(e[0].id, "a-old", "the oldest first");
        is_str(e[1].id, "b-mid", "same time: by name");
        is_str(e[2].id, "b-mid2", "then the other");
        is_str(e[3].id, "c-new", "the newest last");
    }
    free(e);
    ok(TL_Prune(sub, 2, &err) == 0, "pruned to 2");
    ok(TL_ListDir(sub, &e, &nr, &err) == 0 && nr == 2 &&
       !strcmp(e[0].id, "b-mid2") && !strcmp(e[1].id, "c-new"),
       "the two newest are left");
    free(e);
    ok(access(path, F_OK) == 0, "the text file too");
    snprintf(path, sizeof(path), "%s/none", dir);
    ok(TL_ListDir(path, &e, &nr, &err) == -1 && errno == ENOENT,
       "a missing directory: ENOENT (%s)", err.msg);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path))
        ok(0, "clean up %s", dir);
    TL_Dispose(&tl);
}

/* Thirty domains: the legend wraps, the picture grows to hold it. */
static void test_many_domains(void)
{
    plan_row many[30];
    plan q;
    tl_timeline tl;
    char *svg;
    size_t i;

    memset(&q, 0, sizeof(q));
    memset(many, 0, sizeof(many));
    for (i = 0; i < 30; i++) {
        snprintf(many[i].domain, sizeof(many[i].domain),
                 "domain-with-a-long-name-%02zu", i);
        many[i].running = true;
        many[i].mem_before_kib = (i + 1) * 64 * MIB;
    }
    q.rows = many;
    q.nr_rows = 30;
    snprintf(q.phase, sizeof(q.phase), "big");
    ok(TL_Init(&tl, &q, NULL, NULL) == 0, "TL_Init, 30 domains");
    is_int(tl.nr_series, 30, "30 lines");
    svg = svg_of(&tl);
    /* 212 px an entry, 3 to a row of 760 px: 10 rows of 16 px. */
    ok(svg && strstr(svg, "height=\"690\""),
       "the picture is 160 px taller for 10 rows of legend");
    ok(svg && strstr(svg, ">domain-with-a-long-name-29</text>"),
       "the last domain is in the legend");
    ok(svg && strstr(svg, "<rect x=\"634\" y=\"671\""),
       "on the tenth row, third place");
    free(svg);
    TL_Dispose(&tl);
}

int main(void)
{
    test_rollback();
    test_reached();
    test_empty_and_save();
    test_dir();
    test_many_domains();
    return done_testing();
}
