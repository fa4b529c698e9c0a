/*
 * hv_sim.h - test hooks of the simulated host (see hv_sim.c, sim_*.c and
 * docs/sim-fixture.md for the fixture format).
 */
#ifndef XENSHIFT_HV_SIM_H
#define XENSHIFT_HV_SIM_H

#include <stdbool.h>

#include "hv.h"

/* What an injected fault does. */
typedef enum {
    HVSIM_FAULT_FAIL,           /* HV_EFAIL */
    HVSIM_FAULT_VANISH,         /* the domain disappears; HV_ENODOMAIN */
    HVSIM_FAULT_NOMEM,          /* HV_ENOMEM */
    HVSIM_FAULT_BUSY,           /* HV_EBUSY */
    HVSIM_FAULT_KILL,           /* the process dies (see HVSIM_SaveOnKill) */
    HVSIM_FAULT_MOVING,         /* pool_remove_cpu cut short: see sim_int.h */
    HVSIM_FAULT_NR
} hvsim_fault_kind;

/*
 * Make the nth (1-based) call of op (an hv_ops member name such as
 * "set_target") for domain (NULL: any domain, or an op without one)
 * fail as kind.  Returns 0, or -1 when the table of faults is full or
 * op is unknown.
 */
int HVSIM_AddFault(hv *h, const char *op, const char *domain, unsigned nth,
                   hvsim_fault_kind kind);

/*
 * Forget every injected fault that has not fired yet, so that a test
 * can read the host after a run without hitting a fault aimed at a call
 * the run never made.
 */
void HVSIM_ClearFaults(hv *h);


/* Jump the simulated wall clock (not the monotonic one) by seconds. */
void HVSIM_JumpClock(hv *h, long long seconds);

/*
 * How a guest's kernel treats its balloon from now on, as the fixture's
 * "floor" and "ignores_balloon" say.  -1 when no such domain runs.
 */
int HVSIM_SetGuest(hv *h, const char *domain, uint64_t floor_kib,
                   bool ignores_balloon);

/*
 * A toolstack process killed mid-transition: after `changes` more calls
 * that change the host or xenstore succeed, every such call fails (reads
 * still work, guests keep ballooning towards what they were told), until
 * HVSIM_Revive.  What was done stays done, as after a SIGKILL.
 */
void HVSIM_Crash(hv *h, unsigned changes);
/*
 * A "kill" fault saves the host to path (HVSIM_Save) and then sends the
 * process SIGKILL, as the OOM killer or kill -9 would stop a real
 * toolstack: what was done stays done, and the next process that loads
 * path finds the host, and xenstore's journal, as the dead one left
 * them.  Without a path the host is not saved.
 */
void HVSIM_SaveOnKill(hv *h, const char *path);
void HVSIM_Revive(hv *h);
/* True once a change was refused because of HVSIM_Crash. */
bool HVSIM_Crashed(hv *h);

/*
 * Write the host as it is now (domains, pools, balloons under way as
 * their current sizes, faults not yet fired, clock, xenstore) as a
 * fixture that HV_OpenSim loads again: consecutive commands can share
 * one simulated host (xenshift --sim-state).
 */
int HVSIM_Save(hv *h, const char *path, xs_err *err);
/*
 * Replace the host of h by the one saved at path (HVSIM_Save), as when
 * another process changed it: domains, pools, faults, clock and
 * xenstore come from the file; h's watches stay, and each xenstore node
 * that appeared, changed or went fires them.  On error h is unchanged.
 */
int HVSIM_Load(hv *h, const char *path, xs_err *err);
/* Simulated wall-clock time, epoch seconds. */
long long HVSIM_WallTime(hv *h);
/*
 * A xenstore node's value (malloc'd), or NULL when there is none.  For
 * tests that look on while a run goes on: unlike HV_XsRead, it is not a
 * call that faults count or fail.
 */
char *HVSIM_XsPeek(hv *h, const char *path);

#endif
