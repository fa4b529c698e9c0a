/*
 * xspath.h - every xenstore path xenshift reads or writes.
 *
 * The one list: xenstore-schema/xenshift-paths.pandoc documents each of
 * them, and tests/unit/test_schema checks that the two agree.  Keep the
 * XSP_* names and the documented paths in step.
 */
#ifndef XENSHIFT_XSPATH_H
#define XENSHIFT_XSPATH_H

/* Everything lives under dom0's own directory, writable by dom0 only. */
#define XSP_ROOT "/local/domain/0/xenshift"

/* request/ID = PHASE: a client asks for a phase (ID: [A-Za-z0-9._-]). */
#define XSP_REQUEST XSP_ROOT "/request"
/*
 * answer/ID/{state,phase,message,progress,queued-at,started-at,ended-at,
 * capacity-ms,placement-ms}
 */
#define XSP_ANSWER XSP_ROOT "/answer"
/* The phase the host was last brought to ("" when none is known). */
#define XSP_PHASE XSP_ROOT "/phase"
/* "ok PHASE" or "failed PHASE: why": how the last transition ended. */
#define XSP_RESULT XSP_ROOT "/result"
/* xenshiftd's pid while it runs. */
#define XSP_DAEMON XSP_ROOT "/daemon"
/*
 * The transition in flight: {from,to,request,step,state,capacity-ms,
 * placement-ms}, and the host
 * as it was before its first change: record/{head,pool/N,domain/N}.
 */
#define XSP_JOURNAL XSP_ROOT "/journal"

/* Leaves below answer/ID and journal/. */
#define XSP_A_STATE "state"
#define XSP_A_PHASE "phase"
#define XSP_A_MESSAGE "message"
#define XSP_A_PROGRESS "progress"
#define XSP_A_QUEUED_AT "queued-at"
#define XSP_A_STARTED_AT "started-at"
#define XSP_A_ENDED_AT "ended-at"
/* ms from the transition's first step to capacity, and to placement */
#define XSP_A_CAPACITY_MS "capacity-ms"
#define XSP_A_PLACEMENT_MS "placement-ms"
/* on the answer a restarted daemon gives a request its predecessor ran */
#define XSP_A_RECOVERED "recovered"
#define XSP_J_FROM "from"
#define XSP_J_TO "to"
#define XSP_J_REQUEST "request"
#define XSP_J_STEP "step"
#define XSP_J_STATE "state"
/* written when reached */
#define XSP_J_CAPACITY_MS "capacity-ms"
#define XSP_J_PLACEMENT_MS "placement-ms"
/* Written last: a record without its head is incomplete. */
#define XSP_J_RECORD_HEAD "record/head"
/* Lists below journal/: children 0, 1, ... (see record_text.c). */
#define XSP_JL_POOL "record/pool"
#define XSP_JL_DOMAIN "record/domain"

#endif
