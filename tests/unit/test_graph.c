/*
 * test_graph.c - what each step of a plan waits for (plan_graph.c), on
 * plans built by hand so that every rule is seen alone, and the journal
 * keeping the moments of a transition.
 */
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "plan.h"
#include "tap.h"
#include "xspath.h"

#define MIB 1024ULL

/* The pCPU sets of the hand-made actions (a plan points to its sets). */
static xs_cpumap maps[64];
static size_t nr_maps;

static plan_action act(plan_act_kind kind, const char *dom, uint32_t domid,
                       const char *cpus)
{
    plan_action a;
    int bad_at;

    memset(&a, 0, sizeof(a));
    a.kind = kind;
    snprintf(a.domain, sizeof(a.domain), "%s", dom);
    a.domid = domid;
    a.node = TBL_KEEP;
    if (cpus) {
        if (nr_maps == sizeof(maps) / sizeof(maps[0]) ||
            CPUMAP_Parse(cpus, 8, &maps[nr_maps], &bad_at))
            abort();
        a.cpus = &maps[nr_maps++];
    }
    return a;
}

static void add_stage(plan *p, plan_stage_kind kind, const plan_action *v,
                      size_t n)
{
    plan_stage *st;

    p->stages = realloc(p->stages, (p->nr_stages + 1) * sizeof(*st));
    st = &p->stages[p->nr_stages++];
    st->kind = kind;
    st->nr_acts = n;
    st->acts = calloc(n, sizeof(*v));
    memcpy(st->acts, v, n * sizeof(*v));
}

/* Step i's dependencies as "on:why,on:why" (1-based steps). */
static const char *deps_of(const plan_graph *g, size_t i, char *buf,
                           size_t len)
{
    const plan_node *nd = &g->nodes[i];
    size_t k, at = 0;

    buf[0] = '\0';
    for (k = 0; k < nd->nr_deps && at < len; k++) {
        const plan_dep *d = &g->deps[nd->first_dep + k];

        at += (size_t)snprintf(buf + at, len - at, "%s%zu:%s", k ? "," : "",
                               d->on + 1, PLAN_WhyName(d->why));
    }
    return buf;
}

/* Memory and vCPUs: shrinks wait for nothing, grows for free memory. */
static void test_memory(void)
{
    plan p;
    plan_graph g;
    plan_action sh[2], gr[2];
    xs_err err;
    char b[128];

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    sh[0] = act(PLAN_ACT_MEMORY, "vm2", 2, NULL);
    sh[0].from_kib = 512 * MIB;
    sh[0].to_kib = 128 * MIB;
    sh[1] = act(PLAN_ACT_VCPUS, "vm2", 2, NULL);
    gr[0] = act(PLAN_ACT_MEMORY, "vm1", 1, NULL);
    gr[0].from_kib = 128 * MIB;
    gr[0].to_kib = 512 * MIB;
    /* a memory step of the grow stage that gives back (an undo) */
    gr[1] = act(PLAN_ACT_MEMORY, "vm3", 3, NULL);
    gr[1].from_kib = 256 * MIB;
    gr[1].to_kib = 128 * MIB;
    add_stage(&p, PLAN_STAGE_SHRINK, sh, 2);
    add_stage(&p, PLAN_STAGE_GROW, gr, 2);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "memory: graph made");
    is_int(g.nr_nodes, 4, "memory: a node per step");
    is_int(g.nodes[0].gate, PLAN_GATE_NONE, "a shrink waits for nothing");
    is_int(g.nodes[1].gate, PLAN_GATE_NONE, "a vCPU step waits for nothing");
    is_int(g.nodes[2].gate, PLAN_GATE_FREE_MEMORY,
           "a grow follows the free memory");
    is_int(g.nodes[3].gate, PLAN_GATE_NONE,
           "a memory step that gives back waits for nothing");
    is_int(g.nr_deps, 0, "memory: no step waits for another");
    is_str(deps_of(&g, 2, b, sizeof(b)), "", "the grow has no edge");
    ok(g.nodes[2].act == &p.stages[1].acts[0] && g.nodes[2].stage == 1,
       "nodes point at the plan's actions, in stage order");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

/*
 * pCPUs: a pin of a domain the table does not name (before the pools),
 * a pool giving 2-3 back, a pool taking 2-3, its domain's pin, the pin
 * of the domain giving them back, and pins onto 0-1 and 0-3.
 */
