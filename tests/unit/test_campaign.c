/*
 * test_campaign.c - a model-based fault campaign over generated hosts and
 * tables (issue 12, item 2).
 *
 * For every table that gen.c makes from a seed, the transitions from the
 * host as generated ("start") to each phase A, then every ordered pair
 * of phases A -> B:
 *
 *  1. a fault-free run through the recording driver (recdrv.c) lists
 *     every hv call the transition makes; from the start host, the host
 *     it reaches is saved as "in A" (a pair whose A cannot be reached is
 *     skipped and counted);
 *  2. each call is failed in turn with each fault the sim injects (fail,
 *     vanish, nomem, busy; vanish only where a call names a domain), and
 *     each balloon step is run with its guest stuck half-way (floor) or
 *     deaf to its target (ignores), each from the same host.
 *
 * Every run goes the way `xenshift apply` goes (TRN_Snapshot, PLAN_Make,
 * TRN_Execute with the journal on) and is then held to the promise:
 *
 *  - reached: the host is in B by the predicate `xenshift status` uses
 *    (CRUN_PhaseReached in camp_run.c), and no domain the table does not name and
 *    no administrator's cpupool changed;
 *  - refused or failed: every domain and every cpupool is as the test
 *    recorded it before the run through hv, field for field (a domain a
 *    vanish fault was aimed at may be gone); target and maxmem exactly,
 *    the pages within the executor's tolerance.
 *
 * One TAP line per (table, start -> A) and per (table, A -> B); a line
 * fails when any case of it broke the promise.
 *
 * Seeds: tests/unit/data/campaign-seeds.txt first (every seed that ever
 * failed), then XENSHIFT_CAMPAIGN_TABLES tables (default 200) from
 * XENSHIFT_CAMPAIGN_BASE (default 1).  `test_campaign --seed N` runs one
 * table; --pair A:B one pair of it; -v prints every failing case;
 * --dump prints its host and table.
 * XENSHIFT_CAMPAIGN_POINTS=all fails every read of a poll loop too, not
 * only its first and last (see pick_points).
 *
 * Each table runs in a child process (a crash or a hang is a finding,
 * not the end of the campaign); its counts come back in shared memory.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "camp_check.h"
#include "recdrv.h"
#include "camp_run.h"
#include "exec.h"
#include "gen.h"
#include "hv_sim.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"
#include "transition.h"
#include "units.h"
#include "tap.h"

#define MAX_PHASES 8
#define TABLE_LIMIT_S 120       /* one table; more is a hang */
#define SHOW_CASES 3            /* failing cases printed per line */

/* Counts, shared with the children. */
typedef struct stats {
    unsigned tables, load_refused, starts, pairs, skipped, plan_refused;
    unsigned faults, cases, failures, not_fired, fault_free_failed;
    unsigned class_cases[CC_NR];
    uint64_t class_seed[CC_NR];         /* the first seed that showed it */
} stats;

static stats *st;
static exec_opts eopts;
static bool verbose, all_points;
static char workdir[300];
static const char *only_pair;
static FILE *out;               /* the child's channel to the parent */

/* --- one TAP line: a table's start -> A, or A -> B ---------------------- */

typedef struct line {
    uint64_t seed;
    char from[HV_NAME_MAX], to[HV_NAME_MAX];
    unsigned cases, failed, classes, shown;
} line;

static void describe_fault(const fault *f, char *buf, size_t len)
{
    char s[32];

    switch (f->kind) {
    case F_NONE:
        snprintf(buf, len, "no fault");
        break;
    case F_FLOOR:
        snprintf(buf, len, "floor: %s cannot go below %s", f->dom,
                 UNITS_FormatSize(f->floor_kib, s, sizeof(s)));
        break;
    case F_IGNORES:
        snprintf(buf, len, "ignores: %s ignores its balloon", f->dom);
        break;
    default:
        snprintf(buf, len, "%s at %s(%s) call %u", CRUN_FaultName(f->kind),
                 f->op, f->dom[0] ? f->dom : "any", f->nth);
    }
}

