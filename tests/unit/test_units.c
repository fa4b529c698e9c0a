/* test_units.c - sizes as people write them: parse, format, each error. */
#include <stdlib.h>
#include <time.h>

#include "tap.h"
#include "units.h"

static void good(const char *s, uint64_t want)
{
    uint64_t kib = 0;
    char why[128] = "";

    ok(UNITS_ParseSize(s, &kib, why, sizeof(why)) == 0 && kib == want,
       "\"%s\" is %llu KiB (got %llu) %s", s, (unsigned long long)want,
       (unsigned long long)kib, why);
}

static void bad(const char *s, const char *want_why)
{
    uint64_t kib = 12345;
    char why[128] = "";

    ok(UNITS_ParseSize(s, &kib, why, sizeof(why)) == -1 && kib == 12345,
       "\"%s\" refused, result untouched", s);
    is_str(why, want_why, "\"%s\": the reason", s);
}

static void fmt(uint64_t kib, const char *want)
{
    char buf[32];

    is_str(UNITS_FormatSize(kib, buf, sizeof(buf)), want, "format %llu KiB",
           (unsigned long long)kib);
}

static void mib(uint64_t kib, const char *want)
{
    char buf[40];

    is_str(UNITS_FormatMiB(kib, buf, sizeof(buf)), want, "MiB of %llu KiB",
           (unsigned long long)kib);
}

