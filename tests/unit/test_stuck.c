/*
 * test_stuck.c - the adaptive stuck rule (stuck.c) alone, with a clock
 * the test moves by hand.
 */
#include "stuck.h"
#include "tap.h"

static const stuck_rule bed = { .floor_ms = 1500, .ceiling_ms = 5000,
                                .factor = 4 };

/*
 * A look every look_ms; progress at the looks from first_ms on, every
 * step_ms, until until_ms; then nothing.  When is it stuck?
 */
static uint64_t stuck_at_looks(const stuck_rule *rule, uint64_t look_ms,
                               uint64_t first_ms, uint64_t step_ms,
                               uint64_t until_ms)
{
    stuck_watch w;
    uint64_t t;

    STUCK_Init(&w, rule, 0);
    for (t = look_ms; t < 1000000; t += look_ms) {
        if (t >= first_ms && t <= until_ms && (t - first_ms) % step_ms == 0)
            STUCK_Progress(&w, t, 1024);
        if (STUCK_Check(&w, t))
            return t;
    }
    return 0;
}

static uint64_t stuck_at(const stuck_rule *rule, uint64_t first_ms,
                         uint64_t step_ms, uint64_t until_ms)
{
    return stuck_at_looks(rule, 10, first_ms, step_ms, until_ms);
}

static void test_steady_then_stop(void)
{
    stuck_watch w;
    char buf[256];
    uint64_t t;

    /* Progress every 100 ms: 4 x 100 ms is under the floor. */
    is_int(stuck_at(&bed, 100, 100, 1000), 1000 + 1500,
           "100 ms steps, stop at 1.0 s: stuck at 2.5 s (the floor)");
    /*
     * Progress at every look, looks 650 ms apart (a loaded bed): that
     * is our pace, not the balloon's: the floor, not 4 x 650 ms (the
     * first look at or after 1.5 s of quiet).
     */
    is_int(stuck_at_looks(&bed, 650, 650, 650, 1950), 1950 + 3 * 650,
           "progress at every look, 650 ms apart: stuck at the first "
           "look after the floor");
    /* Looks every 100 ms, progress every 600 ms: that is its pace. */
    is_int(stuck_at_looks(&bed, 100, 600, 600, 2400), 2400 + 2400,
           "progress every 6th look: 4 x 600 ms");
    /* Steps 500 ms apart: 4 x 500 = 2 s. */
    is_int(stuck_at(&bed, 500, 500, 2000), 2000 + 2000,
           "500 ms steps: stuck 2.0 s after the last (factor x interval)");
    /*
     * Steps 2 s apart from the start: after one step nothing is known
     * of its pace, and a 2 s pause looks like a stop: the floor.
     */
    is_int(stuck_at(&bed, 2000, 2000, 6000), 2000 + 1500,
           "2 s steps: stuck 1.5 s after the first (one step: the floor)");
    /* Pauses that grow: 0.9 s, then 2 s (4 x 0.9 s), then the ceiling. */
    STUCK_Init(&w, &bed, 0);
    for (t = 100; t <= 20000; t += 100) {
        if (t == 100 || t == 1000 || t == 3000 || t == 5000)
            STUCK_Progress(&w, t, 1);
        if (STUCK_Check(&w, t))
            break;
    }
    is_int(t, 5000 + 5000, "pauses 0.9 s then 2 s: stuck 5 s after the "
           "last (4 x 2 s, the ceiling)");

    /* The longest interval counts, not the last one. */
    STUCK_Init(&w, &bed, 0);
    STUCK_Progress(&w, 100, 10);
    ok(!STUCK_Check(&w, 100), "a look with progress: not stuck");
    for (t = 200; t < 1100; t += 100)
        STUCK_Check(&w, t);             /* paused 1 s once */
    for (t = 1100; t <= 2000; t += 100) {
        STUCK_Progress(&w, t, 10);
        STUCK_Check(&w, t);
    }
    is_int(STUCK_LimitMs(&w), 4000, "one 1 s pause: 4 s allowed after");
    ok(!STUCK_Check(&w, 2000 + 3990), "not stuck 3.99 s after the last");
    ok(STUCK_Check(&w, 2000 + 4000), "stuck 4 s after the last");
    is_int(w.amount, 110, "amount adds up");
    is_int(w.nr_progress, 11, "readings counted");

    /* The message says how long it was quiet and what it showed. */
    STUCK_Describe(&w, 6000, "110 KiB", buf, sizeof(buf));
    is_str(buf, "no progress for 4.0 s (before that: 110 KiB in 2.0 s, "
           "pauses up to 1.0 s)", "describe after progress");
    STUCK_Init(&w, &bed, 0);
    for (t = 100; t <= 900; t += 100) {
        STUCK_Progress(&w, t, 1024);
        STUCK_Check(&w, t);
    }
    STUCK_Describe(&w, 2400, "9 MiB", buf, sizeof(buf));
    is_str(buf, "no progress for 1.5 s (before that: 9 MiB in 0.9 s, "
           "moving at every look)", "describe moving at every look");
}

