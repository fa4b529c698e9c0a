/*
 * test_numadump.c - Xen's debug key 'u' dump: as captured on the test
 * bed (Xen 4.17.7, two NUMA nodes), and as 4.18+ prints it, with
 * console_timestamps=, interleaved, wrapped and overlapping dumps
 * (written from dump_numa()'s and printk's formats: tests/unit/data/numa/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numadump.h"
#include "tap.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    char *buf = malloc(65536);

    *len = 0;
    if (f && buf)
        *len = fread(buf, 1, 65535, f);
    if (f)
        fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static char *capture(const char *name, size_t *len)
{
    const char *src = getenv("top_srcdir");
    char path[1024];

    snprintf(path, sizeof(path), "%s/tests/unit/data/numa/%s",
             src ? src : ".", name);
    return slurp(path, len);
}

/* domid's entry has exactly these counts on nodes 0 and 1. */
static bool has(const numadump_dom *d, size_t nr, uint32_t domid,
                uint64_t total, uint64_t n0, uint64_t n1)
{
    const numadump_dom *e = NUMADUMP_Find(d, nr, domid);

    return e && e->total_pages == total && e->nr_nodes == 2 &&
           e->node_pages[0] == n0 && e->node_pages[1] == n1;
}

/* The four domains of the written captures. */
static void four_domains(const char *name)
{
    numadump_dom *d = NULL;
    size_t len, nr = 0;
    char *text = capture(name, &len);
    xs_err err;

    ok(len > 0, "%s: there", name);
    is_int(NUMADUMP_Parse(text, len, &d, &nr, &err), 0, "%s: parsed", name);
    is_int((long long)nr, 4, "%s: four domains", name);
    ok(has(d, nr, 0, 262144, 84547, 177597) &&
       has(d, nr, 1, 32768, 30000, 2768) &&
       has(d, nr, 2, 131072, 65536, 65536) &&
       has(d, nr, 3, 32768, 20000, 12768),
       "%s: every domain's counts", name);
    free(d);
    free(text);
}

/* A dump with these domain lines (two nodes), after a complete header. */
static int parse_doms(const char *doms, numadump_dom **d, size_t *nr,
                      xs_err *err)
{
    char text[4096];

    snprintf(text, sizeof(text),
             "(XEN) 'u' pressed -> dumping numa info (now = 1)\n"
             "(XEN) NODE0 start->0 size->393216 free->1\n"
             "(XEN) NODE1 start->393216 size->393178 free->1\n"
             "(XEN) CPU0 -> NODE0\n"
             "(XEN) Memory location of each domain:\n%s", doms);
    return NUMADUMP_Parse(text, strlen(text), d, nr, err);
}