static void add_case(line *l, const fault *f, const run_out *o)
{
    char what[160];
    int c;

    st->cases++;
    l->cases++;
    if (f->kind != F_NONE) {
        st->faults++;
        if (f->kind < F_FLOOR && !o->fired && !o->refused)
            st->not_fired++;
    }
    if (!o->v.classes)
        return;
    st->failures++;
    l->failed++;
    l->classes |= o->v.classes;
    for (c = 0; c < CC_NR; c++) {
        if (!(o->v.classes & (1u << c)))
            continue;
        if (!st->class_cases[c]++)
            st->class_seed[c] = l->seed;
    }
    if (l->shown++ >= SHOW_CASES && !verbose)
        return;
    describe_fault(f, what, sizeof(what));
    fprintf(out, "# FAIL seed %llu %s -> %s, %s: %s%s\n%s",
            (unsigned long long)l->seed, l->from, l->to, what,
            o->refused ? "refused: " : o->reached ? "reached" : "failed: ",
            o->reached ? "" : o->cause, o->v.text);
}

/* Hand a finished line to the parent: "@ok\tlabel". */
static void emit(const line *l, const char *note)
{
    char cls[512] = "";
    size_t cl = 0;
    int c;

    for (c = 0; c < CC_NR; c++) {
        if (!(l->classes & (1u << c)))
            continue;
        cl += (size_t)snprintf(cls + cl, sizeof(cls) - cl, "%s%s",
                               cl ? "," : "", CCHK_ClassName((cchk_class)c));
        if (cl >= sizeof(cls))
            cl = sizeof(cls) - 1;
    }
    if (l->failed)
        fprintf(out, "#   reproduce: tests/unit/test_campaign --seed %llu "
                "--pair %s:%s -v\n", (unsigned long long)l->seed,
                l->from, l->to);
    fprintf(out, "@%d\tseed %llu %s -> %s: %u cases, %u failed%s%s%s%s\n",
            !l->failed, (unsigned long long)l->seed, l->from, l->to,
            l->cases, l->failed, cl ? " [" : "", cls, cl ? "]" : "",
            note ? note : "");
    fflush(out);
}

/* --- the faults of one pair ------------------------------------------- */

/*
 * The calls to fail: every forward call the sim can fail, except that
 * of a run of the same read (a poll loop, with no change between) only
 * the first and the last are taken, unless all_points.
 */
static bool pick(const recdrv_call *c, size_t n, size_t i)
{
    size_t j;

    if (c[i].rb || !RECDRV_Faultable(c[i].op))
        return false;
    if (c[i].change || all_points)
        return true;
    for (j = i; j-- > 0 && !c[j].change;)
        if (!strcmp(c[j].op, c[i].op) && !strcmp(c[j].dom, c[i].dom))
            break;
    if (j == (size_t)-1 || c[j].change)
        return true;            /* the first of its run */
    for (j = i + 1; j < n && !c[j].change && !c[j].rb; j++)
        if (!strcmp(c[j].op, c[i].op) && !strcmp(c[j].dom, c[i].dom))
            return false;
    return true;                /* the last */
}

/*
 * from -> to on the host saved in state: the fault-free run (which
 * writes the host to save when it reaches `to`), then, with faults, every
 * fault at every call of it.  Returns whether the host was saved.
 */