int main(void)
{
    uint64_t kib;
    char tiny[4];

    good("512M", 512 * 1024);
    good("1G", 1024 * 1024);
    good("64MiB", 64 * 1024);
    good("1024K", 1024);
    good("2T", 2ULL * 1024 * 1024 * 1024);
    good("1.5G", 1536 * 1024);
    good("0.5M", 512);
    good("1.25g", 1280 * 1024);
    good("128 mb", 128 * 1024);
    good("128MB", 128 * 1024);
    good("3kb", 3);
    good("1 gib", 1024 * 1024);
    good("1TiB", 1024ULL * 1024 * 1024);
    good(" 4 GiB ", 4ULL * 1024 * 1024);
    good("4\tG", 4ULL * 1024 * 1024);
    good("0M", 0);
    /* The limit, 1 PiB, in each spelling; one KiB more is refused. */
    good("1024T", UNITS_MAX_KIB);
    good("1048576G", UNITS_MAX_KIB);
    good("1099511627776K", UNITS_MAX_KIB);
    good("1023.5T", UNITS_MAX_KIB - (512ULL << 20));

    bad("512", "size \"512\": missing unit (K, M, G or T)");
    bad("1.5", "size \"1.5\": missing unit (K, M, G or T)");
    bad("-1M", "size \"-1M\" is negative");
    bad(" -1M", "size \" -1M\" is negative");
    bad("1.3K", "size \"1.3K\" is not a whole number of KiB");
    bad("0.1M", "size \"0.1M\" is not a whole number of KiB");
    bad("12X", "size \"12X\": unknown unit (use K, M, G or T, or KiB, MiB, "
        "GiB, TiB)");
    bad("12 bytes", "size \"12 bytes\": unknown unit (use K, M, G or T, or "
        "KiB, MiB, GiB, TiB)");
    bad("5 Megabytes", "size \"5 Megabytes\": unknown unit (use K, M, G or "
        "T, or KiB, MiB, GiB, TiB)");
    bad("99999999999999999999G", "size \"99999999999999999999G\" is too "
        "large");
    bad("18446744073709551615K", "size \"18446744073709551615K\" is too "
        "large");
    bad("17179869184T", "size \"17179869184T\" is too large");
    /* Sizes that fit 64 bits but not the limit: they used to wrap sums. */
    bad("1099511627777K", "size \"1099511627777K\" is above the limit of "
        "1024 TiB");
    bad("1024.5T", "size \"1024.5T\" is above the limit of 1024 TiB");
    bad("16777215T", "size \"16777215T\" is above the limit of 1024 TiB");
    bad("17179869183.5T", "size \"17179869183.5T\" is above the limit of "
        "1024 TiB");
    bad("1.0000000001G", "size \"1.0000000001G\" has too many decimals");
    bad("", "size \"\" does not start with a number");
    bad("M", "size \"M\" does not start with a number");
    bad("+5M", "size \"+5M\" does not start with a number");
    bad(".5M", "size \".5M\" does not start with a number");
    bad("1.G", "size \"1.G\": expected digits after '.'");
    bad("5M junk", "size \"5M junk\": unexpected characters after the unit");
    bad("5M2", "size \"5M2\": unexpected characters after the unit");
    bad("1,5G", "size \"1,5G\": unexpected characters after the unit");
    ok(UNITS_ParseSize("7", &kib, NULL, 0) == -1, "why may be NULL");
    ok(UNITS_ParseSize("7", &kib, tiny, sizeof(tiny)) == -1 &&
       strlen(tiny) == 3, "a short why is cut, not overrun");

    /* Bare MiB counts (JSON integers): 18014398509482496 MiB is 2^64 KiB
     * and 512 MiB, which used to wrap to 512 MiB. */
    kib = 7;
    ok(UNITS_MibToKib(1048576 * 1024ULL, &kib) == 0 && kib == UNITS_MAX_KIB,
       "1048576 GiB of MiB is the limit");
    kib = 7;
    ok(UNITS_MibToKib(1048576 * 1024ULL + 1, &kib) == -1 && kib == 7,
       "one MiB above the limit is refused, result untouched");
    ok(UNITS_MibToKib(18014398509482496ULL, &kib) == -1 && kib == 7,
       "18014398509482496 MiB (2^64 KiB + 512 MiB) is refused, not 512 MiB");

    /* Sums saturate instead of wrapping. */
    ok(UNITS_AddSat(1, 2) == 3, "1 + 2");
    ok(UNITS_AddSat(UINT64_MAX - 1, 1) == UINT64_MAX, "max - 1 + 1 is max");
    ok(UNITS_AddSat(UINT64_MAX, 1) == UINT64_MAX, "max + 1 stays max");
    ok(UNITS_AddSat(1ULL << 63, 1ULL << 63) == UINT64_MAX,
       "2^63 + 2^63 stays max, not 0");

    /* a*b/c where a*b does not fit 64 bits. */
    ok(UNITS_MulDiv(6, 7, 2) == 21, "6 * 7 / 2");
    ok(UNITS_MulDiv(UNITS_MAX_KIB, UNITS_MAX_KIB / 2, UNITS_MAX_KIB) ==
       UNITS_MAX_KIB / 2, "1 PiB * 512 TiB / 1 PiB (2^79 in between)");
    ok(UNITS_MulDiv(UINT64_MAX, 3, 4) == UINT64_MAX / 4 * 3 + 2,
       "(2^64 - 1) * 3 / 4 exactly: %llu",
       (unsigned long long)UNITS_MulDiv(UINT64_MAX, 3, 4));
    ok(UNITS_MulDiv(UINT64_MAX, 3, 2) == UINT64_MAX,
       "a result above 64 bits saturates");

    fmt(0, "0 KiB");
    fmt(1, "1 KiB");
    fmt(512, "512 KiB");
    fmt(1023, "1023 KiB");
    fmt(1024, "1 MiB");
    fmt(1536, "1.5 MiB");
    fmt(128 * 1024, "128 MiB");
    fmt(1024 * 1024, "1 GiB");
    fmt(1536 * 1024, "1.5 GiB");
    fmt(1280 * 1024, "1280 MiB");
    fmt(102401, "102401 KiB");
    fmt(3ULL * 1024 * 1024 * 1024, "3 TiB");
    fmt(5ULL * 1024 * 1024 * 1024 * 1024, "5120 TiB");
    /* Tables: MiB only; whole when exact, else hundredths rounded up. */
    mib(0, "0 MiB");
    mib(4, "0.01 MiB");
    mib(512, "0.50 MiB");
    mib(1024, "1 MiB");
    mib(1536 * 1024, "1536 MiB");
    mib(1024 * 1024, "1024 MiB");
    mib(3171940, "3097.60 MiB");
    mib(1327852, "1296.74 MiB");
    mib(1023 * 1024 + 1023, "1024.00 MiB");
    mib(5ULL * 1024 * 1024 * 1024, "5242880 MiB");
    mib(UINT64_MAX, "18014398509481984.00 MiB");
    {
        char buf[32];
        uint64_t back;

        ok(UNITS_ParseSize(UNITS_FormatSize(1536 * 1024, buf, sizeof(buf)),
                           &back, NULL, 0) == 0 && back == 1536 * 1024,
           "formatted sizes parse back");
    }
    /* Times on the local clock, and what is said when strftime cannot. */
    {
        char buf[48];

        setenv("TZ", "UTC", 1);
        tzset();
        is_str(UNITS_FormatTime(1764144000, "%Y-%m-%d %H:%M %Z", buf,
                                sizeof(buf)), "2025-11-26 08:00 UTC",
               "a time in the format asked");
        is_str(UNITS_FormatTime(1764144000, "%Y-%m-%d %H:%M:%S", buf, 8),
               "@176414", "too long for the buffer: @SECONDS, cut");
        is_str(UNITS_FormatTime(42, "", buf, sizeof(buf)), "@42",
               "nothing written: @SECONDS");
    }
    return done_testing();
}
