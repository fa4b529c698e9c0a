/*
 * test_table.c - the phase table: the Fig. 9 example, a table using
 * every feature, one test per class of error with its exact
 * file:line:column and message, and the checks against a host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "table.h"
#include "tap.h"

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s && *s ? s : ".";
}

static const char *data(const char *name)
{
    static char path[512];

    snprintf(path, sizeof(path), "%s/tests/unit/data/%s", srcdir(), name);
    return path;
}

/* Parse text; return the formatted error, or "OK". */
static const char *parse_err(const char *text)
{
    static char buf[1200];
    tbl_table t;
    xs_err err;
    int rc;

    TBL_Init(&t);
    rc = TBL_Parse("t.json", text, strlen(text), &t, &err);
    if (rc != 0)
        ok(t.nr_domains == 0 && t.nr_phases == 0 && t.domains == NULL,
           "a refused table is left empty");
    TBL_Dispose(&t);
    if (rc == 0)
        return "OK";
    return ERR_Format(&err, buf, sizeof(buf));
}

static void err_is(const char *text, const char *want, const char *what)
{
    is_str(parse_err(text), want, "%s", what);
}

/* Load a file under tests/unit/data; return the error after the path. */
static const char *load_err(const char *name)
{
    static char buf[1200];
    const char *path = data(name);
    tbl_table t;
    xs_err err;
    int rc;

    TBL_Init(&t);
    rc = TBL_Load(path, &t, &err);
    TBL_Dispose(&t);
    if (rc == 0)
        return "OK";
    ERR_Format(&err, buf, sizeof(buf));
    if (strncmp(buf, path, strlen(path)) == 0)
        return buf + strlen(path);
    return buf;
}

/* Line 1 declares vm1 and vm2 (32M..256M each); phases start on line 2. */
#define DOMS "{\"domains\": {\"vm1\": {\"min\": \"32M\", \"max\": \"256M\"}, " \
             "\"vm2\": {\"min\": \"32M\", \"max\": \"256M\"}},\n"
/* vm1's cell in phase "p" starts at 2:25. */
#define CELL(x) DOMS "\"phases\": {\"p\": {\"vm1\": " x "}}}"
/* A valid phase "p"; the triggers array starts at 3:13. */
#define TRIG(x) DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n" \
                "\"triggers\": [" x "]}"

static void fig9(void)
{
    char path[512];
    tbl_table t;
    xs_err err;
    const tbl_phase *p;
    const tbl_alloc *a;
    char buf[1200];

    snprintf(path, sizeof(path), "%s/examples/fig9.json", srcdir());
    TBL_Init(&t);
    ERR_Clear(&err);
    if (!ok(TBL_Load(path, &t, &err) == 0, "examples/fig9.json loads (%s)",
            ERR_Format(&err, buf, sizeof(buf))))
        return;
    is_str(t.path, path, "the table remembers its path");
    is_int(t.reserve_kib, 256 * 1024, "reserve 256 MiB");
    is_int(t.nr_domains, 3, "three domains");
    is_str(t.domains[0].name, "vm1", "first domain vm1");
    is_str(t.domains[2].name, "vm3", "third domain vm3");
    ok(TBL_FindDomain(&t, "vm2") == &t.domains[1], "find vm2");
    ok(TBL_FindDomain(&t, "vm4") == NULL, "no vm4");
    is_int(t.domains[0].min_kib, 128 * 1024, "vm1 min 128 MiB");
    is_int(t.domains[0].max_kib, 640 * 1024, "vm1 max 640 MiB");
    is_int(t.nr_phases, 2, "two phases");
    p = TBL_FindPhase(&t, "normal");
    if (ok(p != NULL, "normal phase")) {
        is_int(p->nr_allocs, 3, "normal names three domains");
        a = TBL_FindAlloc(p, "vm1");
        ok(a && a->memory_kib == 128 * 1024 && a->cpus == TBL_CPUS_SHARED,
           "normal vm1 128 MiB shared");
        a = TBL_FindAlloc(p, "vm2");
        ok(a && a->memory_kib == 512 * 1024 && a->cpus == TBL_CPUS_SHARED,
           "normal vm2 512 MiB shared");
        a = TBL_FindAlloc(p, "vm3");
        ok(a && a->memory_kib == 128 * 1024 && a->cpus == TBL_CPUS_SHARED,
           "normal vm3 128 MiB shared");
        ok(TBL_FindAlloc(p, "vm9") == NULL, "no cell for vm9");
    }
    p = TBL_FindPhase(&t, "takeover");
    if (ok(p != NULL, "takeover phase")) {
        a = TBL_FindAlloc(p, "vm1");
        ok(a && a->memory_kib == 512 * 1024, "takeover vm1 512 MiB");
        ok(a && a->cpus == TBL_CPUS_DEDICATED && a->pcpu_count == 1 &&
           !a->has_pcpu_list, "takeover vm1 one dedicated pCPU");
        ok(a && a->vcpus == TBL_KEEP && a->node == TBL_KEEP,
           "vcpus and node kept");
        a = TBL_FindAlloc(p, "vm2");
        ok(a && a->memory_kib == 128 * 1024 && a->cpus == TBL_CPUS_SHARED,
           "takeover vm2 128 MiB shared");
        a = TBL_FindAlloc(p, "vm3");
        ok(a && a->memory_kib == 128 * 1024 && a->cpus == TBL_CPUS_SHARED,
           "takeover vm3 128 MiB shared");
    }
    is_int(t.nr_triggers, 2, "two triggers");
    ok(t.triggers[0].kind == TBL_TRIGGER_EVENT &&
       !strcmp(t.triggers[0].event, "failover") &&
       !strcmp(t.triggers[0].phase, "takeover"), "failover -> takeover");
    ok(t.triggers[1].kind == TBL_TRIGGER_AT &&
       !strcmp(t.triggers[1].at, "0 8 * * 1-5") &&
       !strcmp(t.triggers[1].phase, "normal"), "weekday 08:00 -> normal");
    ok(t.triggers[1].when.hours == (1u << 8) &&
       t.triggers[1].when.minutes == 1 &&
       t.triggers[1].when.wdays == 0x3e, "the cron time is parsed");
    ok(TBL_FindPhase(&t, "nope") == NULL, "unknown phase not found");
    TBL_Dispose(&t);
    TBL_Dispose(&t);
    ok(t.nr_phases == 0 && t.phases == NULL, "dispose twice is safe");
}

