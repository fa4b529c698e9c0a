/*
 * bench_daemon.c - what one request costs xenshiftd, on the simulated
 * host: read from xenstore, parse, queue, plan, run (Fig. 9 take-over or
 * back), answer.  bench/run.sh runs it under callgrind for 1 and for N
 * requests and prints the instructions per request; the difference
 * between the two runs takes start-up out.
 *
 *   bench_daemon FIXTURE TABLE N
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "xspath.h"

int main(int argc, char **argv)
{
    dmn_config cfg = { 0 };
    char path[256], id[64];
    xs_err err;
    dlog log;
    dmn d;
    hv *h;
    long n, i;

    if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1) {
        fprintf(stderr, "usage: bench_daemon FIXTURE TABLE N\n");
        return 2;
    }
    h = HV_OpenSim(argv[1], &err);
    if (!h) {
        fprintf(stderr, "bench_daemon: %s\n", err.msg);
        return 1;
    }
    LOG_Init(&log, "bench_daemon", true, 0);
    log.to_stderr = true;
    cfg.table_path = argv[2];
    HOOK_DefaultOpts(&cfg.hooks);
    EXEC_DefaultOpts(&cfg.exec);
    if (DMN_Init(&d, h, &log, &cfg, &err) || DMN_Start(&d, &err) < 0) {
        fprintf(stderr, "bench_daemon: %s\n", err.msg);
        return 1;
    }
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%013ld-bench", i);
        snprintf(path, sizeof(path), XSP_REQUEST "/%s", id);
        HV_XsWrite(h, path, i % 2 ? "normal" : "takeover");
        DMN_HandleWatch(&d);
        DMN_RunQueue(&d);
    }
    printf("%u transitions for %ld requests\n", d.transitions, n);
    DMN_Stop(&d);
    DMN_Dispose(&d);
    HV_Close(h);
    return d.transitions == (unsigned)n ? 0 : 1;
}