static bool run_pair(const tbl_table *t, uint64_t seed, const char *from,
                     const char *to, const char *state, const char *save,
                     bool faults)
{
    static const fault_kind kinds[] = { F_FAIL, F_VANISH, F_NOMEM, F_BUSY };
    fault none = { .kind = F_NONE };
    line l = { .seed = seed };
    char note[600];
    run_out cal, o;
    size_t i, k;
    bool saved;

    snprintf(l.from, sizeof(l.from), "%s", from);
    snprintf(l.to, sizeof(l.to), "%s", to);
    CRUN_One(state, t, to, &none, &eopts, true, save, &cal);
    add_case(&l, &none, &cal);
    saved = cal.saved;
    snprintf(note, sizeof(note), " (%s: %.500s)",
             cal.refused ? "refused" : "fails without a fault", cal.cause);
    if (cal.refused) {
        st->plan_refused++;
        emit(&l, note);
        CRUN_OutDispose(&cal);
        return saved;
    }
    if (!cal.reached)
        st->fault_free_failed++;
    for (k = 0; faults && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (i = 0; i < cal.nr_calls; i++) {
            const recdrv_call *c = &cal.calls[i];
            fault f = { .kind = kinds[k] };

            if (!pick(cal.calls, cal.nr_calls, i) ||
                (kinds[k] == F_VANISH && !c->dom[0]))
                continue;
            snprintf(f.op, sizeof(f.op), "%s", c->op);
            snprintf(f.dom, sizeof(f.dom), "%s", c->dom);
            f.nth = RECDRV_Nth(cal.calls, i);
            CRUN_One(state, t, to, &f, &eopts, false, NULL, &o);
            add_case(&l, &f, &o);
            CRUN_OutDispose(&o);
        }
    }
    for (i = 0; faults && i < cal.nr_balloons; i++) {
        const balloon *b = &cal.balloons[i];
        fault f = { .kind = F_IGNORES };

        snprintf(f.dom, sizeof(f.dom), "%s", b->dom);
        CRUN_One(state, t, to, &f, &eopts, false, NULL, &o);
        add_case(&l, &f, &o);
        CRUN_OutDispose(&o);
        if (b->to_kib >= b->from_kib)
            continue;           /* a floor does not stop a growing one */
        f.kind = F_FLOOR;
        f.floor_kib = b->to_kib + (b->from_kib - b->to_kib) / 2;
        f.floor_kib -= f.floor_kib % 1024;
        CRUN_One(state, t, to, &f, &eopts, false, NULL, &o);
        add_case(&l, &f, &o);
        CRUN_OutDispose(&o);
    }
    emit(&l, cal.reached ? NULL : note);
    CRUN_OutDispose(&cal);
    return saved;
}

/* --- one table ------------------------------------------------------------- */

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f)
        return -1;
    if (fputs(text, f) < 0)
        rc = -1;
    if (fclose(f))
        rc = -1;
    return rc;
}

static void run_table(uint64_t seed)
{
    char host[400], tpath[400], state[MAX_PHASES][400];
    bool reached[MAX_PHASES] = { false };
    gen_case gc;
    tbl_table t;
    xs_err err;
    size_t a, b;

    GEN_CaseInit(&gc);
    TBL_Init(&t);
    snprintf(host, sizeof(host), "%s/host.json", workdir);
    snprintf(tpath, sizeof(tpath), "%s/table.json", workdir);
    if (GEN_Make(seed, &gc) || write_file(host, gc.fixture) ||
        write_file(tpath, gc.table)) {
        fprintf(out, "@0\t\tseed %llu: cannot write the case to %s\n",
                (unsigned long long)seed, workdir);
        goto out;
    }
    fprintf(out, "# seed %llu: %u pCPUs on %u node(s)%s, %u guests (%u not "
            "in the table), %u table domains not running, %u phases\n",
            (unsigned long long)seed, gc.nr_cpus, gc.nr_nodes,
            gc.admin_pool ? ", an admin cpupool" : "", gc.nr_guests,
            gc.nr_unnamed, gc.nr_offline, gc.nr_phases);
    if (TBL_Load(tpath, &t, &err)) {
        st->load_refused++;
        fprintf(out, "@%d\t\tseed %llu: the table is refused at load: %s\n",
                err.msg[0] != '\0', (unsigned long long)seed, err.msg);
        goto out;
    }
    for (a = 0; a < t.nr_phases && a < MAX_PHASES; a++) {
        const char *pa = t.phases[a].name;
        char start[HV_NAME_MAX + 8];
        size_t len = strlen(pa);
        bool this_one;

        /* --pair start:A is this one; --pair A:B needs A reached. */
        snprintf(start, sizeof(start), "start:%s", pa);
        this_one = !only_pair || !strcmp(only_pair, start);
        if (!this_one && (strncmp(only_pair, pa, len) || only_pair[len] != ':'))
            continue;
        snprintf(state[a], sizeof(state[a]), "%s/in-%s.json", workdir, pa);
        st->starts++;
        reached[a] = run_pair(&t, seed, "start", pa, host, state[a],
                              this_one);
    }
    for (a = 0; a < t.nr_phases && a < MAX_PHASES; a++) {
        for (b = 0; b < t.nr_phases && b < MAX_PHASES; b++) {
            char pair[2 * HV_NAME_MAX + 2];

            if (a == b)
                continue;
            snprintf(pair, sizeof(pair), "%s:%s", t.phases[a].name,
                     t.phases[b].name);
            if (only_pair && strcmp(only_pair, pair))
                continue;
            st->pairs++;
            if (!reached[a]) {
                st->skipped++;
                continue;
            }
            run_pair(&t, seed, t.phases[a].name, t.phases[b].name,
                     state[a], NULL, true);
        }
    }
out:
    TBL_Dispose(&t);
    GEN_CaseDispose(&gc);
}