static void sequence_rules(void)
{
    numadump_dom *d = NULL;
    size_t nr = 0;
    xs_err err;

    /* a line that is not the dump's, between a header and its nodes */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN) d7v0 Triple fault - invoking HVM shutdown\n"
                      "(d1) a guest says something\n"
                      "(XEN)     Node 0: 3\n(XEN)     Node 1: 1\n",
                      &d, &nr, &err), 0, "foreign lines: parsed");
    ok(nr == 1 && has(d, nr, 1, 4, 3, 1), "foreign lines: skipped, d1 whole");
    free(d);

    /* a header whose node lines never came: it and the next are unknown */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN) d2 (total: 8):\n"
                      "(XEN)     Node 0: 4\n(XEN)     Node 1: 4\n"
                      "(XEN) d3 (total: 2):\n"
                      "(XEN)     Node 0: 1\n(XEN)     Node 1: 1\n",
                      &d, &nr, &err), 0, "a lone header: parsed");
    ok(!NUMADUMP_Find(d, nr, 1) && !NUMADUMP_Find(d, nr, 2) &&
       has(d, nr, 3, 2, 1, 1) && nr == 1,
       "a lone header: d1 and d2 unknown, d3 read");
    free(d);

    /* node lines past a complete domain: it may hold another's counts */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN)     Node 0: 3\n(XEN)     Node 1: 1\n"
                      "(XEN)     Node 0: 9\n"
                      "(XEN) d2 (total: 8):\n"
                      "(XEN)     Node 0: 4\n(XEN)     Node 1: 4\n",
                      &d, &nr, &err), 0, "a stray node line: parsed");
    ok(!NUMADUMP_Find(d, nr, 1) && has(d, nr, 2, 8, 4, 4) && nr == 1,
       "a stray node line: the domain before it is unknown");
    free(d);

    /* nodes out of order, domids out of order */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN)     Node 1: 3\n(XEN)     Node 0: 1\n"
                      "(XEN) d5 (total: 2):\n"
                      "(XEN)     Node 0: 1\n(XEN)     Node 1: 1\n"
                      "(XEN) d4 (total: 2):\n"
                      "(XEN)     Node 0: 2\n(XEN)     Node 1: 0\n"
                      "(XEN) d6 (total: 2):\n"
                      "(XEN)     Node 0: 0\n(XEN)     Node 1: 2\n",
                      &d, &nr, &err), 0, "out of order: parsed");
    ok(!NUMADUMP_Find(d, nr, 1) && !NUMADUMP_Find(d, nr, 4) &&
       !NUMADUMP_Find(d, nr, 5) && has(d, nr, 6, 2, 0, 2) && nr == 1,
       "out of order: d1, d4 and the d5 before d4 unknown, d6 read");
    free(d);

    /* a vNUMA layout line within the node lines: not that domain's */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN)     Node 0: 3\n"
                      "(XEN)      2 vnodes, 2 vcpus, guest physical layout:\n"
                      "(XEN)     Node 1: 1\n"
                      "(XEN) d2 (total: 8):\n"
                      "(XEN)     Node 0: 4\n(XEN)     Node 1: 4\n"
                      "(XEN)      2 vnodes, 2 vcpus, guest physical layout:\n"
                      "(XEN)          0: pnode   0, vcpus 0\n"
                      "(XEN) d3 (total: 2):\n"
                      "(XEN)     Node 0: 1\n(XEN)     Node 1: 1\n",
                      &d, &nr, &err), 0, "vNUMA lines: parsed");
    ok(!NUMADUMP_Find(d, nr, 1) && has(d, nr, 2, 8, 4, 4) &&
       has(d, nr, 3, 2, 1, 1) && nr == 2,
       "vNUMA lines: after d2's nodes fine, inside d1's it is unknown");
    free(d);

    /* the last line without its newline is still being written */
    is_int(parse_doms("(XEN) d1 (total: 4):\n"
                      "(XEN)     Node 0: 3\n(XEN)     Node 1: 1",
                      &d, &nr, &err), -1, "an unfinished line: refused");
    ok(strstr(err.msg, "cut short") != NULL, "says so: %s", err.msg);
}

