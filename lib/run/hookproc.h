/*
 * hookproc.h - one hook as a process (hookproc.c), for the hook runner
 * (hooks.c): not a public interface.
 */
#ifndef XENSHIFT_HOOKPROC_H
#define XENSHIFT_HOOKPROC_H

#include "err.h"
#include "hooks.h"

/*
 * Run the hook at path with argv and envp into r (its name set by the
 * caller), within o's time limit and output cap; maxfd bounds the
 * child's close loop.  Returns 0 when it ran (whatever it did), -1 with
 * err set when it could not be started or waited for (r says so too:
 * START_FAILED).
 */
int HOOKPROC_Run(const hook_opts *o, const char *path, char **argv,
                 char **envp, int maxfd, hook_result *r, xs_err *err);

#endif