static void full(void)
{
    tbl_table t;
    xs_err err;
    const tbl_phase *p;
    const tbl_alloc *a;
    char buf[1200], cpus[64];

    TBL_Init(&t);
    ERR_Clear(&err);
    if (!ok(TBL_Load(data("good-full.json"), &t, &err) == 0,
            "good-full.json loads (%s)", ERR_Format(&err, buf, sizeof(buf))))
        return;
    is_int(t.reserve_kib, 1536 * 1024, "reserve 1.5G");
    is_int(t.domains[0].min_kib, 256 * 1024, "MiB spelling");
    is_int(t.domains[0].max_kib, 4 * 1024 * 1024, "G spelling");
    is_int(t.domains[1].min_kib, 512 * 1024, "an integer is MiB");
    is_int(t.domains[1].max_kib, 8 * 1024 * 1024, "GB is binary");
    is_int(t.domains[2].min_kib, 0, "no min: no floor");
    is_int(t.domains[2].max_kib, 2048 * 1024, "max");
    is_int(t.domains[1].pos.line, 11, "domain key line");
    is_int(t.domains[1].pos.col, 5, "domain key column");
    p = TBL_FindPhase(&t, "day");
    a = p ? TBL_FindAlloc(p, "web") : NULL;
    if (ok(a != NULL, "day/web")) {
        ok(a->cpus == TBL_CPUS_DEDICATED && a->has_pcpu_list,
           "dedicated list");
        is_str(CPUMAP_Format(&a->pcpu_list, cpus, sizeof(cpus)), "2-3,5",
               "the list");
        is_int(a->pcpu_count, 3, "count of the list");
        is_int(a->vcpus, 3, "vcpus");
        is_int(a->node, 0, "node 0");
        is_int(a->pos.line, 16, "cell line");
        is_int(a->pos.col, 7, "cell column");
        is_int(a->memory_pos.col, 26, "memory column");
        is_int(a->pcpus_pos.col, 62, "pcpus column");
        is_int(a->vcpus_pos.line, 17, "vcpus line");
        is_int(a->vcpus_pos.col, 25, "vcpus column");
        is_int(a->node_pos.col, 36, "node column");
    }
    a = p ? TBL_FindAlloc(p, "db.primary") : NULL;
    ok(a && a->memory_kib == 4096 * 1024 && a->pcpu_count == 2 &&
       !a->has_pcpu_list, "integer memory, dedicated count");
    a = p ? TBL_FindAlloc(p, "batch_1") : NULL;
    ok(a && a->memory_kib == 1024 && a->cpus == TBL_CPUS_SHARED,
       "shared by default, k spelling");
    p = TBL_FindPhase(&t, "night");
    ok(p && p->nr_allocs == 1, "a phase may leave domains alone");
    a = p ? TBL_FindAlloc(p, "batch_1") : NULL;
    ok(a && a->vcpus == 4 && a->node == 1 && a->cpus == TBL_CPUS_SHARED,
       "night/batch_1");
    ok(p && TBL_FindAlloc(p, "web") == NULL, "web not named at night");
    is_int(t.nr_triggers, 3, "three triggers");
    ok(t.triggers[0].kind == TBL_TRIGGER_EVENT &&
       !strcmp(t.triggers[0].phase, "day"), "key order does not matter");
    is_int(t.triggers[1].pos.line, 28, "trigger line");
    is_int(t.triggers[1].pos.col, 5, "trigger column");
    ok(t.triggers[2].kind == TBL_TRIGGER_AT && t.triggers[2].when.hours == 1,
       "@daily");
    TBL_Dispose(&t);
}

