/*
 * test_sim.c - the simulated host: fixtures, balloons over simulated
 * time, Xen's rules for maxmem, vCPUs and cpupools, faults, xenstore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_sim.h"
#include "sim_state.h"
#include "tap.h"

#define MIB 1024ULL

static hv *open_fixture(const char *name)
{
    char path[512];
    const char *top = getenv("top_srcdir");
    xs_err err;
    hv *h;

    snprintf(path, sizeof(path), "%s/%s", top ? top : ".", name);
    h = HV_OpenSim(path, &err);
    if (!h)
        printf("# %s: %s\n", path, err.msg);
    return h;
}

/* Write text to a temporary fixture and return the error of opening it. */
static const char *fixture_error(const char *text)
{
    static char buf[1200];
    char path[] = "/tmp/xs-sim-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    xs_err err;
    hv *h;

    fputs(text, f);
    fclose(f);
    h = HV_OpenSim(path, &err);
    unlink(path);
    if (h) {
        HV_Close(h);
        return "OK";
    }
    /* Drop the random file name: keep line:col and the message. */
    err.file[0] = '\0';
    snprintf(buf, sizeof(buf), "%d:%d: %s", err.line, err.col, err.msg);
    return buf;
}

static uint64_t mem_of(hv *h, uint32_t domid)
{
    hv_domain d;

    return HV_GetDomain(h, domid, &d) ? 0 : d.mem_kib;
}

static void fixtures(void)
{
    hv *h = open_fixture("examples/fig9-host.json");
    hv_host host;
    hv_domain *doms = NULL, d;
    hv_pool *pools = NULL;
    size_t nr = 0, np = 0;
    char cpus[64];

    if (!ok(h != NULL, "fig9 host loads"))
        return;
    is_str(HV_DriverName(h), "sim", "driver name");
    ok(HV_GetHost(h, &host) == 0, "host");
    is_int(host.nr_cpus, 2, "2 pCPUs");
    is_int(host.nr_nodes, 2, "2 nodes");
    is_int(host.total_kib, 3072 * MIB, "3 GiB");
    is_int(host.free_kib, (3072 - 1024 - 768) * MIB, "free = total - domains");
    is_int(host.node_free_kib[0] + host.node_free_kib[1], host.free_kib,
           "free per node adds up");
    is_int(host.cpu_to_node[1], 1, "pCPU 1 on node 1");
    ok(HV_ListDomains(h, &doms, &nr) == 0 && nr == 4, "4 domains with dom0");
    ok(HV_ListPools(h, &pools, &np) == 0 && np == 1 &&
       !strcmp(pools[0].name, "Pool-0"), "one Pool-0");
    is_str(CPUMAP_Format(&pools[0].cpus, cpus, sizeof(cpus)), "0-1",
           "Pool-0 has every pCPU");
    is_int(pools[0].nr_domains, 4, "all domains in Pool-0");
    ok(HV_FindDomain(h, "vm2", &d) == 0 && d.domid == 2 &&
       d.mem_kib == 512 * MIB && d.static_max_kib == 640 * MIB,
       "vm2 as in the fixture");
    ok(HV_FindDomain(h, "vm9", &d) == HV_ENODOMAIN, "no vm9");
    ok(strstr(HV_LastError(h)->msg, "vm9") != NULL, "error names vm9");
    free(doms);
    free(pools);
    HV_Close(h);
}

