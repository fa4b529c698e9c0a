/*
 * lock.h - one transition at a time on a host.
 *
 * An flock(2) on a file in /run: the kernel drops it when its holder
 * dies, however it dies, so a SIGKILL never leaves a stale lock.  The
 * holder writes "WHO PID" into the file for the message of whoever
 * finds it taken.
 */
#ifndef XENSHIFT_LOCK_H
#define XENSHIFT_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define LOCK_DEFAULT_PATH "/run/xenshift/transition.lock"
#define LOCK_BUSY 1

typedef struct xs_lock {
    int fd;                     /* -1: not held */
} xs_lock;

void LOCK_Init(xs_lock *l);
/*
 * Take the lock at path (its directory is created if missing).  With
 * wait, block until it is free.  Returns 0, LOCK_BUSY with holder set to
 * what the holder wrote ("xenshiftd 1234"), or -1 with err set.
 */
int LOCK_Take(xs_lock *l, const char *path, const char *who, bool wait,
              char *holder, size_t holder_len, xs_err *err);
void LOCK_Release(xs_lock *l);
/*
 * Whether a process holds the lock at path, without taking it (nor
 * creating the file): 0 when none does, LOCK_BUSY with holder set, -1
 * with err set when it cannot be told (the file is not readable).
 */
int LOCK_Probe(const char *path, char *holder, size_t holder_len,
               xs_err *err);

#endif
