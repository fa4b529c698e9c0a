/*
 * sim_state.h - one simulated host shared by processes through its
 * state file (xenshift --sim-state, xenshiftd --sim-state).
 *
 * The file is the host: a process takes FILE.lock (flock), loads the
 * file when it is not the one it last read or wrote, changes the host
 * and saves it before it lets the lock go.  Saves replace the file by
 * rename, so a process may also read it without the lock and always
 * sees a whole host.  What another process wrote reaches the watches
 * of this one's simulated xenstore (HVSIM_Load), so xenshiftd and
 * xenshift talk through it as through xenstored.  An inotify descriptor
 * on the file's directory says when to look again: nobody polls.
 */
#ifndef XENSHIFT_SIM_STATE_H
#define XENSHIFT_SIM_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "hv.h"
#include "lock.h"

typedef struct simst {
    hv *h;                      /* borrowed: a simulated host */
    char path[4096];            /* the state file */
    char lock_path[4200];       /* path.lock */
    const char *base;           /* the file's name in its directory */
    const char *who;            /* written into the lock */
    xs_lock own;
    xs_lock *lock;              /* own, or the caller's */
    int notify_fd;              /* inotify on path's directory */
    bool have_seen;
    uint64_t seen;              /* hash of the file as last read or written */
} simst;

/*
 * Share h through path.  lock: the caller's lock on path.lock (held or
 * not), or NULL for one of this simst's own.  The file h was loaded
 * from, when it exists, counts as seen.
 */
int SIMST_Init(simst *s, hv *h, const char *path, xs_lock *lock,
               const char *who, xs_err *err);
void SIMST_Dispose(simst *s);

/* Take the lock (waiting for it), then load the file if it changed. */
int SIMST_Lock(simst *s, xs_err *err);
/* Save the host, then let the lock go (a no-op when not held). */
int SIMST_Unlock(simst *s, xs_err *err);
/* Save the host and keep the lock: readers see progress. */
int SIMST_Save(simst *s, xs_err *err);
/* Load the file if it changed, without the lock (to read only). */
int SIMST_Refresh(simst *s, xs_err *err);

/* Readable when the file's directory changed: then call SIMST_Changed. */
int SIMST_Fd(const simst *s);
/*
 * Drain SIMST_Fd; true when it told of the file and the file is not
 * the one last seen (its own saves wake a process too).
 */
bool SIMST_Changed(simst *s);

#endif
