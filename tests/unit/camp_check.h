/*
 * camp_check.h - the campaign's promise, checked on the host
 * (test_campaign.c): what a domain and a pool looked like before a run,
 * and the ways the host after it can break the promise.
 */
#ifndef XENSHIFT_TEST_CAMP_CHECK_H
#define XENSHIFT_TEST_CAMP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "hv.h"
#include "table.h"

/* What can be wrong; one bit each (see CCHK_ClassName). */
typedef enum {
    CC_TARGET,          /* failure: balloon target not as recorded */
    CC_MAXMEM,          /* failure: maxmem not as recorded */
    CC_MEMORY,          /* failure: pages not within the tolerance */
    CC_VCPUS,           /* failure: vCPUs online */
    CC_HVM_VCPUS,       /* failure: an HVM guest left with more vCPUs
                           (Xen cannot unplug them) */
    CC_HARD,            /* failure: hard affinity */
    CC_SOFT,            /* failure: soft affinity */
    CC_NODE_AFF,        /* failure: node affinity */
    CC_DOM_POOL,        /* failure: cpupool membership */
    CC_POOLS,           /* failure: a pool added, removed, its pCPUs or
                           scheduler changed */
    CC_UNNAMED,         /* a domain the table does not name changed */
    CC_UNLISTED,        /* reached: a table domain the phase leaves out
                           changed its memory or vCPUs */
    CC_ADMIN_POOL,      /* an administrator's cpupool changed */
    CC_STATUS_DENIES,   /* "reached", but the status predicate says no */
    CC_GONE,            /* a domain gone without a vanish aimed at it */
    CC_REPORT,          /* return code, report and outcome disagree */
    CC_READ,            /* the host could not be read after the run */
    CC_CRASH,           /* the process died (a signal) */
    CC_HANG,            /* the table took longer than its limit */
    CC_NR
} cchk_class;

const char *CCHK_ClassName(cchk_class c);

/*
 * The host through hv: every domain and every pool.
 */
typedef struct cchk_record {
    hv_domain *doms;
    size_t nr_doms;
    hv_pool *pools;
    size_t nr_pools;
} cchk_record;

void CCHK_RecordInit(cchk_record *r);
void CCHK_RecordDispose(cchk_record *r);
int CCHK_Take(hv *h, cchk_record *r);

/* What was found: classes and one "#   ..." line per difference. */
typedef struct cchk_verdict {
    unsigned classes;           /* bits of cchk_class */
    char text[6144];
    size_t len;
} cchk_verdict;

void CCHK_Bad(cchk_verdict *v, cchk_class c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Compare the host after a run (now) with the record before it (was).
 * strict: every domain and pool must be as recorded (a failed or refused
 * run); otherwise (phase reached) domains the table does not name, the
 * memory and vCPUs of table domains the phase leaves out (xenshift.json(5):
 * "left as it is") and the administrator's pools.  gone_ok names the domain that may have
 * vanished (NULL: none); when it did, its own dedicated pool may be gone
 * too, with its pCPUs back in Pool-0 and in other domains' affinity.
 * rep (NULL: none) is the run's report: an HVM guest left with more
 * vCPUs (Xen cannot unplug them) keeps the promise only when rep names
 * that difference ("rolled back with differences"); anything else must
 * be as recorded.
 */
void CCHK_Compare(const cchk_record *was, const cchk_record *now,
                  const tbl_table *t, const char *phase, bool strict,
                  const char *gone_ok, uint64_t tolerance_kib,
                  const exec_report *rep, cchk_verdict *v);

#endif
