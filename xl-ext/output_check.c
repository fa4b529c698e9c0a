/*
 * output_check.c - what xenshift check prints: the table's summary, the
 * findings against the host and the triggers, the JSON document.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "xenshift.h"

void OUT_CheckSummary(FILE *f, const tbl_table *t)
{
    char sz[32];

    fprintf(f, "%zu domain%s, %zu phase%s, %zu trigger%s, host reserve %s\n",
            t->nr_domains, t->nr_domains == 1 ? "" : "s",
            t->nr_phases, t->nr_phases == 1 ? "" : "s",
            t->nr_triggers, t->nr_triggers == 1 ? "" : "s",
            OUT_Size(t->reserve_kib, sz, sizeof(sz)));
}

static const char *reach_kind_name(hchk_kind k)
{
    switch (k) {
    case HCHK_PHASE: return "phase";
    case HCHK_PAIR: return "pair";
    case HCHK_TRIGGER_NEVER: return "trigger-never";
    case HCHK_TRIGGER_CLASH: return "trigger-clash";
    }
    return "?";
}

void OUT_CheckFindings(FILE *f, const char *path, const hchk_report *r)
{
    size_t i;

    for (i = 0; r && i < r->nr; i++) {
        const hchk_finding *x = &r->v[i];

        if (x->pos.line)
            fprintf(f, "%s:%d:%d: ", path, x->pos.line, x->pos.col);
        else
            fprintf(f, "%s: ", path);
        fprintf(f, "%s: %s\n", x->level == HCHK_ERROR ? "error" : "warning",
                x->msg);
    }
}

/* The findings of one level as a JSON array. */
static void findings_json(json_writer *w, const char *key,
                          const hchk_report *r, hchk_level level)
{
    size_t i;

    JSONW_Key(w, key);
    JSONW_ArrayOpen(w);
    for (i = 0; r && i < r->nr; i++) {
        const hchk_finding *x = &r->v[i];

        if (x->level != level)
            continue;
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "kind", reach_kind_name(x->kind));
        JSONW_KeyString(w, "phase", x->phase);
        JSONW_KeyStringOrNull(w, "from", x->kind == HCHK_PAIR ? x->from
                                                               : NULL);
        JSONW_KeyStringOrNull(w, "other_phase",
                              x->kind == HCHK_TRIGGER_CLASH ? x->other
                                                             : NULL);
        if (x->pos.line) {
            JSONW_KeyInt(w, "line", x->pos.line);
            JSONW_KeyInt(w, "column", x->pos.col);
        }
        if (x->kind == HCHK_TRIGGER_CLASH) {
            JSONW_KeyInt(w, "other_line", x->other_pos.line);
            JSONW_KeyInt(w, "other_column", x->other_pos.col);
            JSONW_KeyInt(w, "first_at", (long long)x->when);
        }
        JSONW_KeyString(w, "message", x->msg);
        JSONW_ObjectClose(w);
    }
    JSONW_ArrayClose(w);
}

void OUT_CheckJson(FILE *f, const char *path, const xs_err *err,
                   const char *driver, const char *not_checked,
                   const hchk_report *r)
{
    json_writer *w = JSONW_New(true);

    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "config", path);
    JSONW_KeyBool(w, "ok", err == NULL && (!r || !r->nr_errors));
    JSONW_KeyStringOrNull(w, "host", driver);
    JSONW_KeyStringOrNull(w, "not_checked_against_host", not_checked);
    findings_json(w, "errors", r, HCHK_ERROR);
    findings_json(w, "warnings", r, HCHK_WARNING);
    JSONW_Key(w, "error");
    if (err) {
        /* In the table (it is named), or in reading the host. */
        bool in_table = err->file[0] && strcmp(err->file, path) == 0;

        OUT_JsonError(w, in_table ? OUT_FAIL_TABLE : OUT_FAIL_HOST, err,
                      NULL);
    } else if (r && r->nr_errors) {
        /* What plan will refuse: the first error says why, "errors" all. */
        xs_err first;
        size_t i = 0;

        while (r->v[i].level != HCHK_ERROR)
            i++;
        if (r->v[i].pos.line)
            ERR_SetAt(&first, path, r->v[i].pos.line, r->v[i].pos.col, "%s",
                      r->v[i].msg);
        else
            ERR_Set(&first, "%s", r->v[i].msg);
        OUT_JsonError(w, OUT_FAIL_PLAN, &first, NULL);
    } else {
        JSONW_Null(w);
    }
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
