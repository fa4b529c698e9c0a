/*
 * signals.c - the signals of a command that changes the host (apply,
 * mem-move): an interrupt asks for a rollback rather than killing it,
 * and a reader that goes away does not end it.
 */
#include <signal.h>
#include <string.h>

#include "xenshift.h"

/*
 * Ctrl-C, SIGTERM or SIGHUP during apply must not leave the host
 * between two phases: the handler only raises this flag, the executor
 * sees it at its next look at the host and rolls everything back.  A
 * signal handler can only reach a file-scope variable.
 */
static volatile int apply_interrupted;
static const int apply_signals[CMD_NR_INTERRUPTS] = { SIGINT, SIGTERM,
                                                      SIGHUP };

static void on_interrupt(int sig)
{
    apply_interrupted = sig;
}

const volatile int *CMD_CatchInterrupts(struct sigaction *saved)
{
    struct sigaction sa;
    int i;

    apply_interrupted = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < CMD_NR_INTERRUPTS; i++)
        sigaction(apply_signals[i], &sa, &saved[i]);
    return &apply_interrupted;
}

void CMD_RestoreInterrupts(const struct sigaction *saved)
{
    int i;

    for (i = 0; i < CMD_NR_INTERRUPTS; i++)
        sigaction(apply_signals[i], &saved[i], NULL);
}

/*
 * A command that changes the host must not die half-way because the
 * reader of its output went away (apply ... | head): with SIGPIPE
 * ignored the lines are lost, the transition goes on, and the exit code
 * still says how it ended.
 */
void CMD_OutliveReader(void)
{
    signal(SIGPIPE, SIG_IGN);
}
