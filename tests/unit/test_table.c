/*
 * test_table.c - the phase table: the Fig. 9 example, and one test per
 * class of error with its file:line:column.
 */
#include <stdio.h>
#include <stdlib.h>

#include "table.h"
#include "tap.h"

static const char *srcdir(void)
{
    const char *s = getenv("top_srcdir");

    return s ? s : ".";
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
    TBL_Dispose(&t);
    if (rc == 0)
        return "OK";
    return ERR_Format(&err, buf, sizeof(buf));
}

#define DOMS "{\"domains\": {\"vm1\": {\"min\": \"32M\", \"max\": \"256M\"}, " \
             "\"vm2\": {\"min\": \"32M\", \"max\": \"256M\"}},\n"

static void err_is(const char *text, const char *want, const char *what)
{
    is_str(parse_err(text), want, "%s", what);
}

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
            ERR_Format(&err, buf, sizeof(buf)))) {
        return;
    }
    is_int(t.reserve_kib, 256 * 1024, "reserve");
    is_int(t.nr_domains, 3, "three domains");
    is_int(t.nr_phases, 2, "two phases");
    is_int(t.domains[0].min_kib, 128 * 1024, "vm1 min");
    is_int(t.domains[0].max_kib, 640 * 1024, "vm1 max");
    p = TBL_FindPhase(&t, "takeover");
    ok(p != NULL, "takeover phase");
    a = p ? TBL_FindAlloc(p, "vm1") : NULL;
    ok(a && a->memory_kib == 512 * 1024, "takeover vm1 512 MiB");
    ok(a && a->cpus == TBL_CPUS_DEDICATED && a->pcpu_count == 1 &&
       !a->has_pcpu_list, "takeover vm1 one dedicated pCPU");
    ok(a && a->vcpus == TBL_KEEP && a->node == TBL_KEEP, "vcpus/node kept");
    a = p ? TBL_FindAlloc(p, "vm2") : NULL;
    ok(a && a->memory_kib == 128 * 1024 && a->cpus == TBL_CPUS_SHARED,
       "takeover vm2 128 MiB shared");
    p = TBL_FindPhase(&t, "normal");
    a = p ? TBL_FindAlloc(p, "vm2") : NULL;
    ok(a && a->memory_kib == 512 * 1024, "normal vm2 512 MiB");
    is_int(t.nr_triggers, 2, "two triggers");
    ok(t.triggers[0].kind == TBL_TRIGGER_EVENT &&
       !strcmp(t.triggers[0].event, "failover") &&
       !strcmp(t.triggers[0].phase, "takeover"), "failover -> takeover");
    ok(t.triggers[1].kind == TBL_TRIGGER_AT &&
       !strcmp(t.triggers[1].at, "0 8 * * 1-5"), "weekday 08:00 -> normal");
    ok(TBL_FindPhase(&t, "nope") == NULL, "unknown phase not found");
    TBL_Dispose(&t);
    TBL_Dispose(&t);
    ok(1, "dispose twice is safe");
}

static void file_errors(void)
{
    char path[512], buf[1200];
    tbl_table t;
    xs_err err;

    TBL_Init(&t);
    ok(TBL_Load("/nonexistent/xenshift.json", &t, &err) != 0,
       "missing file refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "/nonexistent/xenshift.json: "
           "cannot open: No such file or directory", "missing file message");
    ok(TBL_Load("/", &t, &err) != 0, "a directory refused");
    ok(strstr(err.msg, "not a regular file") != NULL, "directory message");
    snprintf(path, sizeof(path), "%s/tests/unit/data/below-min.json",
             srcdir());
    ok(TBL_Load(path, &t, &err) != 0, "file with an error refused");
    ok(strstr(ERR_Format(&err, buf, sizeof(buf)), "below-min.json:2:41: "
              "phase \"p\" domain \"vm1\": memory 16 MiB is below the "
              "domain's min 32 MiB (declared at 1:16)") != NULL,
       "error from a file names it with line and column (%s)", buf);
}