static void file_errors(void)
{
    char path[] = "/tmp/test_table.XXXXXX", buf[1200];
    tbl_table t;
    xs_err err;
    FILE *f;
    int fd;

    TBL_Init(&t);
    ok(TBL_Load("/nonexistent/xenshift.json", &t, &err) != 0,
       "missing file refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "/nonexistent/xenshift.json: "
           "cannot open: No such file or directory", "missing file message");
    ok(TBL_Load("/", &t, &err) != 0, "a directory refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "/: not a regular file",
           "directory message");

    fd = mkstemp(path);
    f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (ok(f != NULL, "temporary file")) {
        static char junk[64 * 1024];
        int i;

        memset(junk, ' ', sizeof(junk));
        for (i = 0; i < 65; i++)
            fwrite(junk, 1, sizeof(junk), f);
        fclose(f);
        ok(TBL_Load(path, &t, &err) != 0, "a file over 4 MiB refused");
        is_str(err.msg, "file is larger than 4 MiB", "size message");
        is_int(err.line, 0, "no line for a file error");
        unlink(path);
    }

    is_str(load_err("below-min.json"), ":2:41: phase \"p\" domain \"vm1\": "
           "memory 16 MiB is below the domain's min 32 MiB (declared at "
           "1:16)", "below min, from a file");
    is_str(load_err("bad-above-max.json"), ":6:38: phase \"takeover\" domain "
           "\"vm1\": memory 300 MiB is above the domain's max 256 MiB "
           "(declared at 3:5)", "above max, from a file");
    is_str(load_err("bad-unknown-key.json"), ":8:16: unknown key \"memroy\" "
           "in phase \"normal\" domain \"vm1\"; expected one of: memory, "
           "cpus, pcpus, vcpus, node", "unknown key, from a file");
    is_str(load_err("bad-cron.json"), ":5:43: bad \"at\" time \"0 8 * * "
           "1-9\": day-of-week 9 out of range 0-7", "cron error points at "
           "the bad character in the string");
    is_str(load_err("bad-overlap.json"), ":9:63: phase \"takeover\": pCPU 2 "
           "dedicated to both \"vm2\" and \"vm1\" (at 8:64)",
           "overlapping pCPU lists, from a file");
    is_str(load_err("bad-trailing-comma.json"), ":4:3: expected a quoted key "
           "after ',' (JSON allows no trailing comma)", "JSON syntax error, "
           "from a file");
    is_str(load_err("bad-duplicate.json"), ":5:5: duplicate key \"vm1\" "
           "(first at 3:5)", "duplicate domain, from a file");
}

