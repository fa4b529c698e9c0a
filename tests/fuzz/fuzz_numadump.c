/*
 * fuzz_numadump.c - libFuzzer target: Xen's debug key 'u' dump as read
 * from the console ring (NUMADUMP_Parse).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "numadump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    numadump_dom *d = NULL;
    size_t nr = 0, i;
    xs_err err;
    unsigned n;

    ERR_Clear(&err);
    if (NUMADUMP_Parse((const char *)data, size, &d, &nr, &err)) {
        if (!err.msg[0] || d || nr)
            abort();
        return 0;
    }
    if (!nr)
        abort();        /* success means at least one domain */
    for (i = 0; i < nr; i++) {
        /* whole domains only, each once, in the dump's domid order */
        if (!d[i].nr_nodes || d[i].nr_nodes > HV_MAX_NODES)
            abort();
        if (i && d[i].domid <= d[i - 1].domid)
            abort();
        for (n = 0; n < d[i].nr_nodes; n++)
            if (n >= HV_MAX_NODES)
                abort();
    }
    free(d);
    return 0;
}