static void balloons(void)
{
    hv *h = open_fixture("examples/fig9-host.json");
    hv_host host;
    char *v = NULL;

    if (!h)
        return;
    is_int(HV_NowMs(h), 0, "clock starts at 0");
    ok(HV_SetTarget(h, 2, 128 * MIB) == 0, "vm2 target 128 MiB");
    is_int(mem_of(h, 2), 512 * MIB, "nothing moves without time");
    ok(HV_XsRead(h, "/local/domain/2/memory/target", &v) == 0 &&
       !strcmp(v, "131072"), "target written to xenstore");
    free(v);
    HV_SleepMs(h, 1000);
    is_int(HV_NowMs(h), 1000, "clock advanced by the sleep");
    /* 256 MiB/s by default */
    is_int(mem_of(h, 2), 256 * MIB, "256 MiB given back in 1 s");
    HV_SleepMs(h, 1000);
    is_int(mem_of(h, 2), 128 * MIB, "stops at the target");
    ok(HV_SetTarget(h, 1, 600 * MIB) == HV_EINVAL, "target above maxmem "
       "refused");
    ok(strstr(HV_LastError(h)->msg, "raise maxmem first") != NULL,
       "says to raise maxmem first");
    ok(HV_SetMaxmem(h, 1, 700 * MIB) == HV_EINVAL, "maxmem above static max "
       "refused");
    ok(HV_SetMaxmem(h, 1, 600 * MIB) == 0, "maxmem 600 MiB");
    ok(HV_SetTarget(h, 1, 600 * MIB) == 0, "target 600 MiB");
    ok(HV_SetMaxmem(h, 1, 500 * MIB) == HV_EINVAL, "maxmem below the target "
       "refused");
    HV_SleepMs(h, 5000);
    is_int(mem_of(h, 1), 600 * MIB, "vm1 grew to 600 MiB");
    HV_GetHost(h, &host);
    is_int(host.free_kib, (3072 - 1024 - 600 - 128 - 128) * MIB,
           "free memory follows");
    HV_Close(h);

    h = open_fixture("tests/fixtures/fig9-stuck-donor.json");
    if (!h)
        return;
    HV_SetTarget(h, 2, 128 * MIB);
    HV_SleepMs(h, 10000);
    is_int(mem_of(h, 2), 300 * MIB, "a guest stops at its floor");
    HV_Close(h);

    h = open_fixture("tests/fixtures/fig9-ignores.json");
    if (!h)
        return;
    HV_SetTarget(h, 2, 128 * MIB);
    HV_SleepMs(h, 10000);
    is_int(mem_of(h, 2), 512 * MIB, "a guest that ignores its balloon");
    HV_Close(h);

    h = open_fixture("tests/fixtures/fig9-slow.json");
    if (!h)
        return;
    HV_SetTarget(h, 2, 128 * MIB);
    HV_SleepMs(h, 1000);
    is_int(mem_of(h, 2), 480 * MIB, "a slow balloon moves 32 MiB/s");
    HV_Close(h);
}

static void growth_limited(void)
{
    const char *fx =
        "{\"host\": {\"nodes\": [{\"cpus\": \"0\", \"memory\": \"512M\"}]},\n"
        " \"domains\": [{\"name\": \"Domain-0\", \"domid\": 0, \"memory\": "
        "\"256M\"},\n {\"name\": \"g\", \"domid\": 1, \"memory\": \"128M\", "
        "\"static_max\": \"1G\"}]}\n";
    char path[] = "/tmp/xs-sim-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    xs_err err;
    hv *h;

    fputs(fx, f);
    fclose(f);
    h = HV_OpenSim(path, &err);
    unlink(path);
    if (!ok(h != NULL, "small host loads"))
        return;
    HV_SetMaxmem(h, 1, 1024 * MIB);
    HV_SetTarget(h, 1, 1024 * MIB);
    HV_SleepMs(h, 10000);
    is_int(mem_of(h, 1), 256 * MIB, "growth stops when the host is full");
    HV_Close(h);
}

