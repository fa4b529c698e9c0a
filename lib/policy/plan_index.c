/*
 * plan_index.c - what the planner looks up, built once per plan so that
 * a plan over n domains costs O(n): names -> position (hashing), and
 * the plan's pCPU sets, each kept once (plan.maps).
 *
 * A pCPU set is 512 bytes (HV_MAX_CPUS bits) and a host of thousands of
 * domains has a handful of distinct ones: rows and actions point to the
 * kept sets, so a plan for 10,000 domains is a few MB, not 25.  The
 * helpers that read sets stop at the words that hold pCPUs: a snapshot
 * of thousands of domains does not fit in the cache.
 */
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* FNV-1a: names are short, and any spread is enough for a probe. */
static size_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return (size_t)(h ^ (h >> 32));
}

static const char *index_name(const plan_index *ix, size_t i)
{
    return ix->base + i * ix->stride + ix->name_off;
}

int plan_index_build(plan_index *ix, const void *base, size_t n,
                     size_t stride, size_t name_off)
{
    size_t slots = 8, i, h;

    while (slots < 2 * n)
        slots *= 2;
    ix->slot = calloc(slots, sizeof(*ix->slot));
    if (!ix->slot)
        return -1;
    ix->mask = slots - 1;
    ix->base = base;
    ix->stride = stride;
    ix->name_off = name_off;
    for (i = 0; i < n; i++) {
        const char *name = index_name(ix, i);

        /* linear probing; a name already there keeps its first place */
        for (h = name_hash(name) & ix->mask; ix->slot[h];
             h = (h + 1) & ix->mask)
            if (strcmp(index_name(ix, ix->slot[h] - 1), name) == 0)
                break;
        if (!ix->slot[h])
            ix->slot[h] = i + 1;
        else
            ix->nr_twice++;
    }
    return 0;
}

size_t plan_index_find(const plan_index *ix, const char *name)
{
    size_t h;

    for (h = name_hash(name) & ix->mask; ix->slot[h];
         h = (h + 1) & ix->mask)
        if (strcmp(index_name(ix, ix->slot[h] - 1), name) == 0)
            return ix->slot[h] - 1;
    return PLAN_NO_INDEX;
}

void plan_index_dispose(plan_index *ix)
{
    free(ix->slot);
    memset(ix, 0, sizeof(*ix));
}

void plan_map_and(xs_cpumap *dst, const xs_cpumap *src)
{
    size_t i;

    for (i = 0; i < HV_MAX_CPUS / 64; i++)
        dst->bits[i] &= src->bits[i];
}

const xs_cpumap plan_no_cpus;

/* The words of m that the hash looks at, mixed (splitmix64's finish). */
static size_t map_hash(const xs_cpumap *m, size_t words)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    size_t i;

    for (i = 0; i < words; i++)
        h = (h ^ m->bits[i]) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebULL;
    return (size_t)(h ^ (h >> 29));
}

/* The slot of m in slot (mask): where it is, or the empty one for it. */
static size_t map_slot(const xs_cpumap **slot, size_t mask, size_t words,
                       const xs_cpumap *m)
{
    size_t h;

    for (h = map_hash(m, words) & mask; slot[h];
         h = (h + 1) & mask)
        if (memcmp(slot[h], m, sizeof(*m)) == 0)
            break;
    return h;
}

/* Twice the slots (at least 16), every stored set hashed again. */
static int map_ix_grow(plan_map_ix *x)
{
    size_t slots = x->slot ? 2 * (x->mask + 1) : 16, i;
    const xs_cpumap **v = calloc(slots, sizeof(*v));

    if (!v)
        return -1;
    for (i = 0; x->slot && i <= x->mask; i++)
        if (x->slot[i])
            v[map_slot(v, slots - 1, x->words, x->slot[i])] = x->slot[i];
    free(x->slot);
    x->slot = v;
    x->mask = slots - 1;
    return 0;
}

const xs_cpumap *plan_map_keep(plan_work *w, const xs_cpumap *m)
{
    plan_map_ix *x = &w->maps;
    plan *p = w->out;
    xs_cpumap *copy;
    size_t h;

    if ((!x->slot || 2 * (x->nr + 1) > x->mask + 1) && map_ix_grow(x))
        return NULL;
    h = map_slot(x->slot, x->mask, x->words, m);
    if (x->slot[h])
        return x->slot[h];
    if (p->nr_maps == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 8;
        xs_cpumap **v = realloc(p->maps, cap * sizeof(*v));

        if (!v)
            return NULL;
        p->maps = v;
        x->cap = cap;
    }
    copy = malloc(sizeof(*copy));
    if (!copy)
        return NULL;
    *copy = *m;
    p->maps[p->nr_maps++] = copy;
    x->slot[h] = copy;
    x->nr++;
    return copy;
}

size_t plan_map_words(const xs_cpumap *m)
{
    size_t n = HV_MAX_CPUS / 64;

    while (n && !m->bits[n - 1])
        n--;
    return n;
}

/*
 * a is read only where b has pCPUs (one cache line of a 512-pCPU host,
 * not eight): a snapshot of thousands of domains is too big to cache.
 */
bool plan_map_and_is(const xs_cpumap *a, const xs_cpumap *b,
                     size_t b_words, const xs_cpumap *want)
{
    size_t i;

    for (i = 0; i < b_words; i++) {
        uint64_t in = b->bits[i];

        if ((in ? a->bits[i] & in : 0) != want->bits[i])
            return false;
    }
    for (; i < HV_MAX_CPUS / 64; i++)
        if (want->bits[i])
            return false;
    return true;
}

bool plan_map_same_within(const xs_cpumap *a, const xs_cpumap *b,
                          const xs_cpumap *within, size_t within_words)
{
    size_t i;

    for (i = 0; i < within_words; i++) {
        uint64_t in = within->bits[i];

        if (in && ((a->bits[i] ^ b->bits[i]) & in))
            return false;
    }
    return true;
}
