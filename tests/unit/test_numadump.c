/*
 * test_numadump.c - Xen's debug key 'u' dump, as captured on the test
 * bed (Xen 4.17.7, two NUMA nodes: tests/unit/data/numa/).
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

    /* Other console output cuts the dump short: what came before counts. */
    is_int(NUMADUMP_Parse(interleaved, sizeof(interleaved) - 1, &d, &nr,
                          &err), 0, "interleaved output: parsed");
    is_int((long long)nr, 1, "up to the foreign line only");
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
    return done_testing();
}