static void host_checks(void)
{
    const char *text = DOMS
        "\"phases\": {\"p\": {\"vm1\": {\"memory\": \"200M\", \"cpus\": "
        "\"dedicated\", \"pcpus\": \"1\", \"node\": 1}}}}";
    static hv_host host;
    hv_domain doms[2];
    tbl_table t;
    xs_err err;
    char buf[1200];

    memset(&host, 0, sizeof(host));
    memset(doms, 0, sizeof(doms));
    host.nr_cpus = 2;
    host.nr_nodes = 2;
    host.total_kib = 1024 * 1024;
    host.free_kib = 512 * 1024;
    snprintf(doms[0].name, sizeof(doms[0].name), "Domain-0");
    doms[0].mem_kib = 256 * 1024;
    snprintf(doms[1].name, sizeof(doms[1].name), "vm1");
    doms[1].mem_kib = 256 * 1024;
    doms[1].static_max_kib = 256 * 1024;
    TBL_Init(&t);
    ok(TBL_Parse("t.json", text, strlen(text), &t, &err) == 0,
       "host test table parses");
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) == 0, "fits the host (%s)",
       err.msg);
    host.nr_cpus = 1;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "pCPU 1 of a 1-pCPU "
       "host refused");
    is_str(ERR_Format(&err, buf, sizeof(buf)), "t.json:2:74: phase \"p\" "
           "domain \"vm1\": pCPU 1 does not exist (the host has 1: 0-0)",
           "pCPU error points at pcpus");
    host.nr_cpus = 2;
    host.nr_nodes = 1;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "node 1 of a 1-node "
       "host refused");
    ok(strstr(err.msg, "node 1 does not exist") != NULL, "node message");
    host.nr_nodes = 2;
    doms[1].static_max_kib = 128 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "above static max "
       "refused");
    ok(strstr(err.msg, "static max") != NULL, "static max message (%s)",
       err.msg);
    doms[1].static_max_kib = 0;
    host.total_kib = 400 * 1024;
    host.free_kib = 0;
    t.reserve_kib = 64 * 1024;
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "too big for the host");
    ok(strstr(err.msg, "needs 456 MiB") != NULL, "memory message gives the "
       "numbers (%s)", err.msg);
    host.total_kib = 1024 * 1024;
    host.free_kib = 512 * 1024;
    host.nr_cpus = 1;
    TBL_Dispose(&t);
    text = DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": \"64M\", "
           "\"cpus\": \"dedicated\", \"pcpus\": 1}}}}";
    TBL_Init(&t);
    ok(TBL_Parse("t.json", text, strlen(text), &t, &err) == 0, "parses");
    ok(TBL_CheckHost(&t, &host, doms, 2, &err) != 0, "dedicating the only "
       "pCPU refused");
    ok(strstr(err.msg, "at least one must stay shared") != NULL,
       "message (%s)", err.msg);
    TBL_Dispose(&t);
}

