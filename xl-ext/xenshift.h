/*
 * xenshift.h - shared declarations of the xenshift command.
 */
#ifndef XENSHIFT_CLI_H
#define XENSHIFT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "exec.h"
#include "hv.h"
#include "plan.h"
#include "snapshot.h"
#include "table.h"

#define XS_DEFAULT_CONFIG "/etc/xenshift/xenshift.json"

/* Exit codes, as xl. */
#define XS_EXIT_OK 0
#define XS_EXIT_FAIL 1
#define XS_EXIT_USAGE 2

/* Options that come before the command. */
typedef struct xs_cli {
    const char *config;         /* -c FILE */
    const char *sim;            /* --sim FIXTURE, or NULL: the real host */
    bool json;                  /* -j */
    int verbose;                /* -v, repeatable */
    const char *progname;
} xs_cli;

typedef struct xs_cmd {
    const char *name;
    int (*fn)(xs_cli *cli, int argc, char **argv);
    const char *summary;
    const char *usage;          /* arguments after the command name */
    const char *options;        /* one option per line, or "" */
} xs_cmd;

/* cmd_table.c */
extern const xs_cmd xs_cmds[];
const xs_cmd *CMD_Find(const char *name);
void CMD_Usage(FILE *f, const char *progname, const xs_cmd *cmd);
int CMD_UsageError(xs_cli *cli, const xs_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* output.c: text and JSON renderings */
const char *OUT_Size(uint64_t kib, char *buf, size_t len);
void OUT_Error(const xs_cli *cli, const xs_err *err, const char *context);
void OUT_Phases(FILE *f, const tbl_table *t);
void OUT_PhasesJson(FILE *f, const tbl_table *t);
void OUT_Plan(FILE *f, const plan *p);
void OUT_PlanJson(FILE *f, const plan *p);
void OUT_Report(FILE *f, const plan *p, const exec_report *r);
void OUT_ReportJson(FILE *f, const plan *p, const exec_report *r);

/* A phase and whether the host is in it now (for status). */
typedef struct xs_phase_match {
    const char *name;
    bool matches;
    char why[1024];             /* first difference, or why not plannable */
} xs_phase_match;

void OUT_Status(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                const xs_phase_match *m, size_t nr, const char *driver);
void OUT_StatusJson(FILE *f, const xs_snapshot *snap, const tbl_table *t,
                    const xs_phase_match *m, size_t nr, const char *driver);

#endif
