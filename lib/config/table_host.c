/*
 * table_host.c - TBL_CheckHost: a table that parsed is held against the
 * host it is to run on (node and pCPU numbers, what each domain was
 * built with, the memory the phases need).  Kept apart from table.c,
 * which reads and checks the file alone, without a host.
 */
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "units.h"

int TBL_CheckHost(const tbl_table *t, const hv_host *host,
                  const hv_domain *doms, size_t nr_doms, xs_err *err)
{
    size_t p, i, d;
    char a[32], b[32], cc[32];

    for (p = 0; p < t->nr_phases; p++) {
        const tbl_phase *ph = &t->phases[p];
        uint64_t total = 0, held = 0, avail, xen;
        unsigned dedicated = 0;

        /* Memory: the phase's domains at their phase size, the rest as
         * they are now (dom0 included). */
        for (d = 0; d < nr_doms; d++) {
            const tbl_alloc *al = TBL_FindAlloc(ph, doms[d].name);

            total = UNITS_AddSat(total, al ? al->memory_kib
                                           : doms[d].mem_kib);
        }
        for (i = 0; i < ph->nr_allocs; i++) {
            const tbl_alloc *al = &ph->allocs[i];
            const hv_domain *run = NULL;

            for (d = 0; d < nr_doms; d++)
                if (strcmp(doms[d].name, al->domain) == 0)
                    run = &doms[d];
            if (run && run->static_max_kib &&
                al->memory_kib > run->static_max_kib) {
                ERR_SetAt(err, t->path, al->memory_pos.line,
                          al->memory_pos.col, "phase \"%s\" domain \"%s\": "
                          "memory %s is above the %s the domain was built "
                          "with (its static max; Xen cannot grow it past "
                          "that)", ph->name, al->domain,
                          UNITS_FormatSize(al->memory_kib, a, 32),
                          UNITS_FormatSize(run->static_max_kib, b, 32));
                return -1;
            }
            if (run && run->vcpus_max && al->vcpus != TBL_KEEP &&
                (unsigned)al->vcpus > run->vcpus_max) {
                ERR_SetAt(err, t->path, al->vcpus_pos.line,
                          al->vcpus_pos.col, "phase \"%s\" domain \"%s\": "
                          "vcpus %d is above the %u the domain was built "
                          "with (its maxvcpus; Xen cannot add more)",
                          ph->name, al->domain, al->vcpus, run->vcpus_max);
                return -1;
            }
            if (al->node != TBL_KEEP && (unsigned)al->node >= host->nr_nodes) {
                ERR_SetAt(err, t->path, al->node_pos.line, al->node_pos.col,
                          "phase \"%s\" domain \"%s\": node %d does not "
                          "exist (the host has %u)", ph->name, al->domain,
                          al->node, host->nr_nodes);
                return -1;
            }
            if (al->cpus != TBL_CPUS_DEDICATED)
                continue;
            dedicated += al->pcpu_count;
            if (al->has_pcpu_list) {
                int missing = CPUMAP_Next(&al->pcpu_list, host->nr_cpus);

                if (missing >= 0) {
                    ERR_SetAt(err, t->path, al->pcpus_pos.line,
                              al->pcpus_pos.col, "phase \"%s\" domain "
                              "\"%s\": pCPU %d does not exist (the host has "
                              "%u: 0-%u)", ph->name, al->domain, missing,
                              host->nr_cpus, host->nr_cpus - 1);
                    return -1;
                }
            }
        }
        if (dedicated >= host->nr_cpus) {
            ERR_SetAt(err, t->path, ph->pos.line, ph->pos.col,
                      "phase \"%s\" dedicates %u pCPUs but the host has %u: "
                      "at least one must stay shared (dom0 runs there)",
                      ph->name, dedicated, host->nr_cpus);
            return -1;
        }
        /*
         * Xen's own memory is in no domain: what it uses is the total
         * less what domains hold less what is free.
         */
        for (d = 0; d < nr_doms; d++)
            held = UNITS_AddSat(held, doms[d].mem_kib);
        held = UNITS_AddSat(held, host->free_kib);
        xen = host->total_kib > held ? host->total_kib - held : 0;
        avail = host->total_kib > UNITS_AddSat(t->reserve_kib, xen)
                    ? host->total_kib - t->reserve_kib - xen : 0;
        if (total > avail) {
            char x[32], with_xen[64] = "";

            if (xen)
                snprintf(with_xen, sizeof(with_xen), " and the %s Xen "
                         "uses itself", UNITS_FormatSize(xen, x, 32));
            ERR_SetAt(err, t->path, ph->pos.line, ph->pos.col,
                      "phase \"%s\" needs %s for its domains (with the "
                      "others as they are now) but the host has %s after "
                      "the %s reserve%s", ph->name,
                      UNITS_FormatSize(total, a, 32),
                      UNITS_FormatSize(avail, b, 32),
                      UNITS_FormatSize(t->reserve_kib, cc, 32), with_xen);
            return -1;
        }
    }
    return 0;
}
