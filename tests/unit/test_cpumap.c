/* test_cpumap.c - pCPU sets: parse/format round trips, bad input offsets,
 * set operations. */
#include "cpumap.h"
#include "tap.h"

static const char *fmt(const xs_cpumap *m)
{
    static char buf[128];

    return CPUMAP_Format(m, buf, sizeof(buf));
}

/* Parse s and format it back. */
static void round_trip(const char *s, const char *want)
{
    xs_cpumap m;
    int bad = -1;

    ok(CPUMAP_Parse(s, 8, &m, &bad) == 0, "\"%s\" parses", s);
    is_str(fmt(&m), want, "\"%s\" formats as \"%s\"", s, want);
}

/* s is refused, with the offset of the bad character. */
static void refused(const char *s, int want_at)
{
    xs_cpumap m;
    int bad = -1;

    ok(CPUMAP_Parse(s, 8, &m, &bad) == -1, "\"%s\" refused", s);
    is_int(bad, want_at, "\"%s\": bad character at offset %d", s, want_at);
}

int main(void)
{
    xs_cpumap a, b;
    char small[4];
    int bad;

    round_trip("0-3,6", "0-3,6");
    round_trip("6", "6");
    round_trip("2,1,3", "1-3");
    round_trip("1-1", "1");
    round_trip("0-1,1-2", "0-2");
    round_trip("0,2,4,6", "0,2,4,6");
    round_trip("0-4095", "0-4095");
    round_trip("63,64", "63-64");
    round_trip("all", "0-7");

    refused("", 0);
    refused("x", 0);
    refused("-1", 0);
    refused(" 1", 0);
    refused("1 ", 1);
    refused("1-x", 2);
    refused("1,,2", 2);
    refused("1,2,", 4);
    refused("1-2-3", 3);
    refused("4096", 0);
    refused("5000", 0);
    refused("0-5000", 2);
    refused("ALL", 0);
    /* A backwards range is caught after its end. */
    refused("3-1", 3);
    ok(CPUMAP_Parse("1-x", 8, &a, NULL) == -1, "bad_at may be NULL");

    ok(CPUMAP_Parse("0-3,6", 8, &a, &bad) == 0, "parse a list");
    is_int(CPUMAP_Count(&a), 5, "count");
    ok(CPUMAP_Test(&a, 6) && !CPUMAP_Test(&a, 5), "test bits");
    ok(CPUMAP_Parse("all", 4, &b, &bad) == 0, "parse all");
    is_str(fmt(&b), "0-3", "all is 0..nr-1");
    ok(CPUMAP_Intersects(&a, &b), "intersects");
    CPUMAP_And(&b, &a);
    is_str(fmt(&b), "0-3", "and keeps what both have");
    CPUMAP_AndNot(&b, &a);
    is_str(fmt(&b), "none", "and-not leaves nothing");
    ok(CPUMAP_IsEmpty(&b), "empty");
    CPUMAP_Clear(&b);
    CPUMAP_Set(&b, 4095);
    is_int(CPUMAP_Next(&b, 0), 4095, "next finds the last cpu");
    is_int(CPUMAP_Next(&b, 4095), 4095, "next from itself");
    CPUMAP_Unset(&b, 4095);
    is_int(CPUMAP_Next(&b, 0), -1, "next on an empty map");
    CPUMAP_Set(&b, 64);
    CPUMAP_Set(&b, 4095);
    is_str(fmt(&b), "64,4095", "format across words");
    CPUMAP_Or(&b, &a);
    is_str(fmt(&b), "0-3,6,64,4095", "or");
    ok(!CPUMAP_Equal(&a, &b), "not equal");
    ok(CPUMAP_Parse(fmt(&b), 0, &a, &bad) == 0 && CPUMAP_Equal(&a, &b),
       "formatted maps parse back to the same set");
    is_str(CPUMAP_Format(&b, small, sizeof(small)), "0-3", "a short buffer "
           "is cut, not overrun");
    CPUMAP_Fill(&a, 0);
    ok(CPUMAP_IsEmpty(&a), "fill with 0 cpus is empty");
    return done_testing();
}
