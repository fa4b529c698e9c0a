/*
 * test_sim_day.c - xenshiftd's core through a simulated day: a trigger
 * every hour (take-over at even hours, back at odd ones) and a request
 * through xenstore every three hours, on the simulated host's clock.
 * run-tests also runs it under valgrind: no leak, no error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "hv_sim.h"
#include "snapshot.h"
#include "tap.h"
#include "transition.h"
#include "xspath.h"

static const char table_text[] =
    "// Fig. 9, with the phases swapped every hour.\n"
    "{ \"host\": { \"reserve\": \"256M\" },\n"
    "  \"domains\": { \"vm1\": { \"min\": \"128M\", \"max\": \"640M\" },\n"
    "               \"vm2\": { \"min\": \"128M\", \"max\": \"640M\" },\n"
    "               \"vm3\": { \"min\": \"128M\", \"max\": \"640M\" } },\n"
    "  \"phases\": {\n"
    "    \"normal\": { \"vm1\": { \"memory\": \"128M\" },\n"
    "                \"vm2\": { \"memory\": \"512M\" },\n"
    "                \"vm3\": { \"memory\": \"128M\" } },\n"
    "    \"takeover\": { \"vm1\": { \"memory\": \"512M\", \"cpus\": "
    "\"dedicated\", \"pcpus\": 1 },\n"
    "                  \"vm2\": { \"memory\": \"128M\" },\n"
    "                  \"vm3\": { \"memory\": \"128M\" } } },\n"
    "  \"triggers\": [ { \"phase\": \"takeover\", \"at\": \"0 */2 * * *\" },\n"
    "                { \"phase\": \"normal\", \"at\": \"0 1-23/2 * * *\" } ] }\n";

int main(void)
{
    const char *src = getenv("top_srcdir");
    char fixture[1024], table[] = "/tmp/xenshift-day.XXXXXX", path[256],
         id[64];
    dmn_config cfg = { 0 };
    time_t start, when, end;
    unsigned fired = 0, asked = 0, answered = 0, hour;
    xs_err err;
    dlog log;
    dmn d;
    hv *h;
    int fd;

    setenv("TZ", "UTC", 1);
    snprintf(fixture, sizeof(fixture), "%s/tests/fixtures/fig9-host.json",
             src ? src : ".");
    fd = mkstemp(table);
    if (fd < 0 || write(fd, table_text, sizeof(table_text) - 1) < 0) {
        printf("Bail out! cannot write %s\n", table);
        return 1;
    }
    close(fd);
    h = HV_OpenSim(fixture, &err);
    if (!h) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    LOG_Init(&log, "test_sim_day", true, 0);
    cfg.table_path = table;
    HOOK_DefaultOpts(&cfg.hooks);
    EXEC_DefaultOpts(&cfg.exec);
    if (DMN_Init(&d, h, &log, &cfg, &err) || DMN_Start(&d, &err) < 0) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    start = (time_t)(HV_WallMs(h) / 1000);
    end = start + 86400;
    while (DMN_NextWake(&d, &when) && when <= end) {
        time_t now = (time_t)(HV_WallMs(h) / 1000);

        if (when > now)
            HVSIM_JumpClock(h, when - now);
        DMN_HandleTime(&d, when);
        fired += d.nr_queue > 0;
        hour = (unsigned)((when - start) / 3600);
        if (hour % 3 == 1) {
            /* Someone asks for the phase the next hour will bring. */
            snprintf(id, sizeof(id), "%013lld-day",
                     (long long)when * 1000 + 1);
            snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
            HV_XsWrite(h, path, hour % 2 ? "takeover" : "normal");
            DMN_HandleWatch(&d);
            asked++;
        }
        DMN_RunQueue(&d);
        if (hour % 3 == 1) {
            char *st = NULL;

            snprintf(path, sizeof(path), XSP_ANSWER "/%s/state", id);
            if (!HV_XsRead(h, path, &st) && !strcmp(st, "done"))
                answered++;
            free(st);
        }
    }
    is_int(fired, 24, "24 triggers fired in a day");
    ok(asked >= 8, "%u requests came in between", asked);
    is_int(answered, asked, "every request was answered done");
    /* The 09:00 trigger finds the host in normal already. */
    ok(d.transitions >= 23, "%u transitions ran", d.transitions);
    {
        xs_snapshot snap;
        const char *cur = NULL;
        char *pub = NULL;

        SNAP_Init(&snap);
        if (!SNAP_Take(h, &snap, &err))
            cur = TRN_CurrentPhase(&snap, &d.table);
        is_str(cur, "takeover", "at 08:00 the next day the host is in "
               "takeover, as the last trigger asked");
        HV_XsRead(h, XSP_PHASE, &pub);
        is_str(pub, "takeover", "and that is the published phase");
        free(pub);
        SNAP_Dispose(&snap);
    }
    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
    unlink(table);
    return done_testing();
}