static void test_cpus(void)
{
    plan p;
    plan_graph g;
    plan_action c[7];
    xs_err err;
    char b[128];

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    c[0] = act(PLAN_ACT_PIN, "other", 9, "0-1");
    c[1] = act(PLAN_ACT_POOL_LEAVE, "db", 4, "2-3");
    c[2] = act(PLAN_ACT_POOL_ENTER, "vm1", 1, "2-3");
    c[3] = act(PLAN_ACT_PIN, "vm1", 1, "2-3");
    c[4] = act(PLAN_ACT_PIN, "db", 4, "0-3");
    c[5] = act(PLAN_ACT_PIN, "vm3", 3, "0-1");
    c[6] = act(PLAN_ACT_PIN, "vm4", 5, "0-3");
    add_stage(&p, PLAN_STAGE_CPUS, c, 7);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "cpus: graph made");
    is_str(deps_of(&g, 0, b, sizeof(b)), "",
           "an unnamed domain's pin waits for nothing");
    is_str(deps_of(&g, 1, b, sizeof(b)), "",
           "a pool giving pCPUs back waits for nothing");
    is_str(deps_of(&g, 2, b, sizeof(b)), "1:cpus-free,2:cpus-back",
           "a new pool waits for the domains pinned off and the pCPUs back");
    is_str(deps_of(&g, 3, b, sizeof(b)), "3:pool", "a pin waits for its pool");
    is_str(deps_of(&g, 4, b, sizeof(b)), "2:pool",
           "the leaving domain's pin waits for its own pool step");
    is_str(deps_of(&g, 5, b, sizeof(b)), "",
           "a pin onto pCPUs no pool step touches waits for nothing");
    is_str(deps_of(&g, 6, b, sizeof(b)), "2:cpus-back",
           "a pin onto pCPUs coming back to Pool-0 waits for them");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

/*
 * Several pools giving pCPUs back (found per pCPU since the graph is
 * indexed): a step waits for each that meets its pCPUs once, in step
 * order, whatever order its pCPUs meet them in.
 */
static void test_cpus_many_back(void)
{
    plan p;
    plan_graph g;
    plan_action c[7];
    xs_err err;
    char b[128];

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    c[0] = act(PLAN_ACT_POOL_LEAVE, "a", 4, "6-7");
    c[1] = act(PLAN_ACT_POOL_LEAVE, "b", 5, "2-3");
    c[2] = act(PLAN_ACT_POOL_LEAVE, "c", 6, "3,5");
    c[3] = act(PLAN_ACT_POOL_ENTER, "vm1", 1, "2-7");
    c[4] = act(PLAN_ACT_PIN, "vm1", 1, "2-7");
    c[5] = act(PLAN_ACT_PIN, "vm2", 2, "0-3");
    c[6] = act(PLAN_ACT_PIN, "vm3", 3, "0-1");
    add_stage(&p, PLAN_STAGE_CPUS, c, 7);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "many back: graph made");
    is_str(deps_of(&g, 3, b, sizeof(b)), "1:cpus-back,2:cpus-back,3:cpus-back",
           "a new pool waits for every pool giving its pCPUs back, in order");
    is_str(deps_of(&g, 4, b, sizeof(b)), "4:pool",
           "its pin waits for its pool only");
    is_str(deps_of(&g, 5, b, sizeof(b)), "2:cpus-back,3:cpus-back",
           "a pin meeting two pools on one pCPU waits for each once");
    is_str(deps_of(&g, 6, b, sizeof(b)), "",
           "a pin off every pCPU coming back waits for nothing");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

/* Room made on two nodes: each move waits for the room on its node. */
static void test_room_two_nodes(void)
{
    plan p;
    plan_graph g;
    plan_action rl[5];
    xs_err err;
    char b[128];
    size_t i;

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    for (i = 0; i < 5; i++)
        rl[i] = act(PLAN_ACT_RELOCATE, "vm", (uint32_t)i + 1, NULL);
    rl[0].node = 0;
    rl[1].node = 2;
    rl[1].makes_room = true;
    rl[1].from_node = 1;
    rl[2].node = 3;
    rl[2].makes_room = true;
    rl[2].from_node = 0;
    rl[3].node = 2;
    rl[3].makes_room = true;
    rl[3].from_node = 1;
    rl[4].node = 1;
    add_stage(&p, PLAN_STAGE_RELOCATE, rl, 5);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "room: graph made");
    is_str(deps_of(&g, 0, b, sizeof(b)), "3:room",
           "a move to node 0 waits for the room made on node 0");
    is_str(deps_of(&g, 4, b, sizeof(b)), "2:room,4:room",
           "a move to node 1 waits for both moves making room there");
    is_str(deps_of(&g, 1, b, sizeof(b)), "",
           "a move making room waits for capacity only");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