static void test_not_started(void)
{
    stuck_watch w;
    char buf[256];

    /* The wait before the first progress: the ceiling. */
    STUCK_Init(&w, &bed, 1000);
    is_int(STUCK_LimitMs(&w), 5000, "never moved: the ceiling");
    ok(!STUCK_Check(&w, 1000 + 4990), "never moved: not stuck at 4.99 s");
    ok(STUCK_Check(&w, 1000 + 5000), "never moved: stuck at 5 s");
    is_int(STUCK_QuietMs(&w, 1000 + 5000), 5000, "quiet since asked");
    STUCK_Describe(&w, 6000, "0 KiB", buf, sizeof(buf));
    is_str(buf, "no progress for 5.0 s (none since it was asked)",
           "describe never moved");

    /* A slow start is not a rate: after the first progress, the floor. */
    STUCK_Init(&w, &bed, 0);
    STUCK_Check(&w, 1000);
    STUCK_Progress(&w, 3000, 84 * 1024);
    is_int(w.longest_gap_ms, 0, "the start's wait is not learned");
    is_int(STUCK_LimitMs(&w), 1500, "one reading: the floor");
    ok(STUCK_Check(&w, 4500) && !STUCK_Check(&w, 4499),
       "one reading at 3 s: stuck at 4.5 s");
    STUCK_Describe(&w, 4500, "84 MiB", buf, sizeof(buf));
    is_str(buf, "no progress for 1.5 s (before that: 84 MiB in 3.0 s)",
           "describe one reading");
}

/* vCPUs: the first one's wait is their pace (start_is_pace). */
static void test_start_is_pace(void)
{
    stuck_rule vcpus = bed;
    stuck_watch w;

    vcpus.start_is_pace = true;
    /* A guest that onlines vCPUs in a loop every 2 s: one now... */
    STUCK_Init(&w, &vcpus, 0);
    STUCK_Check(&w, 100);
    STUCK_Progress(&w, 1800, 1);
    is_int(w.longest_gap_ms, 1800, "vCPUs: the first wait is learned");
    is_int(STUCK_LimitMs(&w), 5000, "vCPUs: 4 x 1.8 s, the 5 s ceiling");
    /* ...the next one 2 s later is not stuck (the floor would be). */
    ok(!STUCK_Check(&w, 1800 + 2000), "vCPUs: the next pass is waited for");
    ok(STUCK_Check(&w, 1800 + 5000), "vCPUs: stuck at the ceiling");

    /* Quick to start: the floor, as for a balloon. */
    STUCK_Init(&w, &vcpus, 0);
    STUCK_Progress(&w, 100, 1);
    is_int(STUCK_LimitMs(&w), 1500, "vCPUs up in 0.1 s: the floor");
}

static void test_limits(void)
{
    stuck_rule never = bed, low = bed;
    stuck_watch w;

    /* 0 as the ceiling: never stuck, moving or not. */
    never.ceiling_ms = 0;
    STUCK_Init(&w, &never, 0);
    ok(!STUCK_Check(&w, 1000000000), "ceiling 0: never stuck (not moved)");
    STUCK_Progress(&w, 100, 1);
    STUCK_Progress(&w, 200, 1);
    is_int(STUCK_LimitMs(&w), 0, "ceiling 0: no limit");
    ok(!STUCK_Check(&w, 1000000000), "ceiling 0: never stuck (moved)");

    /* No floor, no factor: the fixed rule, the ceiling after moving. */
    {
        stuck_rule fixed = { .ceiling_ms = 5000 };

        is_int(stuck_at(&fixed, 100, 100, 1000), 1000 + 5000,
               "floor 0, factor 0: stuck 5 s after the last (fixed rule)");
    }

    /* A ceiling under the floor wins (--stuck-timeout 1). */
    low.ceiling_ms = 1000;
    is_int(stuck_at(&low, 100, 100, 1000), 1000 + 1000,
           "ceiling 1 s under the 1.5 s floor: stuck after 1 s");

    /* A clock that does not move forward does no harm. */
    STUCK_Init(&w, &bed, 500);
    STUCK_Progress(&w, 400, 1);
    is_int(w.last_ms, 500, "progress before the start: at the start");
    is_int(STUCK_QuietMs(&w, 300), 0, "quiet is never negative");
}

int main(void)
{
    test_steady_then_stop();
    test_not_started();
    test_start_is_pace();
    test_limits();
    return done_testing();
}