static void structure_errors(void)
{
    /* JSON itself */
    err_is("{\"domains\": {}\n ,, }", "t.json:2:3: expected a quoted key "
           "after ','", "JSON syntax error passed through");
    err_is("", "t.json:1:1: empty document: expected a JSON value", "empty");
    /* the top level */
    err_is("[1]", "t.json:1:1: expected an object for the table, got array",
           "top level is not an object");
    err_is("{\"domain\": {}}", "t.json:1:2: unknown key \"domain\" in the "
           "table; expected one of: host, domains, phases, triggers",
           "unknown top-level key");
    err_is("{\"phases\": {}}", "t.json:1:1: \"domains\" is missing: declare "
           "each domain's min and max", "domains missing");
    err_is("{\"domains\": {\"vm1\": {}}}", "t.json:1:1: \"phases\" is "
           "missing: a table needs at least one phase", "phases missing");
    /* host */
    err_is("{\"host\": [], \"domains\": {}}", "t.json:1:10: expected an "
           "object for \"host\", got array", "host not an object");
    err_is("{\"host\": {\"reserved\": \"1G\"}}", "t.json:1:11: unknown key "
           "\"reserved\" in \"host\"; expected one of: reserve, "
           "move_unnamed",
           "unknown host key");
    err_is("{\"host\": {\"reserve\": \"lots\"}, \"domains\": {}}",
           "t.json:1:22: host: \"reserve\": size \"lots\" does not start with "
           "a number", "bad reserve size");
    err_is("{\"host\": {\"reserve\": true}}", "t.json:1:22: host: expected a "
           "string or integer size for \"reserve\", got boolean",
           "reserve of the wrong type");
    err_is("{\"host\": {\"move_unnamed\": 1}}", "t.json:1:27: host: "
           "expected true or false for \"move_unnamed\", got number",
           "move_unnamed not a boolean");
    {
        static const char text[] = "{\"host\": {\"move_unnamed\": true}, "
            "\"domains\": {\"vm1\": {}}, \"phases\": {\"a\": {\"vm1\": "
            "{\"memory\": 64}}}}";
        tbl_table t;
        xs_err err;

        TBL_Init(&t);
        is_int(TBL_Parse("t.json", text, strlen(text), &t, &err), 0,
               "move_unnamed: true parses");
        ok(t.move_unnamed, "move_unnamed is set");
        TBL_Dispose(&t);
        is_int(TBL_Parse("t.json", text + 32, strlen(text + 32) , &t, &err),
               -1, "(sanity: a cut table is refused)");
        TBL_Dispose(&t);
    }
    /* dom0 stays in Pool-0: dedicating it is a table error. */
    err_is("{\"domains\": {\"Domain-0\": {}}, \"phases\": {\"a\": "
           "{\"Domain-0\": {\"memory\": 512, \"cpus\": \"dedicated\", "
           "\"pcpus\": 1}}}}", "t.json:1:84: phase \"a\" domain "
           "\"Domain-0\": Domain-0 cannot have dedicated pCPUs (Xen keeps "
           "dom0 in Pool-0); give it \"cpus\": \"shared\"",
           "Domain-0 dedicated");
    /* domains */
    err_is("{\"domains\": []}", "t.json:1:13: expected an object for "
           "\"domains\", got array", "domains not an object");
    err_is("{\"domains\": {}}", "t.json:1:13: \"domains\" is empty: declare "
           "at least one domain", "domains empty");
    err_is("{\"domains\": {\"vm 1\": {}}, \"phases\": {}}",
           "t.json:1:14: domain name \"vm 1\": character ' ' is not allowed "
           "(use letters, digits, '_', '-', '.')", "bad domain name");
    err_is("{\"domains\": {\"\": {}}}", "t.json:1:14: domain name \"\" must "
           "be 1 to 63 characters", "empty domain name");
    err_is("{\"domains\": {\"a234567890123456789012345678901234567890123456789"
           "012345678901234\": {}}}", "t.json:1:14: domain name \"a23456789012"
           "3456789012345678901234567890123456789012345678901234\" must be 1 "
           "to 63 characters", "domain name of 64 characters");
    err_is("{\"domains\": {\"vm1\": \"32M\"}}", "t.json:1:21: expected an "
           "object for domain \"vm1\", got string", "domain not an object");
    err_is("{\"domains\": {\"vm1\": {\"mim\": \"64M\"}}}",
           "t.json:1:22: unknown key \"mim\" in domain \"vm1\"; expected one "
           "of: min, max", "unknown domain key");
    err_is("{\"domains\": {\"vm1\": {\"min\": [\"64M\"]}}}", "t.json:1:29: "
           "domain \"vm1\": expected a string or integer size for \"min\", "
           "got array", "min of the wrong type");
    err_is("{\"domains\": {\"vm1\": {\"min\": \"64Q\"}}}", "t.json:1:29: "
           "domain \"vm1\": \"min\": size \"64Q\": unknown unit (use K, M, G "
           "or T, or KiB, MiB, GiB, TiB)", "min with a bad unit");
    err_is("{\"domains\": {\"vm1\": {\"min\": -64}}}", "t.json:1:29: domain "
           "\"vm1\": \"min\" as a number is a whole, non-negative count of "
           "MiB, got -64", "negative integer size");
    err_is("{\"domains\": {\"vm1\": {\"max\": 1.5}}}", "t.json:1:29: domain "
           "\"vm1\": \"max\" as a number is a whole, non-negative count of "
           "MiB, got 1.5", "fractional integer size");
    err_is("{\"domains\": {\"vm1\": {\"max\": \"0M\"}}}", "t.json:1:29: domain "
           "\"vm1\": \"max\" must not be 0", "max of 0");
    err_is("{\"domains\": {\"vm1\": {\"min\": \"64M\", \"max\": \"32M\"}}}",
           "t.json:1:43: domain \"vm1\": max 32 MiB is below min 64 MiB",
           "min above max");
    err_is(DOMS "\"x\": 1}", "t.json:2:1: unknown key \"x\" in the table; "
           "expected one of: host, domains, phases, triggers",
           "unknown key after domains");
    /* phases */
    err_is(DOMS "\"phases\": []}", "t.json:2:11: expected an object for "
           "\"phases\", got array", "phases not an object");
    err_is(DOMS "\"phases\": {}}", "t.json:2:11: \"phases\" is empty: "
           "declare at least one phase", "phases empty");
    err_is(DOMS "\"phases\": {\"p/1\": {}}}", "t.json:2:12: phase name "
           "\"p/1\": character '/' is not allowed (use letters, digits, '_', "
           "'-', '.')", "bad phase name");
    err_is(DOMS "\"phases\": {\"p\": []}}", "t.json:2:17: expected an object "
           "for phase \"p\", got array", "phase not an object");
    err_is(DOMS "\"phases\": {\"p\": {}}}", "t.json:2:17: phase \"p\" is "
           "empty: give at least one domain its memory", "phase empty");
    err_is(DOMS "\"phases\": {\"p\": {\"vm9\": {\"memory\": \"64M\"}}}}",
           "t.json:2:18: phase \"p\" names domain \"vm9\", which is not "
           "declared in \"domains\"", "undeclared domain");
    err_is(CELL("64"), "t.json:2:25: expected an object for phase \"p\" "
           "domain \"vm1\", got number", "cell not an object");
    err_is(CELL("{\"memroy\": \"64M\"}"), "t.json:2:26: unknown key "
           "\"memroy\" in phase \"p\" domain \"vm1\"; expected one of: "
           "memory, cpus, pcpus, vcpus, node", "unknown cell key");
    /* memory */
    err_is(CELL("{\"cpus\": \"shared\"}"), "t.json:2:25: phase \"p\" domain "
           "\"vm1\": \"memory\" is missing", "memory missing");
    err_is(CELL("{\"memory\": [64]}"), "t.json:2:36: phase \"p\" domain "
           "\"vm1\": expected a string or integer size for \"memory\", got "
           "array", "memory of the wrong type");
    err_is(CELL("{\"memory\": \"512\"}"), "t.json:2:36: phase \"p\" domain "
           "\"vm1\": \"memory\": size \"512\": missing unit (K, M, G or T)",
           "memory without a unit");
    err_is(CELL("{\"memory\": 0}"), "t.json:2:36: phase \"p\" domain "
           "\"vm1\": \"memory\" must not be 0", "memory of 0");
    err_is(CELL("{\"memory\": \"300M\"}"), "t.json:2:36: phase \"p\" domain "
           "\"vm1\": memory 300 MiB is above the domain's max 256 MiB "
           "(declared at 1:14)", "above max");
    err_is(CELL("{\"memory\": 16}"), "t.json:2:36: phase \"p\" domain "
           "\"vm1\": memory 16 MiB is below the domain's min 32 MiB "
           "(declared at 1:14)", "below min (integer MiB)");
    /* cpus and pcpus */
    err_is(CELL("{\"memory\": 64, \"cpus\": 2}"), "t.json:2:48: phase \"p\" "
           "domain \"vm1\": expected a string for \"cpus\", got number",
           "cpus of the wrong type");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"all\"}"), "t.json:2:48: phase "
           "\"p\" domain \"vm1\": \"cpus\" must be \"shared\" or "
           "\"dedicated\", got \"all\"", "bad cpus");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\"}"), "t.json:2:48: "
           "phase \"p\" domain \"vm1\": \"cpus\": \"dedicated\" needs "
           "\"pcpus\" (a count, or a list such as \"2-3\")",
           "dedicated without pcpus");
    err_is(CELL("{\"memory\": 64, \"pcpus\": 1}"), "t.json:2:49: phase \"p\" "
           "domain \"vm1\": \"pcpus\" needs \"cpus\": \"dedicated\"",
           "pcpus with shared (by default)");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"shared\", \"pcpus\": \"1\"}"),
           "t.json:2:67: phase \"p\" domain \"vm1\": \"pcpus\" needs "
           "\"cpus\": \"dedicated\"", "pcpus with shared");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": 0}"),
           "t.json:2:70: phase \"p\" domain \"vm1\": \"pcpus\" 0 is out of "
           "range 1-4095", "zero pcpus");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "4096}"), "t.json:2:70: phase \"p\" domain \"vm1\": \"pcpus\" "
           "4096 is out of range 1-4095", "too many pcpus");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "[1]}"), "t.json:2:70: phase \"p\" domain \"vm1\": expected a "
           "count or a pCPU list string for \"pcpus\", got array",
           "pcpus of the wrong type");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "\"1-x\"}"), "t.json:2:73: phase \"p\" domain \"vm1\": bad "
           "pCPU list \"1-x\": expected numbers and ranges such as \"1\" or "
           "\"2-3,6\"", "bad pCPU list points into it");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": \"\"}"),
           "t.json:2:71: phase \"p\" domain \"vm1\": bad pCPU list \"\": "
           "expected numbers and ranges such as \"1\" or \"2-3,6\"",
           "empty pCPU list");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\", \"pcpus\": \"1-2\"},\n \"vm2\": {\"memory\": 64, "
           "\"cpus\": \"dedicated\", \"pcpus\": \"2-3\"}}}}",
           "t.json:3:54: phase \"p\": pCPU 2 dedicated to both \"vm2\" and "
           "\"vm1\" (at 2:70)", "overlapping dedicated pCPUs");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\", \"pcpus\": \"1-2\"}}, \"q\": {\"vm2\": {\"memory\": "
           "64, \"cpus\": \"dedicated\", \"pcpus\": \"2-3\"}}}}", "OK",
           "the same pCPU dedicated in two phases is fine");
    /* vcpus and node */
    err_is(CELL("{\"memory\": 64, \"vcpus\": 0}"), "t.json:2:49: phase \"p\" "
           "domain \"vm1\": \"vcpus\" 0 is out of range 1-4096", "zero vcpus");
    err_is(CELL("{\"memory\": 64, \"vcpus\": \"2\"}"), "t.json:2:49: phase "
           "\"p\" domain \"vm1\": expected an integer for \"vcpus\", got "
           "string", "vcpus of the wrong type");
    err_is(CELL("{\"memory\": 64, \"node\": 1.5}"), "t.json:2:48: phase \"p\" "
           "domain \"vm1\": expected an integer for \"node\", got 1.5",
           "fractional node");
    err_is(CELL("{\"memory\": 64, \"node\": -1}"), "t.json:2:48: phase \"p\" "
           "domain \"vm1\": \"node\" -1 is out of range 0-63",
           "negative node");
}

