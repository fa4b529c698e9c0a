/*
 * table.c - the configuration table (the patent's table 9000, Fig. 9).
 *
 * The whole file is parsed and checked before anything uses it; the
 * first problem found is reported with file:line:col and what was
 * expected.  See xenshift.json(5) for the format.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "table.h"
#include "units.h"

#define TBL_MAX_FILE (4 * 1024 * 1024)

/* Parsing context: the file name for messages and the error to fill. */
typedef struct tctx {
    const char *path;
    xs_err *err;
} tctx;

static int fail_at(tctx *c, const json_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(tctx *c, const json_value *v, const char *fmt, ...)
{
    char msg[sizeof(c->err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ERR_SetAt(c->err, c->path, JSON_Line(v), JSON_Column(v), "%s", msg);
    return -1;
}

static int fail_key(tctx *c, const json_value *obj, size_t i,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_key(tctx *c, const json_value *obj, size_t i,
                    const char *fmt, ...)
{
    char msg[sizeof(c->err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ERR_SetAt(c->err, c->path, JSON_ObjectKeyLine(obj, i),
              JSON_ObjectKeyColumn(obj, i), "%s", msg);
    return -1;
}

static tbl_pos pos_of(const json_value *v)
{
    tbl_pos p = { JSON_Line(v), JSON_Column(v) };

    return p;
}

static tbl_pos key_pos(const json_value *obj, size_t i)
{
    tbl_pos p = { JSON_ObjectKeyLine(obj, i), JSON_ObjectKeyColumn(obj, i) };

    return p;
}

static int expect_type(tctx *c, const json_value *v, json_type t,
                       const char *what)
{
    if (JSON_Type(v) == t)
        return 0;
    return fail_at(c, v, "expected %s for %s, got %s",
                   t == JSON_OBJECT ? "an object" :
                   t == JSON_ARRAY ? "an array" :
                   t == JSON_STRING ? "a string" : "a number",
                   what, JSON_TypeName(JSON_Type(v)));
}

/* The value of key in an object about 'where' must be of type t. */
static int expect_member(tctx *c, const json_value *v, json_type t,
                         const char *where, const char *key)
{
    if (JSON_Type(v) == t)
        return 0;
    return fail_at(c, v, "%s: expected %s for \"%s\", got %s", where,
                   t == JSON_OBJECT ? "an object" :
                   t == JSON_ARRAY ? "an array" :
                   t == JSON_STRING ? "a string" : "a number",
                   key, JSON_TypeName(JSON_Type(v)));
}

/*
 * The column of byte 'bad' of string value v: its opening quote, one,
 * and the characters before it (escapes in the source are not undone:
 * names and cron times do not need them).
 */
static int string_col(const json_value *v, int bad)
{
    const char *s = JSON_String(v);
    int i, col = JSON_Column(v) + 1;

    for (i = 0; i < bad && s[i]; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            col++;
    return col;
}

/* Every key of obj must be one of allowed (NULL-terminated). */
static int check_keys(tctx *c, const json_value *obj,
                      const char *const *allowed, const char *where)
{
    size_t i, j;

    for (i = 0; i < JSON_ObjectSize(obj); i++) {
        const char *k = JSON_ObjectKey(obj, i);
        char list[256] = "";

        for (j = 0; allowed[j]; j++)
            if (strcmp(k, allowed[j]) == 0)
                break;
        if (allowed[j])
            continue;
        for (j = 0; allowed[j]; j++) {
            strncat(list, j ? ", " : "", sizeof(list) - strlen(list) - 1);
            strncat(list, allowed[j], sizeof(list) - strlen(list) - 1);
        }
        return fail_key(c, obj, i, "unknown key \"%s\" in %s; expected one "
                        "of: %s", k, where, list);
    }
    return 0;
}

/* Names of phases, domains and events: they end up in xenstore paths. */
static int check_name(tctx *c, const json_value *obj, size_t i,
                      const char *kind)
{
    const char *n = JSON_ObjectKey(obj, i);
    size_t len = strlen(n), k;

    if (len == 0 || len >= HV_NAME_MAX)
        return fail_key(c, obj, i, "%s name \"%s\" must be 1 to %d "
                        "characters", kind, n, HV_NAME_MAX - 1);
    for (k = 0; k < len; k++) {
        char ch = n[k];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
              ch == '.'))
            return fail_key(c, obj, i, "%s name \"%s\": character '%c' is "
                            "not allowed (use letters, digits, '_', '-', "
                            "'.')", kind, n, ch);
    }
    return 0;
}

/*
 * A JSON number as a long long: 0; -1 when it is not a whole number;
 * 1 when it is one too large for a long long (*out is then LLONG_MAX or
 * LLONG_MIN), so that callers can name their limit.
 */
static int json_int(const json_value *v, long long *out)
{
    const char *text = JSON_NumberText(v);

    if (!JSON_Integer(v, out))
        return 0;
    if (!text || strpbrk(text, ".eE"))
        return -1;
    *out = text[0] == '-' ? LLONG_MIN : LLONG_MAX;
    return 1;
}

/*
 * A size: a string with a unit, or an integer meaning MiB (as xl.cfg's
 * memory=).  where names the object, key the member ("memory").
 */
static int parse_size(tctx *c, const json_value *v, const char *where,
                      const char *key, uint64_t *kib)
{
    char why[256];
    long long mib;

    if (JSON_Type(v) == JSON_NUMBER) {
        int r = json_int(v, &mib);

        if (r < 0 || mib < 0)
            return fail_at(c, v, "%s: \"%s\" as a number is a whole, "
                           "non-negative count of MiB, got %s", where, key,
                           JSON_NumberText(v));
        if (r > 0 || UNITS_MibToKib((uint64_t)mib, kib))
            return fail_at(c, v, "%s: \"%s\" %s MiB is above the limit of "
                           UNITS_MAX_TEXT, where, key, JSON_NumberText(v));
        return 0;
    }
    if (JSON_Type(v) != JSON_STRING)
        return fail_at(c, v, "%s: expected a string or integer size for "
                       "\"%s\", got %s", where, key,
                       JSON_TypeName(JSON_Type(v)));
    if (UNITS_ParseSize(JSON_String(v), kib, why, sizeof(why)))
        return fail_at(c, v, "%s: \"%s\": %s", where, key, why);
    return 0;
}

static int parse_int(tctx *c, const json_value *v, const char *where,
                     const char *key, long long lo, long long hi,
                     long long *out)
{
    if (JSON_Type(v) != JSON_NUMBER)
        return fail_at(c, v, "%s: expected an integer for \"%s\", got %s",
                       where, key, JSON_TypeName(JSON_Type(v)));
    if (json_int(v, out) < 0)
        return fail_at(c, v, "%s: expected an integer for \"%s\", got %s",
                       where, key, JSON_NumberText(v));
    if (*out < lo || *out > hi)
        return fail_at(c, v, "%s: \"%s\" %s is out of range "
                       "%lld-%lld", where, key, JSON_NumberText(v), lo, hi);
    return 0;
}

static int parse_host(tctx *c, const json_value *v, tbl_table *t)
{
    static const char *const keys[] = { "reserve", "move_unnamed", NULL };
    const json_value *r, *m;

    if (expect_type(c, v, JSON_OBJECT, "\"host\"") ||
        check_keys(c, v, keys, "\"host\""))
        return -1;
    r = JSON_ObjectGet(v, "reserve");
    if (r && parse_size(c, r, "host", "reserve", &t->reserve_kib))
        return -1;
    m = JSON_ObjectGet(v, "move_unnamed");
    if (m) {
        if (JSON_Type(m) != JSON_BOOL)
            return fail_at(c, m, "host: expected true or false for "
                           "\"move_unnamed\", got %s",
                           JSON_TypeName(JSON_Type(m)));
        t->move_unnamed = JSON_Bool(m);
    }
    return 0;
}

static int parse_domains(tctx *c, const json_value *v, tbl_table *t)
{
    static const char *const keys[] = { "min", "max", NULL };
    size_t i, n = JSON_ObjectSize(v);
    char a[32], b[32];

    if (expect_type(c, v, JSON_OBJECT, "\"domains\""))
        return -1;
    if (n == 0)
        return fail_at(c, v, "\"domains\" is empty: declare at least one "
                       "domain");
    t->domains = calloc(n, sizeof(*t->domains));
    if (!t->domains)
        return fail_at(c, v, "out of memory");
    for (i = 0; i < n; i++) {
        const json_value *d = JSON_ObjectValue(v, i), *x;
        tbl_domain *td = &t->domains[t->nr_domains];
        char where[HV_NAME_MAX + 16];

        if (check_name(c, v, i, "domain"))
            return -1;
        snprintf(where, sizeof(where), "domain \"%s\"", JSON_ObjectKey(v, i));
        if (expect_type(c, d, JSON_OBJECT, where) ||
            check_keys(c, d, keys, where))
            return -1;
        snprintf(td->name, sizeof(td->name), "%s", JSON_ObjectKey(v, i));
        td->pos = key_pos(v, i);
        td->max_kib = UINT64_MAX;
        x = JSON_ObjectGet(d, "min");
        if (x && parse_size(c, x, where, "min", &td->min_kib))
            return -1;
        x = JSON_ObjectGet(d, "max");
        if (x && parse_size(c, x, where, "max", &td->max_kib))
            return -1;
        if (x && td->max_kib == 0)
            return fail_at(c, x, "%s: \"max\" must not be 0", where);
        if (td->min_kib > td->max_kib)
            return fail_at(c, x, "domain \"%s\": max %s is below min %s",
                           td->name, UNITS_FormatSize(td->max_kib, a, 32),
                           UNITS_FormatSize(td->min_kib, b, 32));
        t->nr_domains++;
    }
    return 0;
}

static int parse_cpus(tctx *c, const json_value *cell, tbl_alloc *al,
                      const char *where)
{
    const json_value *cpus = JSON_ObjectGet(cell, "cpus");
    const json_value *pc = JSON_ObjectGet(cell, "pcpus");
    long long n;

    al->cpus = TBL_CPUS_SHARED;
    if (cpus) {
        const char *s;

        if (expect_member(c, cpus, JSON_STRING, where, "cpus"))
            return -1;
        s = JSON_String(cpus);
        al->cpus_pos = pos_of(cpus);
        if (strcmp(s, "dedicated") == 0)
            al->cpus = TBL_CPUS_DEDICATED;
        else if (strcmp(s, "shared") != 0)
            return fail_at(c, cpus, "%s: \"cpus\" must be \"shared\" or "
                           "\"dedicated\", got \"%s\"", where, s);
    }
    if (al->cpus == TBL_CPUS_SHARED) {
        if (pc)
            return fail_at(c, pc, "%s: \"pcpus\" needs \"cpus\": "
                           "\"dedicated\"", where);
        return 0;
    }
    if (!pc)
        return fail_at(c, cpus, "%s: \"cpus\": \"dedicated\" needs "
                       "\"pcpus\" (a count, or a list such as \"2-3\")",
                       where);
    al->pcpus_pos = pos_of(pc);
    if (JSON_Type(pc) == JSON_NUMBER) {
        if (parse_int(c, pc, where, "pcpus", 1, HV_MAX_CPUS - 1, &n))
            return -1;
        al->pcpu_count = (unsigned)n;
        return 0;
    }
    if (JSON_Type(pc) == JSON_STRING) {
        int bad = 0;

        if (CPUMAP_Parse(JSON_String(pc), 0, &al->pcpu_list, &bad) ||
            CPUMAP_IsEmpty(&al->pcpu_list)) {
            const char *num = JSON_String(pc) + bad;

            /* The parser stops at digits only when they are too big. */
            if (isdigit((unsigned char)*num)) {
                ERR_SetAt(c->err, c->path, JSON_Line(pc),
                          string_col(pc, bad), "%s: bad pCPU list \"%s\": "
                          "pCPU %.*s is above the limit of %d", where,
                          JSON_String(pc), (int)strspn(num, "0123456789"),
                          num, HV_MAX_CPUS - 1);
                return -1;
            }
            ERR_SetAt(c->err, c->path, JSON_Line(pc),
                      string_col(pc, bad), "%s: bad pCPU list \"%s\": "
                      "expected numbers and ranges such as \"1\" or \"2-3,6\"",
                      where, JSON_String(pc));
            return -1;
        }
        al->has_pcpu_list = true;
        al->pcpu_count = CPUMAP_Count(&al->pcpu_list);
        return 0;
    }
    return fail_at(c, pc, "%s: expected a count or a pCPU list string for "
                   "\"pcpus\", got %s", where, JSON_TypeName(JSON_Type(pc)));
}

static int parse_alloc(tctx *c, const tbl_table *t, const json_value *ph,
                       size_t i, const char *phase, tbl_alloc *al)
{
    static const char *const keys[] = {
        "memory", "cpus", "pcpus", "vcpus", "node", NULL
    };
    const json_value *cell = JSON_ObjectValue(ph, i), *x;
    const tbl_domain *d;
    char where[2 * HV_NAME_MAX + 32], a[32], b[32];
    long long n;

    snprintf(where, sizeof(where), "phase \"%s\" domain \"%s\"", phase,
             JSON_ObjectKey(ph, i));
    d = TBL_FindDomain(t, JSON_ObjectKey(ph, i));
    if (!d)
        return fail_key(c, ph, i, "phase \"%s\" names domain \"%s\", which "
                        "is not declared in \"domains\"", phase,
                        JSON_ObjectKey(ph, i));
    if (expect_type(c, cell, JSON_OBJECT, where) ||
        check_keys(c, cell, keys, where))
        return -1;
    snprintf(al->domain, sizeof(al->domain), "%s", d->name);
    al->pos = key_pos(ph, i);
    al->vcpus = TBL_KEEP;
    al->node = TBL_KEEP;

    x = JSON_ObjectGet(cell, "memory");
    if (!x)
        return fail_at(c, cell, "%s: \"memory\" is missing", where);
    if (parse_size(c, x, where, "memory", &al->memory_kib))
        return -1;
    al->memory_pos = pos_of(x);
    if (al->memory_kib == 0)
        return fail_at(c, x, "%s: \"memory\" must not be 0", where);
    if (al->memory_kib < d->min_kib)
        return fail_at(c, x, "%s: memory %s is below the domain's min %s "
                       "(declared at %d:%d)", where,
                       UNITS_FormatSize(al->memory_kib, a, 32),
                       UNITS_FormatSize(d->min_kib, b, 32),
                       d->pos.line, d->pos.col);
    if (al->memory_kib > d->max_kib)
        return fail_at(c, x, "%s: memory %s is above the domain's max %s "
                       "(declared at %d:%d)", where,
                       UNITS_FormatSize(al->memory_kib, a, 32),
                       UNITS_FormatSize(d->max_kib, b, 32),
                       d->pos.line, d->pos.col);

    if (parse_cpus(c, cell, al, where))
        return -1;
    /* Xen keeps dom0 in Pool-0: it cannot have a pool of its own. */
    if (al->cpus == TBL_CPUS_DEDICATED && strcmp(al->domain, "Domain-0") == 0)
        return fail_at(c, JSON_ObjectGet(cell, "cpus"), "%s: Domain-0 "
                       "cannot have dedicated pCPUs (Xen keeps dom0 in "
                       "Pool-0); give it \"cpus\": \"shared\"", where);
    x = JSON_ObjectGet(cell, "vcpus");
    if (x) {
        if (parse_int(c, x, where, "vcpus", 1, HV_MAX_CPUS, &n))
            return -1;
        al->vcpus = (int)n;
        al->vcpus_pos = pos_of(x);
    }
    x = JSON_ObjectGet(cell, "node");
    if (x) {
        if (parse_int(c, x, where, "node", 0, HV_MAX_NODES - 1, &n))
            return -1;
        al->node = (int)n;
        al->node_pos = pos_of(x);
    }
    return 0;
}

static int parse_phases(tctx *c, const json_value *v, tbl_table *t)
{
    size_t i, j, k, n = JSON_ObjectSize(v);

    if (expect_type(c, v, JSON_OBJECT, "\"phases\""))
        return -1;
    if (n == 0)
        return fail_at(c, v, "\"phases\" is empty: declare at least one "
                       "phase");
    t->phases = calloc(n, sizeof(*t->phases));
    if (!t->phases)
        return fail_at(c, v, "out of memory");
    for (i = 0; i < n; i++) {
        const json_value *ph = JSON_ObjectValue(v, i);
        tbl_phase *tp = &t->phases[t->nr_phases];
        char where[HV_NAME_MAX + 16];

        if (check_name(c, v, i, "phase"))
            return -1;
        snprintf(where, sizeof(where), "phase \"%s\"", JSON_ObjectKey(v, i));
        if (expect_type(c, ph, JSON_OBJECT, where))
            return -1;
        snprintf(tp->name, sizeof(tp->name), "%s", JSON_ObjectKey(v, i));
        tp->pos = key_pos(v, i);
        t->nr_phases++;
        if (JSON_ObjectSize(ph) == 0)
            return fail_at(c, ph, "phase \"%s\" is empty: give at least one "
                           "domain its memory", tp->name);
        tp->allocs = calloc(JSON_ObjectSize(ph), sizeof(*tp->allocs));
        if (!tp->allocs)
            return fail_at(c, ph, "out of memory");
        for (j = 0; j < JSON_ObjectSize(ph); j++) {
            if (parse_alloc(c, t, ph, j, tp->name, &tp->allocs[j]))
                return -1;
            tp->nr_allocs++;
        }
        /* Two domains can not both own a pCPU. */
        for (j = 0; j < tp->nr_allocs; j++) {
            const tbl_alloc *x = &tp->allocs[j];

            if (!x->has_pcpu_list)
                continue;
            for (k = 0; k < j; k++) {
                const tbl_alloc *y = &tp->allocs[k];
                xs_cpumap both = x->pcpu_list;
                char cpus[64];

                if (!y->has_pcpu_list ||
                    !CPUMAP_Intersects(&x->pcpu_list, &y->pcpu_list))
                    continue;
                {
                    /* both = x & y, as x & ~(x & ~y) */
                    xs_cpumap only_x = x->pcpu_list;

                    CPUMAP_AndNot(&only_x, &y->pcpu_list);
                    CPUMAP_AndNot(&both, &only_x);
                }
                ERR_SetAt(c->err, c->path, x->pcpus_pos.line,
                          x->pcpus_pos.col, "phase \"%s\": pCPU %s dedicated "
                          "to both \"%s\" and \"%s\" (at %d:%d)", tp->name,
                          CPUMAP_Format(&both, cpus, sizeof(cpus)),
                          x->domain, y->domain, y->pcpus_pos.line,
                          y->pcpus_pos.col);
                return -1;
            }
        }
    }
    return 0;
}

/* An event name: the same rules as phase and domain names. */
static int check_event(tctx *c, const json_value *on)
{
    const char *e = JSON_String(on);
    size_t k;

    if (!*e || strlen(e) >= HV_NAME_MAX)
        return fail_at(c, on, "trigger: event name \"%s\" must be 1 to %d "
                       "characters", e, HV_NAME_MAX - 1);
    for (k = 0; e[k]; k++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", e[k])) {
            ERR_SetAt(c->err, c->path, JSON_Line(on),
                      string_col(on, (int)k), "trigger: event name \"%s\": "
                      "character '%c' is not allowed (use letters, digits, "
                      "'_', '-', '.')", e, e[k]);
            return -1;
        }
    return 0;
}

static int parse_trigger(tctx *c, const json_value *tr, const tbl_table *t,
                         tbl_trigger *tt)
{
    static const char *const keys[] = { "phase", "at", "on", NULL };
    const json_value *ph, *at, *on;
    size_t i;

    if (expect_type(c, tr, JSON_OBJECT, "a trigger") ||
        check_keys(c, tr, keys, "a trigger"))
        return -1;
    tt->pos = pos_of(tr);
    ph = JSON_ObjectGet(tr, "phase");
    if (!ph)
        return fail_at(c, tr, "trigger: \"phase\" is missing (the phase "
                       "it selects)");
    if (expect_member(c, ph, JSON_STRING, "trigger", "phase"))
        return -1;
    if (!TBL_FindPhase(t, JSON_String(ph)))
        return fail_at(c, ph, "trigger names phase \"%s\", which is not "
                       "in \"phases\"", JSON_String(ph));
    snprintf(tt->phase, sizeof(tt->phase), "%s", JSON_String(ph));
    at = JSON_ObjectGet(tr, "at");
    on = JSON_ObjectGet(tr, "on");
    if ((at != NULL) == (on != NULL))
        return fail_at(c, tr, "trigger for phase \"%s\": give exactly one "
                       "of \"at\" (a cron time) or \"on\" (an event name "
                       "such as \"failover\")", tt->phase);
    if (at) {
        char why[256];
        int bad = 0;

        if (expect_member(c, at, JSON_STRING, "trigger", "at"))
            return -1;
        if (strlen(JSON_String(at)) >= sizeof(tt->at))
            return fail_at(c, at, "trigger: \"at\" is longer than %zu "
                           "characters", sizeof(tt->at) - 1);
        if (SCHED_Parse(JSON_String(at), &tt->when, why, sizeof(why),
                        &bad)) {
            ERR_SetAt(c->err, c->path, JSON_Line(at), string_col(at, bad),
                      "bad \"at\" time \"%s\": %s", JSON_String(at), why);
            return -1;
        }
        tt->kind = TBL_TRIGGER_AT;
        snprintf(tt->at, sizeof(tt->at), "%s", JSON_String(at));
        return 0;
    }
    if (expect_member(c, on, JSON_STRING, "trigger", "on") ||
        check_event(c, on))
        return -1;
    /* One event, one phase: otherwise which one would win? */
    for (i = 0; i < t->nr_triggers; i++) {
        const tbl_trigger *o = &t->triggers[i];

        if (o->kind == TBL_TRIGGER_EVENT &&
            strcmp(o->event, JSON_String(on)) == 0)
            return fail_at(c, on, "trigger: event \"%s\" already selects "
                           "phase \"%s\" (at %d:%d)", o->event, o->phase,
                           o->pos.line, o->pos.col);
    }
    tt->kind = TBL_TRIGGER_EVENT;
    snprintf(tt->event, sizeof(tt->event), "%s", JSON_String(on));
    return 0;
}

static int parse_triggers(tctx *c, const json_value *v, tbl_table *t)
{
    size_t i, n;

    if (expect_type(c, v, JSON_ARRAY, "\"triggers\""))
        return -1;
    n = JSON_ArraySize(v);
    if (n == 0)
        return 0;
    t->triggers = calloc(n, sizeof(*t->triggers));
    if (!t->triggers)
        return fail_at(c, v, "out of memory");
    for (i = 0; i < n; i++) {
        if (parse_trigger(c, JSON_ArrayItem(v, i), t,
                          &t->triggers[t->nr_triggers]))
            return -1;
        t->nr_triggers++;
    }
    return 0;
}

void TBL_Init(tbl_table *t)
{
    memset(t, 0, sizeof(*t));
}

void TBL_Dispose(tbl_table *t)
{
    size_t i;

    for (i = 0; i < t->nr_phases; i++)
        free(t->phases[i].allocs);
    free(t->phases);
    free(t->domains);
    free(t->triggers);
    TBL_Init(t);
}

int TBL_Parse(const char *path, const char *text, size_t len,
              tbl_table *t, xs_err *err)
{
    static const char *const keys[] = {
        "host", "domains", "phases", "triggers", NULL
    };
    json_value *root = NULL;
    const json_value *x;
    xs_err local;
    tctx c;
    int rc = -1;

    if (!err)
        err = &local;
    c.path = path;
    c.err = err;
    TBL_Dispose(t);
    snprintf(t->path, sizeof(t->path), "%s", path);
    if (JSON_Parse(path, text, len, &root, err))
        goto out;
    if (expect_type(&c, root, JSON_OBJECT, "the table") ||
        check_keys(&c, root, keys, "the table"))
        goto out;
    x = JSON_ObjectGet(root, "host");
    if (x && parse_host(&c, x, t))
        goto out;
    x = JSON_ObjectGet(root, "domains");
    if (!x) {
        fail_at(&c, root, "\"domains\" is missing: declare each domain's "
                "min and max");
        goto out;
    }
    if (parse_domains(&c, x, t))
        goto out;
    x = JSON_ObjectGet(root, "phases");
    if (!x) {
        fail_at(&c, root, "\"phases\" is missing: a table needs at least "
                "one phase");
        goto out;
    }
    if (parse_phases(&c, x, t))
        goto out;
    x = JSON_ObjectGet(root, "triggers");
    if (x && parse_triggers(&c, x, t))
        goto out;
    rc = 0;
out:
    JSON_Free(root);
    if (rc)
        TBL_Dispose(t);
    return rc;
}

int TBL_Load(const char *path, tbl_table *t, xs_err *err)
{
    FILE *f = NULL;
    char *buf = NULL;
    struct stat st;
    size_t n;
    int rc = -1;

    f = fopen(path, "r");
    if (!f) {
        ERR_SetAt(err, path, 0, 0, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st)) {
        ERR_SetAt(err, path, 0, 0, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        ERR_SetAt(err, path, 0, 0, "not a regular file");
        goto out;
    }
    if (st.st_size > TBL_MAX_FILE) {
        ERR_SetAt(err, path, 0, 0, "file is larger than %d MiB",
                  TBL_MAX_FILE >> 20);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        ERR_SetAt(err, path, 0, 0, "out of memory");
        goto out;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        ERR_SetAt(err, path, 0, 0, "read error: %s", strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    rc = TBL_Parse(path, buf, n, t, err);
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

bool TBL_PhaseNamesNode(const tbl_table *t, const char *phase)
{
    const tbl_phase *ph = TBL_FindPhase(t, phase);
    size_t i;

    for (i = 0; ph && i < ph->nr_allocs; i++)
        if (ph->allocs[i].node != TBL_KEEP)
            return true;
    return false;
}

const tbl_phase *TBL_FindPhase(const tbl_table *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->nr_phases; i++)
        if (strcmp(t->phases[i].name, name) == 0)
            return &t->phases[i];
    return NULL;
}

const tbl_domain *TBL_FindDomain(const tbl_table *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->nr_domains; i++)
        if (strcmp(t->domains[i].name, name) == 0)
            return &t->domains[i];
    return NULL;
}

const tbl_alloc *TBL_FindAlloc(const tbl_phase *p, const char *domain)
{
    size_t i;

    for (i = 0; i < p->nr_allocs; i++)
        if (strcmp(p->allocs[i].domain, domain) == 0)
            return &p->allocs[i];
    return NULL;
}