static void vcpus_and_pools(void)
{
    hv *h = open_fixture("examples/fig9-host.json");
    hv_domain d;
    hv_pool *pools = NULL;
    size_t np = 0;
    xs_cpumap one;
    uint32_t pid = 0;
    char cpus[64];

    if (!h)
        return;
    ok(HV_SetVcpusOnline(h, 1, 2) == 0, "vm1 to 2 vCPUs");
    ok(HV_GetDomain(h, 1, &d) == 0 && d.vcpus_online == 2, "2 online");
    ok(HV_SetVcpusOnline(h, 1, 3) == HV_EINVAL, "beyond max refused");
    ok(HV_SetVcpusOnline(h, 1, 0) == HV_EINVAL, "zero refused");
    CPUMAP_Clear(&one);
    CPUMAP_Set(&one, 1);
    ok(HV_SetAffinity(h, 2, &one, NULL) == 0, "pin vm2 to pCPU 1");
    ok(HV_GetDomain(h, 2, &d) == 0 && CPUMAP_Equal(&d.hard_affinity, &one),
       "pinned");
    ok(HV_PoolCreate(h, "p1", "credit", &pid) == 0 && pid == 1,
       "create a pool");
    ok(HV_PoolCreate(h, "p1", "credit", &pid) == HV_EINVAL, "same name "
       "refused");
    ok(HV_PoolMoveDomain(h, 1, 2) == HV_EINVAL, "moving into an empty pool "
       "refused");
    ok(HV_PoolAddCpu(h, 1, 1) == HV_EBUSY, "a pCPU of Pool-0 cannot be added");
    ok(HV_PoolRemoveCpu(h, 0, 1) == 0, "pCPU 1 out of Pool-0");
    ok(HV_GetDomain(h, 2, &d) == 0 && CPUMAP_Count(&d.hard_affinity) == 2,
       "affinity to the removed pCPU only is broken (reset to all)");
    ok(HV_PoolRemoveCpu(h, 0, 0) == HV_EBUSY, "Pool-0's last pCPU stays");
    ok(HV_PoolAddCpu(h, 1, 1) == 0, "pCPU 1 into p1");
    ok(HV_SetAffinity(h, 2, &one, NULL) == HV_EINVAL, "pinning outside its "
       "cpupool refused");
    CPUMAP_Clear(&one);
    CPUMAP_Set(&one, 0);
    ok(HV_SetAffinity(h, 2, &one, NULL) == 0, "pin vm2 to pCPU 0");
    ok(HV_PoolMoveDomain(h, 1, 2) == 0, "move vm2 to p1");
    ok(HV_GetDomain(h, 2, &d) == 0 && d.pool == 1 &&
       CPUMAP_Count(&d.hard_affinity) == 2 &&
       CPUMAP_Count(&d.soft_affinity) == 2,
       "a move resets hard and soft affinity, as Xen does");
    ok(HV_PoolMoveDomain(h, 1, 0) == HV_EINVAL, "dom0 stays in Pool-0");
    ok(HV_PoolDestroy(h, 1) == HV_EBUSY, "a pool with domains stays");
    ok(HV_PoolMoveDomain(h, 0, 2) == 0, "vm2 back to Pool-0");
    ok(HV_PoolDestroy(h, 1) == 0, "destroy p1");
    ok(HV_ListPools(h, &pools, &np) == 0 && np == 1, "one pool left");
    is_str(CPUMAP_Format(&pools[0].cpus, cpus, sizeof(cpus)), "0",
           "pCPU 1 is free (in no pool) after destroy, as with libxl");
    free(pools);
    ok(HV_PoolAddCpu(h, 0, 1) == 0, "pCPU 1 back to Pool-0");
    ok(HV_PoolDestroy(h, 0) == HV_EINVAL, "Pool-0 cannot be destroyed");
    ok(HV_PoolDestroy(h, 7) == HV_ENOENT, "unknown pool");
    ok(HV_MoveMemory(h, 1, 0, 100, &(hv_move_result){ 0 }) == HV_ENOSYS,
       "direct moves refused without the guard");
    ok(strstr(HV_LastError(h)->msg, "guard") != NULL, "says why");
    HV_Close(h);
}