static void trigger_errors(void)
{
    err_is(TRIG(""), "OK", "an empty triggers array is fine");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": {}}", "t.json:3:13: expected an array for "
           "\"triggers\", got object", "triggers not an array");
    err_is(TRIG("\"p\""), "t.json:3:14: expected an object for a trigger, "
           "got string", "trigger not an object");
    err_is(TRIG("{\"phase\": \"p\", \"when\": \"x\"}"), "t.json:3:29: unknown "
           "key \"when\" in a trigger; expected one of: phase, at, on",
           "unknown trigger key");
    err_is(TRIG("{\"on\": \"x\"}"), "t.json:3:14: trigger: \"phase\" is "
           "missing (the phase it selects)", "trigger without a phase");
    err_is(TRIG("{\"phase\": 1, \"on\": \"x\"}"), "t.json:3:24: trigger: "
           "expected a string for \"phase\", got number", "phase not a "
           "string");
    err_is(TRIG("{\"phase\": \"q\", \"on\": \"x\"}"), "t.json:3:24: trigger "
           "names phase \"q\", which is not in \"phases\"",
           "trigger for an unknown phase");
    err_is(TRIG("{\"phase\": \"p\"}"), "t.json:3:14: trigger for phase "
           "\"p\": give exactly one of \"at\" (a cron time) or \"on\" (an "
           "event name such as \"failover\")", "trigger without a when");
    err_is(TRIG("{\"phase\": \"p\", \"at\": \"0 8 * * 1-5\", \"on\": \"x\"}"),
           "t.json:3:14: trigger for phase \"p\": give exactly one of \"at\" "
           "(a cron time) or \"on\" (an event name such as \"failover\")",
           "trigger with both");
    err_is(TRIG("{\"phase\": \"p\", \"at\": 8}"), "t.json:3:35: trigger: "
           "expected a string for \"at\", got number", "at not a string");
    err_is(TRIG("{\"phase\": \"p\", \"at\": \"0 0 1,2,3,4,5,6,7,8,9,10,11,12,"
                "13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31 * "
                "1,2,3,4,5,6,7,8,9,10,11,12 0,1,2,3,4,5,6\"}"),
           "t.json:3:35: trigger: \"at\" is longer than 127 characters",
           "at too long");
    err_is(TRIG("{\"phase\": \"p\", \"at\": \"0 25 * * *\"}"), "t.json:3:38: "
           "bad \"at\" time \"0 25 * * *\": hour 25 out of range 0-23",
           "cron error points at the bad field");
    err_is(TRIG("{\"phase\": \"p\", \"on\": [\"x\"]}"), "t.json:3:35: "
           "trigger: expected a string for \"on\", got array",
           "on not a string");
    err_is(TRIG("{\"phase\": \"p\", \"on\": \"\"}"), "t.json:3:35: trigger: "
           "event name \"\" must be 1 to 63 characters", "empty event name");
    err_is(TRIG("{\"phase\": \"p\", \"on\": \"fail over\"}"), "t.json:3:40: "
           "trigger: event name \"fail over\": character ' ' is not allowed "
           "(use letters, digits, '_', '-', '.')", "bad event name points "
           "at the character");
    err_is(TRIG("{\"phase\": \"p\", \"on\": \"failover\"},\n"
                "  {\"phase\": \"p\", \"on\": \"failover\"}"), "t.json:4:24: "
           "trigger: event \"failover\" already selects phase \"p\" (at "
           "3:14)", "the same event twice");
    err_is(TRIG("{\"phase\": \"p\", \"on\": \"failover\"}, {\"phase\": "
                "\"p\", \"at\": \"@hourly\"}, {\"phase\": \"p\", \"at\": "
                "\"@hourly\"}"),
           "OK", "the same time twice is harmless");
    err_is(CELL("{\"memory\": 64}"), "OK", "a minimal table is fine");
}

