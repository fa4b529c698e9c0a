/*
 * numadump.h - where a domain's memory lies, from Xen's debug key 'u'.
 *
 * Xen has no hypercall that says how many of a domain's pages are on
 * each NUMA node; its 'u' debug key prints it to the console ring:
 *
 *   (XEN) 'u' pressed -> dumping numa info (now = 96253279337)
 *   (XEN) NODE0 start->0 size->393216 free->208957
 *   ...
 *   (XEN) Memory location of each domain:
 *   (XEN) Domain 2 (total: 131072):        ("d2 (total: 131072):" 4.18+)
 *   (XEN)     Node 0: 65536
 *   (XEN)     Node 1: 65536
 *
 * NUMADUMP_Parse reads the last complete dump in a console text: either
 * header form, console_timestamps= prefixes, other output between the
 * dump's lines.  A domain whose lines are not all there in order (the
 * ring wrapped, another dump ran at the same time) is left out: unknown,
 * never guessed.  A dump cut between two domains at the text's end
 * cannot be told from a complete one; the caller reads after its own
 * debug key returned, when Xen has printed the whole dump.  Pure: no
 * I/O, so it is unit-tested on captures and fuzzed.
 */
#ifndef XENSHIFT_NUMADUMP_H
#define XENSHIFT_NUMADUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "hv.h"

typedef struct numadump_dom {
    uint32_t domid;
    uint64_t total_pages;
    uint64_t node_pages[HV_MAX_NODES];
    unsigned nr_nodes;          /* node lines seen */
} numadump_dom;

/*
 * Parse the last complete dump in text[0..len).  *doms is malloc'd
 * (free()), in the dump's order.  Returns 0, or -1 with err set when
 * there is no complete dump or it lists no domain whole.
 */
int NUMADUMP_Parse(const char *text, size_t len, numadump_dom **doms,
                   size_t *nr, xs_err *err);

/* The entry for domid, or NULL. */
const numadump_dom *NUMADUMP_Find(const numadump_dom *doms, size_t nr,
                                  uint32_t domid);

/*
 * Whether a dump still says where the memory of doms lies: each is in it
 * with as many pages (4 KiB) as its mem_kib says now.  Xen's total there
 * and in the domain info are the same count (domain_tot_pages), so a
 * domain born, ballooned or with a claim since the dump does not match.
 */
bool NUMADUMP_Covers(const numadump_dom *dumped, size_t nr,
                     const hv_domain *doms, size_t nr_doms);

#endif