static void faults_and_xenstore(void)
{
    hv *h = open_fixture("tests/fixtures/fig9-vanish.json");
    hv_domain d;
    char *v = NULL;
    uint32_t pid;

    if (!h)
        return;
    ok(HV_SetAffinity(h, 3, NULL, NULL) == HV_ENODOMAIN, "vm3 vanishes on "
       "its first set_affinity");
    ok(strstr(HV_LastError(h)->msg, "vm3") != NULL, "error names vm3");
    ok(HV_GetDomain(h, 3, &d) == HV_ENODOMAIN, "vm3 is gone");
    ok(HV_XsRead(h, "/local/domain/3/name", &v) == HV_ENOENT,
       "its xenstore nodes are gone");
    HV_Close(h);

    h = open_fixture("examples/fig9-host.json");
    if (!h)
        return;
    ok(HVSIM_AddFault(h, "set_target", "vm2", 2, HVSIM_FAULT_FAIL) == 0,
       "add a fault on the 2nd set_target of vm2");
    ok(HVSIM_AddFault(h, "no_such_op", NULL, 1, HVSIM_FAULT_FAIL) != 0,
       "unknown op refused");
    ok(HV_SetTarget(h, 2, 400 * MIB) == 0, "1st call works");
    ok(HV_SetTarget(h, 1, 100 * MIB) == 0, "other domains are not counted");
    ok(HV_SetTarget(h, 2, 300 * MIB) == HV_EFAIL, "2nd call fails");
    ok(strstr(HV_LastError(h)->msg, "injected fault") != NULL, "says so");
    ok(HV_SetTarget(h, 2, 300 * MIB) == 0, "3rd call works again");
    {
        hv_domain vm2;

        ok(HV_GetDomain(h, 2, &vm2) == 0 && vm2.node_affinity == 0x3,
           "vm2's node affinity is every node to begin with");
        ok(HV_SetNodeAffinity(h, 2, 1) == 0 && HV_GetDomain(h, 2, &vm2) == 0 &&
           vm2.node_affinity == 0x2, "the node affinity set is the one read "
           "back (node 1: mask 0x2)");
    }
    HVSIM_AddFault(h, "get_host", NULL, 1, HVSIM_FAULT_FAIL);
    HVSIM_ClearFaults(h);
    ok(HV_GetHost(h, &(hv_host){ 0 }) == 0,
       "a fault cleared before it fired does not fire");
    HVSIM_AddFault(h, "pool_create", NULL, 1, HVSIM_FAULT_NOMEM);
    ok(HV_PoolCreate(h, "x", NULL, &pid) == HV_ENOMEM, "nomem fault");
    HVSIM_AddFault(h, "set_vcpus_online", "vm1", 1, HVSIM_FAULT_BUSY);
    ok(HV_SetVcpusOnline(h, 1, 2) == HV_EBUSY, "busy fault");
    ok(HV_XsWrite(h, "/local/domain/0/xenshift/phase", "takeover") == 0,
       "xenstore write");
    ok(HV_XsRead(h, "/local/domain/0/xenshift/phase", &v) == 0 &&
       !strcmp(v, "takeover"), "xenstore read back");
    free(v);
    ok(HV_XsRemove(h, "/local/domain/0/xenshift") == 0, "remove a subtree");
    ok(HV_XsRead(h, "/local/domain/0/xenshift/phase", &v) == HV_ENOENT,
       "removed");
    ok(HV_XsRemove(h, "/nope") == HV_ENOENT, "removing nothing");
    HVSIM_JumpClock(h, 3600);
    is_int(HVSIM_WallTime(h), 1764057600 + 3600, "wall clock jumps");
    HV_Close(h);
}

static void bad_fixtures(void)
{
    ok(HV_OpenSim("/nonexistent.json", &(xs_err){ 0 }) == NULL,
       "missing fixture refused");
    is_str(fixture_error("{\"host\": {}}"), "1:10: \"host\" needs \"nodes\": "
           "an array of { \"cpus\", \"memory\" }", "host without nodes");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": []}"),
           "2:13: \"domains\" must include Domain-0 (domid 0)",
           "no Domain-0");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 0, \"memory\": \"2G\"}]}"),
           "2:13: the domains need more memory than node 0 has",
           "domains do not fit");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 0, \"memory\": \"1M\", "
                         "\"colour\": 1}]}"),
           "2:63: unknown key \"colour\" in a domain", "unknown key");
    /* Numbers past their limits, which used to wrap. */
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": 18014398509482496}]}}"),
           "1:45: \"memory\": 18014398509482496 MiB is above the limit of "
           "1024 TiB", "node memory in MiB that wrapped to 512 MiB");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"2048T\"}]}}"),
           "1:45: \"memory\": size \"2048T\" is above the limit of 1024 TiB",
           "node memory above the limit");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 18446744073709551616, "
                         "\"memory\": \"1M\"}]}"),
           "2:44: \"domid\": 18446744073709551616 is out of range 0-32751",
           "a domid beyond 64 bits names its range");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1024T\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 0, \"memory\": \"1024T\"}, "
                         "{\"name\": \"a\", \"domid\": 1, "
                         "\"memory\": \"1024T\"}]}"),
           "2:13: the domains need more memory than node 0 has",
           "domains at the limit add up without wrapping");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0-x\", "
                         "\"memory\": \"1G\"}]}}"),
           "1:33: \"cpus\": bad pCPU list \"0-x\"", "bad pCPU list");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 0, \"memory\": \"1M\"}],\n"
                         " \"faults\": [{\"op\": \"explode\"}]}"),
           "3:20: fault: \"op\" must name an hv operation such as "
           "\"set_target\"", "unknown fault op");
    is_str(fixture_error("{\"host\": {\"nodes\": [{\"cpus\": \"0\", "
                         "\"memory\": \"1G\"}]},\n \"domains\": [{\"name\": "
                         "\"Domain-0\", \"domid\": 0, \"memory\": \"1M\"}, "
                         "{\"name\": \"Domain-0\", \"domid\": 1, \"memory\": "
                         "\"1M\"}]}"),
           "2:64: domain Domain-0: name or domid used twice",
           "duplicate domain");
    is_str(fixture_error("{\"host\": "), "1:9: unexpected end of file: the "
           "object opened at 1:1 is not closed", "JSON syntax error");
}

