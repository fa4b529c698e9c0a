/*
 * output_recover.c - what xenshift recover prints, and the note apply
 * gives when it finishes a dead transition before its own.
 */
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "xenshift.h"

void OUT_Recovery(FILE *f, const out_recovery *r)
{
    if (!r->found.present) {
        fprintf(f, "nothing to recover: no transition was interrupted on "
                "this host\n");
        return;
    }
    fprintf(f, "recovered: %s\n", r->message);
}

void OUT_RecoveryNote(FILE *f, const char *progname, const out_recovery *r)
{
    if (r->found.present)
        fprintf(f, "%s: a transition's process died before it ended; "
                "recovered first: %s\n", progname, r->message);
}

void OUT_RecoveryJson(FILE *f, const out_recovery *r)
{
    json_writer *w = JSONW_New(true);
    const jnl_entry *j = &r->found;

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", true);
    JSONW_KeyString(w, "outcome", TRN_RecoveryName(r->outcome));
    /* null: no journal, or the leaf was empty in it */
    JSONW_KeyStringOrNull(w, "from", j->present && j->from[0] ? j->from
                                                              : NULL);
    JSONW_KeyStringOrNull(w, "to", j->present ? j->to : NULL);
    JSONW_KeyStringOrNull(w, "step", j->present && j->step[0] ? j->step
                                                              : NULL);
    JSONW_KeyStringOrNull(w, "request", j->present && r->request[0]
                                        ? r->request : NULL);
    JSONW_KeyStringOrNull(w, "message", j->present ? r->message : NULL);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
