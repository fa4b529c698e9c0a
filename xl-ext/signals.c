/*
 * signals.c - the signals of the commands: for one that changes the
 * host (apply, mem-move) an interrupt asks for a rollback rather than
 * killing it, and a reader that goes away does not end it; status
 * --watch (watch.c) catches its own with the same helpers.
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

/* No SA_RESTART: a blocking call returns with EINTR, sooner seen. */
void CMD_CatchSignals(const int *sigs, size_t n, void (*handler)(int),
                      struct sigaction *saved)
{
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < n; i++)
        sigaction(sigs[i], &sa, &saved[i]);
}

void CMD_RestoreSignals(const int *sigs, size_t n,
                        const struct sigaction *saved)
{
    size_t i;

    for (i = 0; i < n; i++)
        sigaction(sigs[i], &saved[i], NULL);
}

static void on_interrupt(int sig)
{
    apply_interrupted = sig;
}

const volatile int *CMD_CatchInterrupts(struct sigaction *saved)
{
    apply_interrupted = 0;
    CMD_CatchSignals(apply_signals, CMD_NR_INTERRUPTS, on_interrupt, saved);
    return &apply_interrupted;
}

void CMD_RestoreInterrupts(const struct sigaction *saved)
{
    CMD_RestoreSignals(apply_signals, CMD_NR_INTERRUPTS, saved);
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
