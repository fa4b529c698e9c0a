/*
 * hvcount.h - where a transition of xenshiftd spends its hypervisor
 * calls, from the request to its answer (XENSHIFT_HV_TIMES, as for
 * xenshift): the calls counted at four moments, and the log's lines.
 * Counted only when the host's times were started (HV_TimesStart).
 */
#ifndef XENSHIFTD_HVCOUNT_H
#define XENSHIFTD_HVCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv.h"
#include "log.h"

typedef enum hvc_mark {
    HVC_FIRST_STEP,             /* the first step began */
    HVC_CAPACITY,               /* the executor said capacity */
    HVC_ANSWERED,               /* the answer's final state written */
    HVC_NR_MARKS
} hvc_mark;

typedef struct hvc_count {
    bool on;                    /* counting since HVC_Begin */
    bool set[HVC_NR_MARKS];
    size_t calls[HVC_NR_MARKS]; /* calls made before the moment */
    size_t writes[HVC_NR_MARKS];/* of them, xenstore writes and clears */
    uint64_t at_us[HVC_NR_MARKS];
} hvc_count;

/* From now (a request is looked at while idle): counts start again. */
void HVC_Begin(hvc_count *c, hv *h);
/* The first time only; nothing unless counting. */
void HVC_Mark(hvc_count *c, hv *h, hvc_mark m);
/* One line of counts, and with trace every call kept, into the log. */
void HVC_Log(const hvc_count *c, hv *h, dlog *log, bool trace);

#endif