/* --- the parent ---------------------------------------------------------- */

/* A line from the child: "@ok\tlabel" or anything to print. */
static void relay(char *s)
{
    char *label;

    if (s[0] != '@') {
        fputs(s, stdout);
        return;
    }
    label = strchr(s, '\t');
    if (!label) {
        ok(0, "a garbled line from the campaign: %s", s);
        return;
    }
    *label++ = '\0';
    label[strcspn(label, "\n")] = '\0';
    ok(s[1] == '1', "%s", label);
}

static void table_in_child(uint64_t seed)
{
    char *buf = NULL;
    size_t cap = 0;
    int fds[2], status;
    pid_t pid;
    FILE *in;

    fflush(stdout);
    if (pipe(fds) || (pid = fork()) < 0) {
        ok(0, "seed %llu: cannot fork: %s", (unsigned long long)seed,
           strerror(errno));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        out = fdopen(fds[1], "w");
        if (!out)
            _exit(2);
        alarm(TABLE_LIMIT_S);
        st->tables++;
        run_table(seed);
        fclose(out);
        _exit(0);
    }
    close(fds[1]);
    in = fdopen(fds[0], "r");
    while (in && getline(&buf, &cap, in) > 0)
        relay(buf);
    free(buf);
    if (in)
        fclose(in);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status)) {
        cchk_class c = WTERMSIG(status) == SIGALRM ? CC_HANG : CC_CRASH;

        st->failures++;
        if (!st->class_cases[c]++)
            st->class_seed[c] = seed;
        ok(0, "seed %llu: the campaign process died of signal %d (%s); "
           "reproduce: tests/unit/test_campaign --seed %llu -v",
           (unsigned long long)seed, WTERMSIG(status), CCHK_ClassName(c),
           (unsigned long long)seed);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        ok(0, "seed %llu: the campaign process exited with %d",
           (unsigned long long)seed, WEXITSTATUS(status));
    }
}

/* The seeds that ever failed: "SEED what it found", '#' comments. */
static unsigned run_seed_file(void)
{
    const char *top = getenv("top_srcdir");
    char path[1024], *buf = NULL;
    size_t cap = 0;
    unsigned n = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/tests/unit/data/campaign-seeds.txt",
             top ? top : ".");
    f = fopen(path, "r");
    if (!f) {
        ok(0, "cannot read %s: %s", path, strerror(errno));
        return 0;
    }
    while (getline(&buf, &cap, f) > 0) {
        char *end;
        unsigned long long seed = strtoull(buf, &end, 0);

        if (end == buf)
            continue;           /* a comment or a blank line */
        table_in_child(seed);
        n++;
    }
    free(buf);
    fclose(f);
    return n;
}

static void remove_workdir(void)
{
    char path[600];
    struct dirent *e;
    DIR *d = opendir(workdir);

    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", workdir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(workdir);
}

