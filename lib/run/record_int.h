/*
 * record_int.h - helpers record.c gives record_restore.c (comparing and
 * the way back both look domains and cpupools up in a record).
 */
#ifndef XENSHIFT_RECORD_INT_H
#define XENSHIFT_RECORD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* The recorded cpupool of that name, or NULL. */
const rec_pool *rec_pool_by_name(const rec_record *r, const char *name);
/* The same domain now: same domid and name (a new one is another). */
const hv_domain *rec_dom_now(const hv_domain *v, size_t n,
                             const rec_domain *d);
/* A node mask as a list such as "0,2". */
void rec_fmt_nodes(uint64_t m, char *buf, size_t len);

#endif