/* The next watch event of h as "PATH TOKEN", or "" when none. */
static const char *next_event(hv *h)
{
    static char buf[512];
    char *path, *token;

    buf[0] = '\0';
    if (HV_XsReadWatch(h, &path, &token) == 1) {
        snprintf(buf, sizeof(buf), "%s %s", path, token);
        free(path);
        free(token);
    }
    return buf;
}

/*
 * HVSIM_Load: a host saved by one process, loaded by another, fires
 * the loader's watches on what changed (how xenshift and a --sim-state
 * xenshiftd talk).
 */
static void shared_state(void)
{
    char path[] = "/tmp/xs-sim-state-XXXXXX", bad[64];
    hv *a = open_fixture("examples/fig9-host.json");
    hv *b = open_fixture("examples/fig9-host.json");
    char *v = NULL;
    simst st;
    xs_err err;
    int rc, fd = mkstemp(path);

    if (!a || !b || fd < 0) {
        ok(0, "open two hosts");
        return;
    }
    close(fd);
    HV_XsWatch(b, "/local/domain/0/xenshift/request", "req");
    next_event(b);                  /* a watch fires once when set */
    HV_XsWrite(a, "/local/domain/0/xenshift/request/r1", "takeover");
    HV_XsWrite(a, "/local/domain/0/xenshift/phase", "normal");
    HV_SetTarget(a, 2, 400 * MIB);
    ok(HVSIM_Save(a, path, &err) == 0, "a saves its host");
    ok(HVSIM_Load(b, path, &err) == 0, "b loads it");
    is_str(next_event(b), "/local/domain/0/xenshift/request/r1 req",
           "the new request fires b's watch");
    is_str(next_event(b), "", "and nothing outside the watch does");
    ok(HV_XsRead(b, "/local/domain/0/xenshift/request/r1", &v) == 0 &&
       !strcmp(v, "takeover"), "b reads the request");
    free(v);
    HV_SleepMs(b, 10000);
    is_int((long long)mem_of(b, 2), (long long)(400 * MIB),
           "b's vm2 balloons to the target a set");
    HV_XsRemove(a, "/local/domain/0/xenshift/request/r1");
    HVSIM_Save(a, path, &err);
    HVSIM_Load(b, path, &err);
    is_str(next_event(b), "/local/domain/0/xenshift/request/r1 req",
           "a removed node fires it too");
    ok(HV_XsRead(b, "/local/domain/0/xenshift/request/r1", &v) ==
       HV_ENOENT, "and is gone in b");

    fd = open(path, O_WRONLY | O_TRUNC);
    if (fd >= 0) {
        ok(write(fd, "{", 1) == 1, "damage the state");
        close(fd);
    }
    HV_XsWrite(b, "/local/domain/0/xenshift/phase", "kept");
    rc = HVSIM_Load(b, path, &err);
    ok(rc != 0 && err.line == 1, "a damaged state is refused: %d:%d: %s",
       err.line, err.col, err.msg);
    ok(HV_XsRead(b, "/local/domain/0/xenshift/phase", &v) == 0 &&
       !strcmp(v, "kept"), "and b's host is left as it was");
    free(v);
    unlink(path);

    snprintf(bad, sizeof(bad), "/nonexistent-%d/host.json", (int)getpid());
    rc = SIMST_Init(&st, b, bad, NULL, "test", &err);
    ok(rc != 0 && strstr(err.msg, "cannot watch its directory"),
       "a state in a missing directory cannot be shared: %s", err.msg);
    HV_Close(a);
    HV_Close(b);
}

int main(void)
{
    fixtures();
    balloons();
    growth_limited();
    vcpus_and_pools();
    faults_and_xenstore();
    bad_fixtures();
    shared_state();
    return done_testing();
}
