/*
 * output_int.h - what the output files share among themselves (not for
 * the commands: they use xenshift.h).
 */
#ifndef XENSHIFT_OUTPUT_INT_H
#define XENSHIFT_OUTPUT_INT_H

#include <stdio.h>

#include "json.h"
#include "reached.h"
#include "xenshift.h"

/* Print the one JSON document of this process and free its writer. */
void OUT_JsonOut(FILE *f, json_writer *w);
/* The "error" object of a failure document (see OUT_Fail). */
void OUT_JsonError(json_writer *w, out_fail_kind kind, const xs_err *err,
                   const char *context);
/* The plan's members of a JSON object (output_plan.c). */
void OUT_JsonPlanBody(json_writer *w, const plan *p);
/* The node goals a phase left unmet, in text and as "node_shortfall". */
void OUT_PutShortfalls(FILE *f, const reach_result *r);
void OUT_JsonShortfalls(json_writer *w, const reach_result *r);

#endif