/* Relocations: after capacity; a move to n after the room made on n. */
static void test_relocations(void)
{
    plan p;
    plan_graph g;
    plan_action sh, rl[3];
    xs_err err;
    char b[128];

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    sh = act(PLAN_ACT_MEMORY, "vm2", 2, NULL);
    sh.from_kib = 512 * MIB;
    sh.to_kib = 128 * MIB;
    rl[0] = act(PLAN_ACT_RELOCATE, "vm1", 1, NULL);
    rl[0].node = 1;
    rl[1] = act(PLAN_ACT_RELOCATE, "vm2", 2, NULL);
    rl[1].node = 0;
    rl[1].makes_room = true;
    rl[1].from_node = 1;
    rl[2] = act(PLAN_ACT_RELOCATE, "vm3", 3, NULL);
    rl[2].node = 0;
    add_stage(&p, PLAN_STAGE_SHRINK, &sh, 1);
    add_stage(&p, PLAN_STAGE_RELOCATE, rl, 3);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "relocations: graph made");
    is_int(g.nr_placement, 3, "three placement steps");
    is_int(g.nodes[1].gate, PLAN_GATE_CAPACITY, "a move waits for capacity");
    is_str(deps_of(&g, 1, b, sizeof(b)), "3:room",
           "a move to node 1 waits for the move making room there");
    is_str(deps_of(&g, 2, b, sizeof(b)), "",
           "the move making room waits for capacity only");
    is_str(deps_of(&g, 3, b, sizeof(b)), "",
           "a move to a node no one makes room on waits for capacity only");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

static void test_empty(void)
{
    plan p;
    plan_graph g;
    xs_err err;

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "an empty plan: graph made");
    is_int(g.nr_nodes, 0, "an empty plan: no node");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

/* The journal keeps when capacity and placement were reached. */
static void test_journal_moments(void)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    jnl_entry e;
    xs_err err;
    hv *h;

    snprintf(path, sizeof(path), "%s/tests/fixtures/fig9-host.json",
             top ? top : ".");
    h = HV_OpenSim(path, &err);
    if (!h) {
        ok(0, "journal: sim opened (%s)", err.msg);
        return;
    }
    is_int(JNL_Begin(h, "normal", "takeover", "", &err), 0,
           "journal: begun");
    ok(!JNL_Read(h, &e, &err) && e.present && e.capacity_ms == -1 &&
       e.placement_ms == -1, "journal: no moment before it is reached");
    is_int(JNL_Moment(h, true, 1500, &err), 0, "journal: capacity written");
    ok(!JNL_Read(h, &e, &err) && e.capacity_ms == 1500 &&
       e.placement_ms == -1, "journal: capacity at 1500 ms, no placement");
    is_int(JNL_Moment(h, false, 12300, &err), 0,
           "journal: placement written");
    ok(!JNL_Read(h, &e, &err) && e.placement_ms == 12300,
       "journal: placement at 12300 ms");
    HV_XsWrite(h, XSP_JOURNAL "/" XSP_J_CAPACITY_MS, "soon");
    ok(!JNL_Read(h, &e, &err) && e.capacity_ms == -1,
       "journal: a moment that is not a number reads as not reached");
    is_int(JNL_End(h, &err), 0, "journal: ended");
    ok(!JNL_Read(h, &e, &err) && !e.present, "journal: gone");
    HV_Close(h);
}

/* A row of the plan: the domain and the pCPUs it may run on now. */
static void add_row(plan *p, const char *dom, uint32_t domid,
                    const char *cpus_before, bool running)
{
    plan_row *r;
    int bad_at;

    if (nr_maps == sizeof(maps) / sizeof(maps[0]) ||
        CPUMAP_Parse(cpus_before, 8, &maps[nr_maps], &bad_at))
        abort();
    p->rows = realloc(p->rows, (p->nr_rows + 1) * sizeof(*r));
    r = &p->rows[p->nr_rows++];
    memset(r, 0, sizeof(*r));
    snprintf(r->domain, sizeof(r->domain), "%s", dom);
    r->domid = domid;
    r->running = running;
    r->cpus_before = &maps[nr_maps++];
}

/*
 * pCPU steps that take pCPUs a donor runs on wait for the donors'
 * balloons (a guest gives memory back with its own vCPUs); the others
 * start at once.  Fig. 9's take-over, then its way back.
 */
