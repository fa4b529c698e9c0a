/*
 * request.c - checking and resolving requests for a phase.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "request.h"

static const char *const state_names[] = {
    [REQ_QUEUED] = "queued",
    [REQ_RUNNING] = "running",
    [REQ_DONE] = "done",
    [REQ_FAILED] = "failed",
};

bool REQ_ValidId(const char *id)
{
    size_t n;

    for (n = 0; id[n]; n++) {
        unsigned char c = (unsigned char)id[n];

        if (n == REQ_ID_MAX || !(isalnum(c) || c == '.' || c == '_' ||
                                 c == '-'))
            return false;
    }
    return n > 0;
}

void REQ_MakeId(char *buf, size_t len, uint64_t unix_ms, pid_t pid)
{
    snprintf(buf, len, "%013" PRIu64 "-%ld", unix_ms, (long)pid);
}

int REQ_Parse(const char *id, const char *value, req *out, xs_err *err)
{
    const char *b = value, *e;
    size_t n, i;

    memset(out, 0, sizeof(*out));
    if (!REQ_ValidId(id)) {
        ERR_Set(err, "request id '%.*s': expected 1-%d letters, digits, "
                "'.', '_' or '-'", REQ_ID_MAX + 1, id, REQ_ID_MAX);
        return -1;
    }
    snprintf(out->id, sizeof(out->id), "%s", id);
    while (*b && isspace((unsigned char)*b))
        b++;
    e = b + strlen(b);
    while (e > b && isspace((unsigned char)e[-1]))
        e--;
    n = (size_t)(e - b);
    if (!n) {
        ERR_Set(err, "request %s: empty: expected a phase name or @EVENT",
                id);
        return -1;
    }
    if (n >= sizeof(out->what)) {
        ERR_Set(err, "request %s: a phase name is at most %d characters",
                id, HV_NAME_MAX - 1);
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (!isprint((unsigned char)b[i]) || isspace((unsigned char)b[i])) {
            ERR_Set(err, "request %s: character %zu of the phase name is "
                    "not printable or is a space", id, i + 1);
            return -1;
        }
    }
    memcpy(out->what, b, n);
    out->what[n] = '\0';
    out->is_event = out->what[0] == '@';
    if (out->is_event && !out->what[1]) {
        ERR_Set(err, "request %s: '@' without an event name", id);
        return -1;
    }
    return 0;
}

/* "a, b, c" of the names for a message. */
static void list_names(const tbl_table *t, bool events, char *buf,
                       size_t len)
{
    size_t i, used = 0;

    buf[0] = '\0';
    if (!events) {
        for (i = 0; i < t->nr_phases && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                     i ? ", " : "", t->phases[i].name);
        return;
    }
    for (i = 0; i < t->nr_triggers && used < len; i++) {
        if (t->triggers[i].kind != TBL_TRIGGER_EVENT)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s@%s",
                                 used ? ", " : "", t->triggers[i].event);
    }
    if (!buf[0])
        snprintf(buf, len, "none");
}

int REQ_Resolve(req *r, const tbl_table *t, xs_err *err)
{
    char names[512];
    size_t i;

    if (!r->is_event) {
        if (!TBL_FindPhase(t, r->what)) {
            list_names(t, false, names, sizeof(names));
            ERR_Set(err, "unknown phase '%s' (phases: %s)", r->what, names);
            return -1;
        }
        snprintf(r->phase, sizeof(r->phase), "%.*s",
                 (int)sizeof(r->phase) - 1, r->what);
        return 0;
    }
    for (i = 0; i < t->nr_triggers; i++) {
        const tbl_trigger *tr = &t->triggers[i];

        if (tr->kind == TBL_TRIGGER_EVENT &&
            strcmp(tr->event, r->what + 1) == 0) {
            snprintf(r->phase, sizeof(r->phase), "%s", tr->phase);
            return 0;
        }
    }
    list_names(t, true, names, sizeof(names));
    ERR_Set(err, "no trigger for event '%s' (events: %s)", r->what + 1,
            names);
    return -1;
}

const char *REQ_StateName(req_state s)
{
    if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
        return "unknown";
    return state_names[s];
}

int REQ_StateFromName(const char *name, req_state *s)
{
    size_t i;

    for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
        if (strcmp(state_names[i], name) == 0) {
            *s = (req_state)i;
            return 0;
        }
    }
    return -1;
}

bool REQ_StateFinal(req_state s)
{
    return s == REQ_DONE || s == REQ_FAILED;
}
