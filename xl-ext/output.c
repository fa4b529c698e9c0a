/*
 * output.c - what xenshift prints: tables for people, JSON for programs.
 * Here what all output shares (sizes, errors and the failure document,
 * the one JSON document of a process, the host line) and xenshiftd's
 * answer; each command's output in output_*.c.
 *
 * JSON keys are snake_case and stable; sizes are integers in KiB with a
 * _kib suffix.  The JSON goes through lib/base/json.h only.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output_int.h"
#include "units.h"
#include "xenshift.h"

/*
 * Sizes for people: MiB, as xl prints them, whole when exact, else with
 * two decimals (a balloon rarely stops on the exact page).
 */
const char *OUT_Size(uint64_t kib, char *buf, size_t len)
{
    return UNITS_FormatMiB(kib, buf, len);
}

void OUT_Error(const xs_cli *cli, const xs_err *err, const char *context)
{
    char buf[1200];

    ERR_Format(err, buf, sizeof(buf));
    if (context)
        fprintf(stderr, "%s: %s: %s\n", cli->progname, context, buf);
    else
        fprintf(stderr, "%s\n", buf);
}

/* Whether this process has printed its one JSON document. */
static bool json_printed;

const char *OUT_FailKindName(out_fail_kind kind)
{
    static const char *const names[] = {
        [OUT_FAIL_TABLE] = "table",
        [OUT_FAIL_PHASE] = "phase",
        [OUT_FAIL_EVENT] = "event",
        [OUT_FAIL_HOST] = "host",
        [OUT_FAIL_LOCK] = "lock",
        [OUT_FAIL_PLAN] = "plan",
        [OUT_FAIL_DOMAIN] = "domain",
        [OUT_FAIL_VETO] = "veto",
        [OUT_FAIL_APPLY] = "apply",
        [OUT_FAIL_DAEMON] = "daemon",
        [OUT_FAIL_TIMELINE] = "timeline",
        [OUT_FAIL_RECOVER] = "recover",
        [OUT_FAIL_INTERNAL] = "internal",
    };

    return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind]
                                                            : "internal";
}

/*
 * The "error" object of every failure document: what failed, why, and
 * where in a file when the error is about one (null otherwise).
 */
void OUT_JsonError(json_writer *w, out_fail_kind kind, const xs_err *err,
                   const char *context)
{
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "kind", OUT_FailKindName(kind));
    JSONW_KeyStringOrNull(w, "context", context);
    JSONW_KeyString(w, "message", err->msg);
    JSONW_KeyStringOrNull(w, "file", err->file[0] ? err->file : NULL);
    JSONW_Key(w, "line");
    if (err->file[0] && err->line > 0)
        JSONW_Int(w, err->line);
    else
        JSONW_Null(w);
    JSONW_Key(w, "column");
    if (err->file[0] && err->line > 0 && err->col > 0)
        JSONW_Int(w, err->col);
    else
        JSONW_Null(w);
    JSONW_ObjectClose(w);
}

static void json_out(FILE *f, json_writer *w);

/* The failure document on stdout, when -j asks and none was printed. */
static void fail_json(const xs_cli *cli, out_fail_kind kind,
                      const xs_err *err, const char *context)
{
    json_writer *w;

    if (!cli->json || json_printed)
        return;
    w = JSONW_New(true);
    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", false);
    JSONW_KeyStringOrNull(w, "command", cli->command);
    JSONW_Key(w, "error");
    OUT_JsonError(w, kind, err, context);
    JSONW_ObjectClose(w);
    json_out(stdout, w);
}

void OUT_Fail(const xs_cli *cli, out_fail_kind kind, const xs_err *err,
              const char *context)
{
    OUT_Error(cli, err, context);
    fail_json(cli, kind, err, context);
}

void OUT_Failf(const xs_cli *cli, out_fail_kind kind, const char *fmt, ...)
{
    xs_err err;
    va_list ap;

    ERR_Clear(&err);
    va_start(ap, fmt);
    vsnprintf(err.msg, sizeof(err.msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", cli->progname, err.msg);
    fail_json(cli, kind, &err, NULL);
}

static void json_out(FILE *f, json_writer *w)
{
    size_t len;
    const char *text = JSONW_Text(w, &len);

    fwrite(text, 1, len, f);
    if (len && text[len - 1] != '\n')
        fputc('\n', f);
    JSONW_Free(w);
    json_printed = true;
}

void OUT_JsonOut(FILE *f, json_writer *w)
{
    json_out(f, w);
}

/* --- the host ----------------------------------------------------------- */

void OUT_Host(FILE *f, const xs_snapshot *snap, const char *driver)
{
    char a[32], b[32];

    fprintf(f, "host (%s): %u pCPU%s, %u node%s, %s total, %s free%s\n",
            driver, snap->host.nr_cpus, snap->host.nr_cpus == 1 ? "" : "s",
            snap->host.nr_nodes, snap->host.nr_nodes == 1 ? "" : "s",
            OUT_Size(snap->host.total_kib, a, sizeof(a)),
            OUT_Size(snap->host.free_kib, b, sizeof(b)),
            snap->host.guarded ? ", page-move guard" : "");
}

/* --- a request answered by xenshiftd ------------------------------------ */

void OUT_AnswerJson(FILE *f, const out_answer *a)
{
    json_writer *w = JSONW_New(true);
    bool failed = strcmp(a->state, "failed") == 0;

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", !failed);
    JSONW_KeyString(w, "via", "xenshiftd");
    JSONW_KeyInt(w, "daemon_pid", a->pid);
    JSONW_KeyString(w, "request", a->id);
    JSONW_KeyString(w, "asked", a->asked);
    JSONW_KeyStringOrNull(w, "phase", a->phase);
    JSONW_KeyString(w, "state", a->state);
    JSONW_KeyStringOrNull(w, "message", a->message);
    JSONW_Key(w, "capacity_ms");
    if (a->capacity_ms >= 0)
        JSONW_Uint(w, (unsigned long long)a->capacity_ms);
    else
        JSONW_Null(w);
    JSONW_Key(w, "placement_ms");
    if (a->placement_ms >= 0)
        JSONW_Uint(w, (unsigned long long)a->placement_ms);
    else
        JSONW_Null(w);
    JSONW_Key(w, "interrupted");
    if (a->interrupted_id) {
        JSONW_ObjectOpen(w);
        JSONW_KeyString(w, "request", a->interrupted_id);
        JSONW_KeyStringOrNull(w, "message", a->interrupted_message);
        JSONW_ObjectClose(w);
    } else {
        JSONW_Null(w);
    }
    if (failed) {
        xs_err err;

        ERR_Set(&err, "%s", a->message ? a->message : "failed");
        JSONW_Key(w, "error");
        OUT_JsonError(w, OUT_FAIL_APPLY, &err, NULL);
    }
    JSONW_ObjectClose(w);
    json_out(f, w);
}
