/* test_units.c - sizes as people write them. */
#include "tap.h"
#include "units.h"

static void good(const char *s, uint64_t want)
{
    uint64_t kib = 0;
    char why[128];

    ok(UNITS_ParseSize(s, &kib, why, sizeof(why)) == 0 && kib == want,
       "\"%s\" is %llu KiB (got %llu)", s, (unsigned long long)want,
       (unsigned long long)kib);
}

static void bad(const char *s, const char *want_why)
{
    uint64_t kib = 0;
    char why[128] = "";

    ok(UNITS_ParseSize(s, &kib, why, sizeof(why)) != 0, "\"%s\" refused", s);
    ok(strstr(why, want_why) != NULL, "\"%s\": says '%s' (%s)", s, want_why,
       why);
}

static void fmt(uint64_t kib, const char *want)
{
    char buf[32];

    is_str(UNITS_FormatSize(kib, buf, sizeof(buf)), want, "format %llu KiB",
           (unsigned long long)kib);
}

int main(void)
{
    good("512M", 512 * 1024);
    good("1G", 1024 * 1024);
    good("64MiB", 64 * 1024);
    good("1024K", 1024);
    good("2T", 2ULL * 1024 * 1024 * 1024);
    good("1.5G", 1536 * 1024);
    good("128 mb", 128 * 1024);
    good(" 4 GiB ", 4ULL * 1024 * 1024);
    good("0M", 0);
    bad("512", "no unit");
    bad("-1M", "negative");
    bad("1.3K", "whole number of KiB");
    bad("12X", "unknown unit");
    bad("99999999999999999999G", "too large");
    bad("", "does not start with a number");
    bad("M", "does not start with a number");
    bad("1.G", "digits after '.'");
    bad("5M junk", "unexpected characters");
    fmt(0, "0 KiB");
    fmt(512, "512 KiB");
    fmt(1024, "1 MiB");
    fmt(128 * 1024, "128 MiB");
    fmt(1536 * 1024, "1.5 GiB");
    fmt(1280 * 1024, "1280 MiB");
    fmt(102401, "102401 KiB");
    fmt(3ULL * 1024 * 1024 * 1024, "3 TiB");
    return done_testing();
}
