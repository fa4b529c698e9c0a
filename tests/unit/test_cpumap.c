/* test_cpumap.c - pCPU sets: parse, format, set operations. */
#include "cpumap.h"
#include "tap.h"

static const char *fmt(const xs_cpumap *m)
{
    static char buf[128];

    return CPUMAP_Format(m, buf, sizeof(buf));
}

int main(void)
{
    xs_cpumap a, b;
    int bad;

    ok(CPUMAP_Parse("0-3,6", 8, &a, &bad) == 0, "parse a list");
    is_str(fmt(&a), "0-3,6", "round trip");
    is_int(CPUMAP_Count(&a), 5, "count");
    ok(CPUMAP_Test(&a, 6) && !CPUMAP_Test(&a, 5), "test bits");
    ok(CPUMAP_Parse("all", 4, &b, &bad) == 0, "parse all");
    is_str(fmt(&b), "0-3", "all is 0..nr-1");
    ok(CPUMAP_Intersects(&a, &b), "intersects");
    CPUMAP_AndNot(&b, &a);
    is_str(fmt(&b), "none", "and-not leaves nothing");
    ok(CPUMAP_IsEmpty(&b), "empty");
    CPUMAP_Clear(&b);
    CPUMAP_Set(&b, 4095);
    is_int(CPUMAP_Next(&b, 0), 4095, "next finds the last cpu");
    is_int(CPUMAP_Next(&b, 4095), 4095, "next from itself");
    CPUMAP_Set(&b, 64);
    is_str(fmt(&b), "64,4095", "format across words");
    CPUMAP_Or(&b, &a);
    is_str(fmt(&b), "0-3,6,64,4095", "or");
    ok(!CPUMAP_Equal(&a, &b), "not equal");

    ok(CPUMAP_Parse("1-x", 8, &a, &bad) != 0, "bad range refused");
    is_int(bad, 2, "offset of the bad character");
    ok(CPUMAP_Parse("3-1", 8, &a, &bad) != 0, "backwards range refused");
    ok(CPUMAP_Parse("", 8, &a, &bad) != 0, "empty refused");
    is_int(bad, 0, "offset 0");
    ok(CPUMAP_Parse("1,,2", 8, &a, &bad) != 0, "empty item refused");
    is_int(bad, 2, "offset of the second comma");
    ok(CPUMAP_Parse("5000", 8, &a, &bad) != 0, "cpu beyond the limit refused");
    return done_testing();
}