int main(void)
{
    const char *src = getenv("top_srcdir");
    char path[1024], *text, *two;
    numadump_dom *d = NULL;
    const numadump_dom *e;
    size_t len, nr = 0;
    xs_err err;
    static const char interleaved[] =
        "(XEN) 'u' pressed -> dumping numa info (now = 1)\n"
        "(XEN) NODE0 start->0 size->262144 free->1\n"
        "(XEN) CPU0 -> NODE0\n"
        "(XEN) Memory location of each domain:\n"
        "(XEN) Domain 0 (total: 10):\n"
        "(XEN)     Node 0: 10\n"
        "(d1) a guest says something\n"
        "(XEN) Domain 1 (total: 4):\n"
        "(XEN)     Node 0: 4\n";

    snprintf(path, sizeof(path), "%s/tests/unit/data/numa/"
             "xen-4.17.7-two-nodes.txt", src ? src : ".");
    text = slurp(path, &len);
    ok(len > 0, "the capture is there (%zu bytes)", len);
    is_int(NUMADUMP_Parse(text, len, &d, &nr, &err), 0, "parsed");
    is_int((long long)nr, 4, "four domains");
    e = NUMADUMP_Find(d, nr, 2);
    ok(e && e->total_pages == 131072 && e->nr_nodes == 2 &&
       e->node_pages[0] == 65536 && e->node_pages[1] == 65536,
       "domain 2: 65536 + 65536 of 131072 pages");
    e = NUMADUMP_Find(d, nr, 0);
    ok(e && e->node_pages[0] == 84547 && e->node_pages[1] == 177597 &&
       e->node_pages[0] + e->node_pages[1] == e->total_pages,
       "dom0: the nodes add up to the total");
    ok(!NUMADUMP_Find(d, nr, 7), "no domain 7");
    free(d);

    /* Two dumps in the ring: the last one counts. */
    two = malloc(2 * len + 64);
    snprintf(two, 2 * len + 64, "%s%s", text, text);
    memcpy(strstr(two + len, "Node 1: 65536"), "Node 1: 65535", 13);
    is_int(NUMADUMP_Parse(two, strlen(two), &d, &nr, &err), 0,
           "two dumps: parsed");
    e = NUMADUMP_Find(d, nr, 2);
    ok(e && e->node_pages[1] == 65535, "the later dump wins");
    free(d);
    free(two);

    /* A guest's line within the dump does not end it. */
    is_int(NUMADUMP_Parse(interleaved, sizeof(interleaved) - 1, &d, &nr,
                          &err), 0, "interleaved output: parsed");
    is_int((long long)nr, 2, "both domains, the guest's line skipped");
    e = NUMADUMP_Find(d, nr, 1);
    ok(e && e->nr_nodes == 1 && e->node_pages[0] == 4, "domain 1: 4 pages");
    free(d);

    is_int(NUMADUMP_Parse("(XEN) nothing here\n", 19, &d, &nr, &err), -1,
           "no dump: refused");
    ok(strstr(err.msg, "no NUMA dump") != NULL, "says so: %s", err.msg);
    is_int(NUMADUMP_Parse(text, (size_t)(strstr(text, "Memory location") -
                                         text), &d, &nr, &err), -1,
           "a dump cut before the domains: refused");
    {
        static const char bad[] =
            "(XEN) 'u' pressed -> dumping numa info\n"
            "(XEN) Memory location of each domain:\n"
            "(XEN) Domain x (total: 1):\n";

        is_int(NUMADUMP_Parse(bad, sizeof(bad) - 1, &d, &nr, &err), -1,
               "a malformed domain line: no domain, refused");
    }
    free(text);

    /* Xen 4.18+: "d3 (total: N):"; a vNUMA guest's layout lines */
    four_domains("xen-4.20.4-two-nodes.txt");
    /* console_timestamps=date, datems (4.17), boot, raw (4.20) */
    four_domains("xen-4.17.7-timestamps-date.txt");
    four_domains("xen-4.17.7-timestamps-datems.txt");
    four_domains("xen-4.20.4-timestamps-boot.txt");
    four_domains("xen-4.20.4-timestamps-raw.txt");
    /* an earlier dump with other counts, and lines from elsewhere */
    four_domains("xen-4.20.4-interleaved.txt");

    /* the ring wrapped: only the dump's end is there */
    text = capture("xen-4.20.4-wrapped.txt", &len);
    is_int(NUMADUMP_Parse(text, len, &d, &nr, &err), -1, "wrapped: refused");
    ok(strstr(err.msg, "wrapped") && strstr(err.msg, "conring_size"),
       "says so: %s", err.msg);
    free(text);

    /* two dumps at once: only counts that follow their own header */
    text = capture("xen-4.20.4-concurrent.txt", &len);
    is_int(NUMADUMP_Parse(text, len, &d, &nr, &err), 0, "concurrent: parsed");
    ok(!NUMADUMP_Find(d, nr, 0), "concurrent: d0, mixed up, is unknown");
    ok(has(d, nr, 1, 32768, 32000, 768) &&
       has(d, nr, 2, 131072, 70000, 61072) &&
       has(d, nr, 3, 32768, 20000, 12768) && nr == 3,
       "concurrent: d1-d3 from the later dump, with its counts");
    free(d);
    free(text);

    /* the last dump cut short: the one before it counts */
    text = capture("xen-4.20.4-two-nodes.txt", &len);
    two = malloc(2 * len + 64);
    snprintf(two, 2 * len + 64, "%s%s", text, text);
    memcpy(strstr(two, "Node 1: 2768"), "Node 1: 2767", 12);
    two[len + (size_t)(strstr(text, "Node 1: 12768") - text)] = '\0';
    is_int(NUMADUMP_Parse(two, strlen(two), &d, &nr, &err), 0,
           "a last dump cut short: parsed");
    ok(has(d, nr, 1, 32768, 30000, 2767) && nr == 4,
       "the complete dump before it counts");
    free(d);
    free(two);
    free(text);

    sequence_rules();

    /* when a dump may be reused: every domain in it, pages unchanged */
    text = capture("xen-4.20.4-two-nodes.txt", &len);
    is_int(NUMADUMP_Parse(text, len, &d, &nr, &err), 0, "a dump to reuse");
    {
        hv_domain q[2];

        memset(q, 0, sizeof(q));
        q[0].domid = 1;
        q[0].mem_kib = 32768 * 4;
        q[1].domid = 2;
        q[1].mem_kib = 131072 * 4;
        ok(NUMADUMP_Covers(d, nr, q, 2), "d1 and d2 as they were: reused");
        q[1].mem_kib -= 1024;
        ok(!NUMADUMP_Covers(d, nr, q, 2), "d2 ballooned since: not reused");
        q[1].mem_kib += 1024;
        q[1].domid = 9;
        ok(!NUMADUMP_Covers(d, nr, q, 2), "d9 born since: not reused");
        ok(NUMADUMP_Covers(d, nr, q, 0), "nothing asked: reused");
    }
    free(d);
    free(text);
    return done_testing();
}
