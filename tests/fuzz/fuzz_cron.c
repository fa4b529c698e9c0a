/*
 * fuzz_cron.c - libFuzzer target: cron expressions (SCHED_Parse), and
 * for those accepted, the next fire times (SCHED_Next) from a fixed
 * instant in a zone with daylight saving time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[512], why[256];
    sched_expr e;
    time_t at = 1774746000, next;  /* 2026-03-29 01:00 UTC: a DST day */
    int bad = -1, i;

    if (size >= sizeof(text))
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    setenv("TZ", "Europe/Berlin", 1);
    if (SCHED_Parse(text, &e, why, sizeof(why), &bad)) {
        if (!why[0] || bad < 0 || (size_t)bad > strlen(text))
            abort();    /* an error must say what and where */
        return 0;
    }
    for (i = 0; i < 3 && !SCHED_Next(&e, at, &next); i++) {
        if (next <= at)
            abort();    /* time must move forward */
        at = next;
    }
    return 0;
}