static void test_donors(void)
{
    plan p;
    plan_graph g;
    plan_action sh, gr, c[4];
    xs_err err;
    char b[128];

    PLAN_Init(&p);
    PLAN_GraphInit(&g);
    add_row(&p, "vm1", 1, "0-3", true);
    add_row(&p, "vm2", 2, "0-3", true);
    add_row(&p, "vm3", 3, "0-3", true);
    sh = act(PLAN_ACT_MEMORY, "vm2", 2, NULL);
    sh.from_kib = 512 * MIB;
    sh.to_kib = 128 * MIB;
    gr = act(PLAN_ACT_MEMORY, "vm1", 1, NULL);
    gr.from_kib = 128 * MIB;
    gr.to_kib = 512 * MIB;
    c[0] = act(PLAN_ACT_POOL_ENTER, "vm1", 1, "3");
    c[1] = act(PLAN_ACT_PIN, "vm1", 1, "3");
    c[2] = act(PLAN_ACT_PIN, "vm2", 2, "0-2");
    c[3] = act(PLAN_ACT_PIN, "vm3", 3, "0-2");
    add_stage(&p, PLAN_STAGE_SHRINK, &sh, 1);
    add_stage(&p, PLAN_STAGE_GROW, &gr, 1);
    add_stage(&p, PLAN_STAGE_CPUS, c, 4);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "donors: graph made");
    is_int(g.nodes[2].gate, PLAN_GATE_DONORS,
           "a new pool taking a pCPU a donor runs on waits for the donors");
    is_int(g.nodes[3].gate, PLAN_GATE_NONE,
           "its domain's pin has no gate of its own");
    is_str(deps_of(&g, 3, b, sizeof(b)), "3:pool", "but waits for the pool");
    is_int(g.nodes[4].gate, PLAN_GATE_DONORS,
           "a pin leaving a donor fewer pCPUs waits for the donors");
    is_int(g.nodes[5].gate, PLAN_GATE_NONE,
           "a pin of a domain that gives no memory starts at once");
    is_str(PLAN_GateName(g.nodes[2].gate), "donors", "its JSON name");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);

    /* the way back: vm1 gives memory back from its pool, pins widen */
    PLAN_Init(&p);
    add_row(&p, "vm1", 1, "3", true);
    add_row(&p, "vm2", 2, "0-2", true);
    sh = act(PLAN_ACT_MEMORY, "vm1", 1, NULL);
    sh.from_kib = 512 * MIB;
    sh.to_kib = 128 * MIB;
    c[0] = act(PLAN_ACT_POOL_LEAVE, "vm1", 1, "3");
    c[1] = act(PLAN_ACT_PIN, "vm1", 1, "0-3");
    c[2] = act(PLAN_ACT_PIN, "vm2", 2, "0-3");
    add_stage(&p, PLAN_STAGE_SHRINK, &sh, 1);
    add_stage(&p, PLAN_STAGE_CPUS, c, 3);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "way back: graph made");
    ok(g.nodes[1].gate == PLAN_GATE_NONE && g.nodes[2].gate == PLAN_GATE_NONE
       && g.nodes[3].gate == PLAN_GATE_NONE,
       "way back: giving pCPUs back and widening pins start at once");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);

    /* a pool on pCPUs no donor runs on; a donor that is not running */
    PLAN_Init(&p);
    add_row(&p, "vm2", 2, "0-1", true);
    add_row(&p, "gone", 7, "0-3", false);
    sh = act(PLAN_ACT_MEMORY, "vm2", 2, NULL);
    sh.from_kib = 512 * MIB;
    sh.to_kib = 128 * MIB;
    gr = act(PLAN_ACT_MEMORY, "gone", 7, NULL);
    gr.from_kib = 512 * MIB;
    gr.to_kib = 128 * MIB;
    {
        plan_action both[2] = { sh, gr };

        add_stage(&p, PLAN_STAGE_SHRINK, both, 2);
    }
    c[0] = act(PLAN_ACT_POOL_ENTER, "vm1", 1, "3");
    add_stage(&p, PLAN_STAGE_CPUS, c, 1);
    is_int(PLAN_GraphMake(&p, &g, &err), 0, "apart: graph made");
    is_int(g.nodes[2].gate, PLAN_GATE_NONE,
           "a pool on pCPUs no running donor runs on starts at once");
    PLAN_GraphDispose(&g);
    PLAN_Dispose(&p);
}

int main(void)
{
    test_memory();
    test_cpus();
    test_relocations();
    test_cpus_many_back();
    test_donors();
    test_room_two_nodes();
    test_empty();
    test_journal_moments();
    return done_testing();
}