/* A domain "big" without max; its cell in phase "p" starts at 2:25. */
#define BIG(x) "{\"domains\": {\"big\": {}},\n\"phases\": {\"p\": {\"big\": " \
               x "}}}"

/*
 * Every number of the table is checked against its limit, at its own
 * position: 18014398509482496 MiB is 2^64 KiB + 512 MiB and used to be
 * taken as 512 MiB.
 */
static void number_errors(void)
{
    tbl_table t;

    err_is(BIG("{\"memory\": 18014398509482496}"), "t.json:2:36: phase \"p\" "
           "domain \"big\": \"memory\" 18014398509482496 MiB is above the "
           "limit of 1024 TiB", "memory in MiB that wrapped to 512 MiB");
    err_is(BIG("{\"memory\": 99999999999999999999}"), "t.json:2:36: phase "
           "\"p\" domain \"big\": \"memory\" 99999999999999999999 MiB is "
           "above the limit of 1024 TiB", "memory in MiB beyond 64 bits");
    err_is(BIG("{\"memory\": 1073741825}"), "t.json:2:36: phase \"p\" domain "
           "\"big\": \"memory\" 1073741825 MiB is above the limit of "
           "1024 TiB", "one MiB above the limit");
    err_is(BIG("{\"memory\": -99999999999999999999}"), "t.json:2:36: phase "
           "\"p\" domain \"big\": \"memory\" as a number is a whole, "
           "non-negative count of MiB, got -99999999999999999999",
           "a hugely negative memory is negative, not large");
    err_is(BIG("{\"memory\": \"16777216T\"}"), "t.json:2:36: phase \"p\" "
           "domain \"big\": \"memory\": size \"16777216T\" is above the limit "
           "of 1024 TiB", "memory with a unit, 2^64 KiB");
    err_is(BIG("{\"memory\": 1073741824}"), "OK", "memory at the limit");
    err_is("{\"domains\": {\"big\": {\"min\": 18014398509482496}}, "
           "\"phases\": {}}", "t.json:1:29: domain \"big\": \"min\" "
           "18014398509482496 MiB is above the limit of 1024 TiB",
           "min that wrapped");
    err_is("{\"domains\": {\"big\": {\"max\": \"2048T\"}}, \"phases\": {}}",
           "t.json:1:29: domain \"big\": \"max\": size \"2048T\" is above the "
           "limit of 1024 TiB", "max above the limit");
    err_is("{\"host\": {\"reserve\": 18014398509481984}, \"domains\": {}}",
           "t.json:1:22: host: \"reserve\" 18014398509481984 MiB is above the "
           "limit of 1024 TiB", "reserve that wrapped to 0");
    err_is("{\"host\": {\"reserve\": \"17179869184T\"}, \"domains\": {}}",
           "t.json:1:22: host: \"reserve\": size \"17179869184T\" is too large",
           "reserve beyond 64 bits");
    err_is(CELL("{\"memory\": 64, \"vcpus\": 18446744073709551617}"),
           "t.json:2:49: phase \"p\" domain \"vm1\": \"vcpus\" "
           "18446744073709551617 is out of range 1-4096",
           "vcpus beyond 64 bits names its range");
    err_is(CELL("{\"memory\": 64, \"vcpus\": 4294967297}"), "t.json:2:49: "
           "phase \"p\" domain \"vm1\": \"vcpus\" 4294967297 is out of range "
           "1-4096", "vcpus that would wrap an int to 1");
    err_is(CELL("{\"memory\": 64, \"node\": 4294967296}"), "t.json:2:48: "
           "phase \"p\" domain \"vm1\": \"node\" 4294967296 is out of range "
           "0-63", "node that would wrap an int to 0");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "4294967297}"), "t.json:2:70: phase \"p\" domain \"vm1\": "
           "\"pcpus\" 4294967297 is out of range 1-4095",
           "a pCPU count that would wrap to 1");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "\"1,18446744073709551617\"}"), "t.json:2:73: phase \"p\" "
           "domain \"vm1\": bad pCPU list \"1,18446744073709551617\": pCPU "
           "18446744073709551617 is above the limit of 4095",
           "a pCPU list entry beyond 64 bits points at it");
    err_is(CELL("{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": "
                "\"2-4096\"}"), "t.json:2:73: phase \"p\" domain \"vm1\": bad "
           "pCPU list \"2-4096\": pCPU 4096 is above the limit of 4095",
           "a pCPU range past the limit");

    /* Cron numbers saturate into "out of range" rather than wrapping. */
    err_is(TRIG("{\"phase\": \"p\", \"at\": \"0 99999999999999999999 * * "
                "*\"}"),
           "t.json:3:38: bad \"at\" time \"0 99999999999999999999 * * *\": "
           "hour 99999999999999999999 out of range 0-23",
           "an hour beyond 64 bits");
    err_is(TRIG("{\"phase\": \"p\", \"at\": \"*/18446744073709551617 * * * "
                "*\"}"), "t.json:3:38: bad \"at\" time "
           "\"*/18446744073709551617 * * * *\": minute step 18446744073709551617 is larger than 59",
           "a step that would wrap to 1");

    /* A reserve and sizes at the limit: the host check's sums do not wrap. */
    TBL_Init(&t);
    {
        static const char text[] =
            "{\"host\": {\"reserve\": \"1024T\"}, \"domains\": {\"big\": {}},"
            "\n\"phases\": {\"p\": {\"big\": {\"memory\": \"1024T\"}}}}";
        static hv_host host;
        hv_domain doms[2];
        xs_err err;

        ok(TBL_Parse("t.json", text, strlen(text), &t, &err) == 0,
           "a reserve of 1024 TiB parses");
        memset(&host, 0, sizeof(host));
        memset(doms, 0, sizeof(doms));
        host.nr_cpus = 2;
        host.nr_nodes = 1;
        host.total_kib = 1024 * 1024;
        host.free_kib = 512 * 1024;
        snprintf(doms[0].name, sizeof(doms[0].name), "Domain-0");
        doms[0].mem_kib = 512 * 1024;
        ok(TBL_CheckHost(&t, &host, doms, 1, &err) != 0 &&
           strstr(err.msg, "but the host has 0 KiB after the 1024 TiB "
                  "reserve") != NULL, "a 1024 TiB reserve leaves nothing "
           "(%s)", err.msg);
        /*
         * A domain the table does not name reported (by a broken host)
         * at 2^64 KiB less 100 MiB: the phase's sum used to wrap to
         * 412 MiB, Xen's share to 100 MiB, and the phase "fit".
         */
        t.reserve_kib = 0;
        snprintf(doms[1].name, sizeof(doms[1].name), "other");
        doms[1].mem_kib = UINT64_MAX - 100 * 1024 + 1;
        ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0,
           "sums near 2^64 do not wrap into a fit");
    }
    TBL_Dispose(&t);
}

