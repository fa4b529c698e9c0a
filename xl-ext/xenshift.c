/*
 * xenshift.c - main(): global options, then the command from the table.
 *
 *   xenshift [-c FILE] [--sim FIXTURE] [-v] [-j] COMMAND [ARGS...]
 *
 * main() owns the only process-wide state (the xs_cli record); the
 * commands get it by pointer.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lock.h"
#include "xenshift.h"

static void main_usage(FILE *f, const char *prog)
{
    fprintf(f, "Usage: %s [-c FILE] [--sim FIXTURE [--sim-state FILE]] [-v] [-j] COMMAND "
            "[ARGS]\n\n", prog);
    fprintf(f, "Re-divide the memory and CPUs of running Xen domains by "
            "phase.\n\n");
    fprintf(f, "Options:\n"
            "  -c, --config FILE    the phase table (default %s)\n"
            "      --sim FIXTURE    use a simulated host loaded from FIXTURE\n"
            "      --sim-state FILE keep the simulated host in FILE between "
            "runs\n"
            "  -j, --json           machine-readable output\n"
            "  -v, --verbose        more detail (repeatable)\n"
            "  -h, --help           this help\n\n", XS_DEFAULT_CONFIG);
    fprintf(f, "Commands:\n");
    CMD_List(f);
    fprintf(f, "\nSee '%s help COMMAND' for a command's options.\n", prog);
}

static int global_usage_error(const char *prog, const char *what,
                              const char *opt)
{
    fprintf(stderr, "%s: %s '%s'\nSee '%s help'.\n", prog, what, opt, prog);
    return XS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "sim", required_argument, NULL, 'S' },
        { "sim-state", required_argument, NULL, 'P' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    xs_cli cli = {
        .config = XS_DEFAULT_CONFIG,
        .progname = "xenshift",
    };
    const xs_cmd *cmd;
    char shortopt[3] = "-?";
    int opt;

    /*
     * '+': stop at the command, its options are its own; ':': tell a
     * missing argument from an unknown option.
     */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:c:jvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cli.config = optarg;
            break;
        case 'S':
            cli.sim = optarg;
            break;
        case 'P':
            cli.sim_state = optarg;
            break;
        case 'j':
            cli.json = true;
            break;
        case 'v':
            cli.verbose++;
            break;
        case 'h':
            main_usage(stdout, cli.progname);
            return XS_EXIT_OK;
        case ':':
            return global_usage_error(cli.progname, "missing argument to",
                                      argv[optind - 1]);
        default:
            if (optopt) {
                shortopt[1] = (char)optopt;
                return global_usage_error(cli.progname, "unknown option",
                                          shortopt);
            }
            return global_usage_error(cli.progname, "unknown option",
                                      argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        main_usage(stderr, cli.progname);
        return XS_EXIT_USAGE;
    }
    cmd = CMD_Find(argv[optind]);
    if (!cmd)
        return global_usage_error(cli.progname, "unknown command",
                                  argv[optind]);
    cli.command = cmd->name;
    if (cli.sim_state && !cli.sim)
        return global_usage_error(cli.progname, "--sim FIXTURE is needed "
                                  "with", "--sim-state");
    /* The command sees argv[0] = its name, as xl's commands do. */
    argc -= optind;
    argv += optind;
    if (cli.sim_state && !(cmd->reads_shared &&
                           cmd->reads_shared(argc, argv))) {
        char path[4200], holder[128];
        xs_lock lock;
        xs_err err;
        int rc;

        /* One command at a time on a saved simulated host. */
        LOCK_Init(&lock);
        snprintf(path, sizeof(path), "%s.lock", cli.sim_state);
        if (LOCK_Take(&lock, path, "xenshift", true, holder, sizeof(holder),
                      &err)) {
            OUT_Failf(&cli, OUT_FAIL_LOCK, "%s", err.msg);
            return XS_EXIT_FAIL;
        }
        /* apply lets it go while a --sim-state xenshiftd works. */
        cli.sim_lock = &lock;
        rc = cmd->fn(&cli, argc, argv);
        LOCK_Release(&lock);
        return rc;
    }
    return cmd->fn(&cli, argc, argv);
}
