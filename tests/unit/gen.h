/*
 * gen.h - a seeded generator of simulated hosts and phase tables for the
 * model-based campaign (test_campaign.c).
 *
 * One 64-bit seed gives one host (a fixture for HV_OpenSim) and one
 * table (the text of a xenshift.json), always the same: the generator
 * uses its own PRNG (splitmix64), never rand().  The family covers
 * 2-16 pCPUs on 1-4 NUMA nodes, an administrator's cpupool, 2-16 guests
 * of every type (some the table does not name, some named but not
 * running), slow and quick balloons, guests that stick at a floor or
 * ignore the balloon, and tables of 2-4 phases with floors, vCPU
 * changes, dedicated pCPUs as counts and as lists, `node` and a
 * reserve.  Some tables are meant to be refused (too much memory, above
 * a static max, an HVM guest losing vCPUs, pCPUs of an administrator's
 * pool, no shared pCPU left): a refusal is a valid outcome.
 */
#ifndef XENSHIFT_TEST_GEN_H
#define XENSHIFT_TEST_GEN_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gen_rng {
    uint64_t state;
} gen_rng;

void GEN_Seed(gen_rng *r, uint64_t seed);
uint64_t GEN_Next(gen_rng *r);
/* Uniform in lo..hi (both included). */
unsigned GEN_Range(gen_rng *r, unsigned lo, unsigned hi);
/* True pct times in a hundred. */
bool GEN_Chance(gen_rng *r, unsigned pct);

typedef struct gen_case {
    uint64_t seed;
    char *fixture;              /* JSON for HV_OpenSim (malloc'd) */
    char *table;                /* JSON for TBL_Parse (malloc'd) */
    unsigned nr_cpus, nr_nodes;
    unsigned nr_guests;         /* domUs running */
    unsigned nr_unnamed;        /* of them, not in the table */
    unsigned nr_offline;        /* in the table, not running */
    unsigned nr_phases;
    bool admin_pool;
} gen_case;

void GEN_CaseInit(gen_case *c);
void GEN_CaseDispose(gen_case *c);
/* Make the host and table of seed.  Returns 0, -1 when out of memory. */
int GEN_Make(uint64_t seed, gen_case *c);

#endif