static unsigned long long env_num(const char *name, unsigned long long dflt)
{
    const char *v = getenv(name);

    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static void summary(double secs)
{
    int c;

    printf("# campaign: %u tables (%u refused at load), %u start -> phase "
           "and %u phase pairs (%u pairs skipped: the first phase not "
           "reached; %u transitions refused by plan, %u failed without a "
           "fault), %u faults (%u never fired), %u cases, %u failing cases, "
           "%.1f s\n",
           st->tables, st->load_refused, st->starts, st->pairs, st->skipped,
           st->plan_refused, st->fault_free_failed, st->faults,
           st->not_fired, st->cases, st->failures, secs);
    for (c = 0; c < CC_NR; c++)
        if (st->class_cases[c])
            printf("# class %-22s %6u cases, first seed %llu\n",
                   CCHK_ClassName((cchk_class)c), st->class_cases[c],
                   (unsigned long long)st->class_seed[c]);
}

static int usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--seed N [--pair A:B | --dump]] "
            "[--tables N] [--base N] [-v]\n", prog);
    return 2;
}

/* Print the host and the table of seed (to look at, or to try by hand). */
static int dump_case(uint64_t seed)
{
    gen_case gc;
    int rc;

    GEN_CaseInit(&gc);
    rc = GEN_Make(seed, &gc);
    if (!rc)
        printf("// seed %llu: the simulated host\n%s\n// the table\n%s\n",
               (unsigned long long)seed, gc.fixture, gc.table);
    GEN_CaseDispose(&gc);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    unsigned long long tables, base, one = 0, i;
    bool have_one = false, dump = false;
    struct timespec t0, t1;
    char tmpl[300];
    const char *tmp = getenv("TMPDIR");
    int k;

    tables = env_num("XENSHIFT_CAMPAIGN_TABLES", 200);
    base = env_num("XENSHIFT_CAMPAIGN_BASE", 1);
    all_points = getenv("XENSHIFT_CAMPAIGN_POINTS") &&
                 !strcmp(getenv("XENSHIFT_CAMPAIGN_POINTS"), "all");
    for (k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "-v"))
            verbose = true;
        else if (!strcmp(argv[k], "--seed") && k + 1 < argc)
            one = strtoull(argv[++k], NULL, 0), have_one = true;
        else if (!strcmp(argv[k], "--dump"))
            dump = true;
        else if (!strcmp(argv[k], "--pair") && k + 1 < argc)
            only_pair = argv[++k];
        else if (!strcmp(argv[k], "--tables") && k + 1 < argc)
            tables = strtoull(argv[++k], NULL, 0);
        else if (!strcmp(argv[k], "--base") && k + 1 < argc)
            base = strtoull(argv[++k], NULL, 0);
        else
            return usage(argv[0]);
    }
    if ((only_pair || dump) && !have_one)
        return usage(argv[0]);
    if (dump)
        return dump_case(one);
    st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    snprintf(tmpl, sizeof(tmpl), "%s/xenshift-campaign-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (st == MAP_FAILED || !mkdtemp(tmpl)) {
        ok(0, "cannot set the campaign up: %s", strerror(errno));
        return done_testing();
    }
    memset(st, 0, sizeof(*st));
    snprintf(workdir, sizeof(workdir), "%s", tmpl);
    EXEC_DefaultOpts(&eopts);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (have_one) {
        table_in_child(one);
    } else {
        printf("# the seeds that failed before: %u\n", run_seed_file());
        for (i = 0; i < tables; i++)
            table_in_child(base + i);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    summary((double)(t1.tv_sec - t0.tv_sec) +
            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (have_one)
        ok(st->tables == 1 && st->cases > 0, "seed %llu: %u cases", one,
           st->cases);
    else
        ok(st->cases > 0 && st->pairs > st->skipped, "the campaign ran %u "
           "cases over %u phase pairs", st->cases, st->pairs - st->skipped);
    remove_workdir();
    return done_testing();
}
