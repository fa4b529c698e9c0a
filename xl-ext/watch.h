/*
 * watch.h - xenshift status --watch: a live view of the host while a
 * transition runs.
 *
 * watch.c takes samples of the host (the domains through hv, the
 * transition from what xenshiftd publishes in xenstore: journal/...,
 * result, answer/ID/...) and decides when to show one;
 * output_watch.c draws a sample as a frame (a terminal), a line per
 * change (a pipe) or a JSON object per line (-j).
 */
#ifndef XENSHIFT_WATCH_H
#define XENSHIFT_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "journal.h"
#include "xenshift.h"

typedef struct watch_opts {
    unsigned interval_ms;       /* --interval: at least this often */
    unsigned long count;        /* --count: end after N updates; 0: none */
    bool until_idle;            /* --until-idle */
} watch_opts;

/* One domain as a sample saw it. */
typedef struct watch_dom {
    const char *name;           /* the snapshot's */
    uint32_t domid;
    uint64_t mem_kib;           /* what it has now */
    bool in_transition;         /* the running transition sizes it */
    bool has_from;              /* from_kib is known (the journal's record) */
    uint64_t from_kib;          /* where its memory set out from */
    uint64_t target_kib;        /* where the transition takes it */
    int pct;                    /* of the way from from to target; -1 */
    char stage[256];            /* the step it is in, or a state */
} watch_dom;

typedef struct watch_sample {
    jnl_entry jnl;              /* jnl.present: a transition runs */
    int alive;                  /* its process: 1 lives (holder), 0 died
                                 * (dead), -1 cannot be told (why) */
    bool dead;                  /* a journal not "failed" whose process
                                 * died: ended, the host between phases */
    char holder[128];
    char why[sizeof(((xs_err *)0)->msg)];
    char progress[256];         /* answer/ID/progress ("2/6 ..."), or "" */
    long long elapsed_ms;       /* since the transition started; -1 */
    char phase[HV_NAME_MAX];    /* the host's, as status says; "": none */
    char result[512];           /* XSP_RESULT, or "" */
    /* Why the transition shown failed (exit 1), or NULL. */
    const char *failure;
    xs_snapshot snap;
    xs_phase_match *match;      /* t->nr_phases: the idle status view */
    watch_dom *doms;            /* snap.nr_doms */
} watch_sample;

int WATCH_Run(const xs_cli *cli, const watch_opts *o);

/* output_watch.c */
/* The whole screen, without escape codes: lines ending in '\n'. */
void OUT_WatchFrame(FILE *f, const watch_sample *s, const tbl_table *t,
                    const char *driver, const watch_opts *o, int verbose);
/*
 * The transition (or "no transition") as one line; with_elapsed false:
 * the same without the time, to tell a change from the clock moving.
 */
const char *OUT_WatchHeadLine(const watch_sample *s, bool with_elapsed,
                              char *buf, size_t len);
/* "  vm1 1280 MiB, target 512 MiB, 67%, memory 1536 MiB -> 512 MiB" */
const char *OUT_WatchDomLine(const watch_dom *d, char *buf, size_t len);
/* How a transition that the watch saw ended (the result node). */
const char *OUT_WatchEndLine(const watch_sample *s, char *buf, size_t len);
/*
 * One JSON object on one line; ended: the transition watched ended.
 * With s->failure, "ok": false and an "error" (kind "apply"), as the
 * failure documents of JSON OUTPUT in xenshift(1).
 */
void OUT_WatchJson(FILE *f, const watch_sample *s, bool ended);

#endif
