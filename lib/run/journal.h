/*
 * journal.h - the transition in flight, kept in xenstore (XSP_JOURNAL).
 *
 * Written before each step, removed when the transition has ended
 * (reached, or rolled back).  A journal found at start-up belongs to a
 * toolstack process that died mid-way: the host may sit between two
 * phases and must be brought back to one (see TRN_Recover).  Xenstore
 * outlives the process that wrote it, as the host's state does.
 */
#ifndef XENSHIFT_JOURNAL_H
#define XENSHIFT_JOURNAL_H

#include <stdbool.h>

#include "err.h"
#include "hv.h"
#include "record.h"

/* The most a record/part node holds: several record lines, '\n'-joined. */
#define JNL_PART_MAX REC_LINE_MAX

typedef struct jnl_entry {
    bool present;
    char from[HV_NAME_MAX];     /* "" when the host was in no phase */
    char to[HV_NAME_MAX];
    char request[80];           /* "" when none */
    char step[256];             /* the step under way, "" before the first */
    char state[32];             /* "running", "rolling-back" */
    /* ms from the start to capacity and to placement; -1: not reached */
    long long capacity_ms, placement_ms;
} jnl_entry;

/*
 * Start: any record left from before removed, from, to and request
 * first, then state = "running".
 */
int JNL_Begin(hv *h, const char *from, const char *to, const char *request,
              xs_err *err);
int JNL_Step(hv *h, const char *step, xs_err *err);
int JNL_SetState(hv *h, const char *state, xs_err *err);
/* Capacity (or placement, when !capacity) reached, ms after the start. */
int JNL_Moment(hv *h, bool capacity, uint64_t ms, xs_err *err);
/* The transition has ended: remove the journal. */
int JNL_End(hv *h, xs_err *err);
/* Read it; e->present is false when there is none. */
int JNL_Read(hv *h, jnl_entry *e, xs_err *err);
/*
 * The host before the first change (record.h): every pool and domain,
 * then the head, last, so that a record cut short by a crash has none.
 */
int JNL_Record(hv *h, const rec_record *r, xs_err *err);
/*
 * Read it back; r->taken is false when the journal has no whole record.
 * A record of an older xenshift (one node a line) is read too.
 */
int JNL_ReadRecord(hv *h, rec_record *r, xs_err *err);

#endif