/* A host with 2 pCPUs, 2 nodes, 1 GiB; dom0 and vm1 with 256 MiB each. */
static void host_init(hv_host *host, hv_domain *doms)
{
    memset(host, 0, sizeof(*host));
    memset(doms, 0, 3 * sizeof(*doms));
    host->nr_cpus = 2;
    host->nr_nodes = 2;
    host->total_kib = 1024 * 1024;
    host->free_kib = 512 * 1024;
    snprintf(doms[0].name, sizeof(doms[0].name), "Domain-0");
    doms[0].mem_kib = 256 * 1024;
    snprintf(doms[1].name, sizeof(doms[1].name), "vm1");
    doms[1].mem_kib = 256 * 1024;
    doms[1].static_max_kib = 256 * 1024;
    doms[1].vcpus_max = 2;
    snprintf(doms[2].name, sizeof(doms[2].name), "other");
}

static int load_text(tbl_table *t, const char *text)
{
    xs_err err;

    TBL_Dispose(t);
    return TBL_Parse("t.json", text, strlen(text), t, &err);
}

static void host_checks(void)
{
    static hv_host host;
    hv_domain doms[3];
    tbl_table t;
    xs_err err;
    char buf[1200];

    host_init(&host, doms);
    TBL_Init(&t);
    ERR_Clear(&err);
    ok(load_text(&t, CELL("{\"memory\": \"200M\", \"cpus\": \"dedicated\", "
                          "\"pcpus\": \"1\", \"node\": 1, \"vcpus\": 2}")) == 0,
       "host test table parses");
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) == 0, "fits the host (%s)",
       err.msg);

    host.nr_cpus = 1;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "pCPU 1 of a 1-pCPU "
       "host refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:74: phase \"p\" "
           "domain \"vm1\": pCPU 1 does not exist (the host has 1: 0-0)",
           "pCPU error points at pcpus");
    host_init(&host, doms);

    host.nr_nodes = 1;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "node 1 of a 1-node "
       "host refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:87: phase \"p\" "
           "domain \"vm1\": node 1 does not exist (the host has 1)",
           "node error points at node");
    host_init(&host, doms);

    doms[1].static_max_kib = 128 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "above static max "
       "refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:36: phase \"p\" "
           "domain \"vm1\": memory 200 MiB is above the 128 MiB the domain "
           "was built with (its static max; Xen cannot grow it past that)",
           "static max error points at memory");
    host_init(&host, doms);

    doms[1].vcpus_max = 1;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "vcpus above the "
       "domain's maximum refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:99: phase \"p\" "
           "domain \"vm1\": vcpus 2 is above the 1 the domain was built with "
           "(its maxvcpus; Xen cannot add more)", "vcpus error points at "
           "vcpus");
    host_init(&host, doms);

    /* 200 MiB vm1 + 256 MiB dom0 = 456 MiB; 400 - 64 reserve = 336. */
    host.total_kib = 400 * 1024;
    host.free_kib = 0;
    doms[0].mem_kib = 200 * 1024;
    doms[1].mem_kib = 200 * 1024;
    t.reserve_kib = 64 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "too big for the host");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:12: phase \"p\" "
           "needs 400 MiB for its domains (with the others as they are now) "
           "but the host has 336 MiB after the 64 MiB reserve",
           "memory message gives the numbers");
    /* The same with Xen itself holding 40 MiB nobody else has. */
    doms[0].mem_kib = 160 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "Xen's own memory "
       "counts");
    is_str(err.msg, "phase \"p\" needs 360 MiB for its domains (with the "
           "others as they are now) but the host has 296 MiB after the "
           "64 MiB reserve and the 40 MiB Xen uses itself",
           "and the message says so");
    host_init(&host, doms);
    t.reserve_kib = 0;
    doms[2].mem_kib = 700 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 3, &err) != 0, "a domain the phase "
       "does not name counts as it is");
    doms[2].mem_kib = 0;

    ok(TBL_CheckHost(&t, &host, doms, 1, &err) == 0, "vm1 not running is "
       "not an error here");

    host.nr_cpus = 1;
    ok(load_text(&t, CELL("{\"memory\": \"64M\", \"cpus\": \"dedicated\", "
                          "\"pcpus\": 1}")) == 0, "parses");
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "dedicating the only "
       "pCPU refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:12: phase \"p\" "
           "dedicates 1 pCPUs but the host has 1: at least one must stay "
           "shared (dom0 runs there)", "message");
    host.nr_cpus = 3;
    ok(load_text(&t, DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, "
                 "\"cpus\": \"dedicated\", \"pcpus\": \"0-1\"}, \"vm2\": "
                 "{\"memory\": 64, \"cpus\": \"dedicated\", \"pcpus\": 1}}}}")
       == 0, "parses");
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "a list and a count "
       "that take every pCPU refused");
    ok(strstr(err.msg, "dedicates 3 pCPUs but the host has 3") != NULL,
       "counts and lists add up (%s)", err.msg);
    host.nr_cpus = 4;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) == 0, "one left over is "
       "enough");
    TBL_Dispose(&t);
}

int main(void)
{
    fig9();
    full();
    file_errors();
    structure_errors();
    trigger_errors();
    number_errors();
    host_checks();
    return done_testing();
}
