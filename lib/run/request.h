/*
 * request.h - requests for a phase, as written to xenstore.
 *
 * A client writes request/ID = WHAT under XSP_ROOT, where WHAT is a
 * phase name or "@EVENT" (the phase the table's "on": EVENT trigger
 * names).  The daemon answers under answer/ID.  These functions only
 * check and format text: no I/O, so they can be fuzzed.
 */
#ifndef XENSHIFT_REQUEST_H
#define XENSHIFT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "hv.h"
#include "table.h"

#define REQ_ID_MAX 64

typedef enum {
    REQ_QUEUED,                 /* accepted, waiting its turn */
    REQ_RUNNING,                /* the transition is under way */
    REQ_DONE,                   /* the host is in the phase */
    REQ_FAILED,                 /* refused, vetoed or rolled back */
} req_state;

typedef struct req {
    char id[REQ_ID_MAX + 1];
    char what[HV_NAME_MAX];     /* as written, trimmed */
    char phase[HV_NAME_MAX];    /* resolved by REQ_Resolve */
    bool is_event;
} req;

/* An id is 1-64 characters of [A-Za-z0-9._-]. */
bool REQ_ValidId(const char *id);

/* A fresh id for this process: "<unix ms>-<pid>", sortable by time. */
void REQ_MakeId(char *buf, size_t len, uint64_t unix_ms, pid_t pid);

/*
 * Check a request's id and value (surrounding white space is dropped).
 * Returns 0, or -1 with err saying what is wrong.
 */
int REQ_Parse(const char *id, const char *value, req *out, xs_err *err);

/*
 * Find the phase r asks for in t: the phase itself or the phase of the
 * event's trigger.  -1 with err listing what would have been accepted.
 */
int REQ_Resolve(req *r, const tbl_table *t, xs_err *err);

const char *REQ_StateName(req_state s);
int REQ_StateFromName(const char *name, req_state *s);
/* DONE and FAILED are final. */
bool REQ_StateFinal(req_state s);

#endif