int main(void)
{
    fig9();
    file_errors();
    host_checks();

    /* syntax: passed through from the JSON door, with the position */
    err_is("{\"domains\": {}\n ,, }", "t.json:2:3: expected a quoted key or "
           "'}'", "JSON syntax error");
    err_is("[1]", "t.json:1:1: expected an object for the table, got array",
           "top level is not an object");
    err_is("{\"domain\": {}}", "t.json:1:2: unknown key \"domain\" in the "
           "table; expected one of: host, domains, phases, triggers",
           "unknown top-level key");
    err_is("{\"phases\": {}}", "t.json:1:1: \"domains\" is missing: declare "
           "each domain's min and max", "domains missing");
    err_is("{\"domains\": {}}", "t.json:1:13: \"domains\" is empty: declare "
           "at least one domain", "domains empty");
    err_is(DOMS "\"x\": 1}", "t.json:2:1: unknown key \"x\" in the table; "
           "expected one of: host, domains, phases, triggers",
           "unknown key after domains");
    err_is("{\"domains\": {\"vm1\": {}}}", "t.json:1:1: \"phases\" is missing: a table needs at "
           "least one phase", "phases missing");
    err_is("{\"host\": {\"reserve\": \"lots\"}, \"domains\": {}}",
           "t.json:1:22: host reserve: size \"lots\" does not start with a "
           "number", "bad reserve size");
    err_is("{\"domains\": {\"vm 1\": {}}, \"phases\": {}}",
           "t.json:1:14: domain name \"vm 1\": character ' ' is not allowed "
           "(use letters, digits, '_', '-', '.')", "bad domain name");
    err_is("{\"domains\": {\"vm1\": {\"min\": \"64M\", \"max\": \"32M\"}}}",
           "t.json:1:43: domain \"vm1\": max 32 MiB is below min 64 MiB",
           "min above max");
    err_is("{\"domains\": {\"vm1\": {\"mim\": \"64M\"}}}",
           "t.json:1:22: unknown key \"mim\" in domain \"vm1\"; expected one "
           "of: min, max", "unknown domain key");
    err_is(DOMS "\"phases\": {}}", "t.json:2:11: \"phases\" is empty: "
           "declare at least one phase", "phases empty");
    err_is(DOMS "\"phases\": {\"p\": {}}}", "t.json:2:17: phase \"p\" is "
           "empty: give at least one domain its memory", "phase empty");
    err_is(DOMS "\"phases\": {\"p\": {\"vm9\": {\"memory\": \"64M\"}}}}",
           "t.json:2:18: phase \"p\" names domain \"vm9\", which is not "
           "declared in \"domains\"", "undeclared domain");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memroy\": \"64M\"}}}}",
           "t.json:2:26: unknown key \"memroy\" in phase \"p\" domain "
           "\"vm1\"; expected one of: memory, cpus, pcpus, vcpus, node",
           "unknown cell key");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"cpus\": \"shared\"}}}}",
           "t.json:2:25: phase \"p\" domain \"vm1\": \"memory\" is missing",
           "memory missing");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": [64]}}}}",
           "t.json:2:36: expected a size (\"512M\" or an integer number of "
           "MiB) for memory, got array", "memory of the wrong type");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": \"512\"}}}}",
           "t.json:2:36: memory: size \"512\" has no unit: add K, M, G or T",
           "memory without a unit");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": \"300M\"}}}}",
           "t.json:2:36: phase \"p\" domain \"vm1\": memory 300 MiB is above "
           "the domain's max 256 MiB (declared at 1:14)", "above max");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 16}}}}",
           "t.json:2:36: phase \"p\" domain \"vm1\": memory 16 MiB is below "
           "the domain's min 32 MiB (declared at 1:14)",
           "below min (integer MiB)");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"all\"}}}}", "t.json:2:48: phase \"p\" domain \"vm1\": \"cpus\" "
           "must be \"shared\" or \"dedicated\", got \"all\"", "bad cpus");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\"}}}}", "t.json:2:48: phase \"p\" domain \"vm1\": "
           "\"cpus\": \"dedicated\" needs \"pcpus\" (a count, or a list such "
           "as \"2-3\")", "dedicated without pcpus");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"pcpus\": "
           "1}}}}", "t.json:2:49: phase \"p\" domain \"vm1\": \"pcpus\" needs "
           "\"cpus\": \"dedicated\"", "pcpus with shared");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\", \"pcpus\": 0}}}}", "t.json:2:70: pcpus 0 is out of "
           "range 1-4095", "zero pcpus");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\", \"pcpus\": \"1-x\"}}}}", "t.json:2:73: phase \"p\" "
           "domain \"vm1\": bad pCPU list \"1-x\": expected numbers and ranges "
           "such as \"1\" or \"2-3,6\"", "bad pCPU list points into it");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"cpus\": "
           "\"dedicated\", \"pcpus\": \"1-2\"},\n \"vm2\": {\"memory\": 64, "
           "\"cpus\": \"dedicated\", \"pcpus\": \"2-3\"}}}}",
           "t.json:3:54: phase \"p\": pCPU 2 dedicated to both \"vm2\" and "
           "\"vm1\" (at 2:70)", "overlapping dedicated pCPUs");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"vcpus\": "
           "0}}}}", "t.json:2:49: vcpus 0 is out of range 1-4096",
           "zero vcpus");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64, \"node\": "
           "1.5}}}}", "t.json:2:48: expected an integer for node, got 1.5",
           "fractional node");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": {}}", "t.json:3:13: expected an array for "
           "\"triggers\", got object", "triggers not an array");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"q\", \"on\": \"x\"}]}",
           "t.json:3:24: trigger names phase \"q\", which is not in "
           "\"phases\"", "trigger for an unknown phase");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"p\"}]}", "t.json:3:14: trigger for "
           "phase \"p\": give exactly one of \"at\" (a cron time) or \"on\" "
           "(an event name such as \"failover\")", "trigger without a when");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"p\", \"at\": \"0 8 * * 1-5\", \"on\": "
           "\"x\"}]}", "t.json:3:14: trigger for phase \"p\": give exactly "
           "one of \"at\" (a cron time) or \"on\" (an event name such as "
           "\"failover\")", "trigger with both");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"p\", \"at\": \"0 25 * * *\"}]}",
           "t.json:3:38: bad \"at\" time \"0 25 * * *\": hour 25 out of range "
           "0-23", "cron error points at the bad field");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"p\", \"on\": \"fail over\"}]}",
           "t.json:3:35: event name \"fail over\": character ' ' is not "
           "allowed", "bad event name");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}},\n"
           "\"triggers\": [{\"phase\": \"p\", \"when\": \"x\"}]}",
           "t.json:3:29: unknown key \"when\" in a trigger; expected one of: "
           "phase, at, on", "unknown trigger key");
    err_is(DOMS "\"phases\": {\"p\": {\"vm1\": {\"memory\": 64}}}}", "OK",
           "a minimal table is fine");
    return done_testing();
}
