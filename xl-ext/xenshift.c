/*
 * xenshift.c - main(): global options, then the command from the table.
 *
 *   xenshift [-c FILE] [--sim FIXTURE] [-v] [-j] COMMAND [ARGS...]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenshift.h"

static void main_usage(FILE *f, const char *prog)
{
    size_t i;

    fprintf(f, "Usage: %s [-c FILE] [--sim FIXTURE] [-v] [-j] COMMAND "
            "[ARGS]\n\n", prog);
    fprintf(f, "Re-divide the memory and CPUs of running Xen domains by "
            "phase.\n\n");
    fprintf(f, "Options:\n"
            "  -c, --config FILE    the phase table (default %s)\n"
            "      --sim FIXTURE    use a simulated host loaded from FIXTURE\n"
            "  -j, --json           machine-readable output\n"
            "  -v, --verbose        more detail\n"
            "  -h, --help           this help\n\n", XS_DEFAULT_CONFIG);
    fprintf(f, "Commands:\n");
    for (i = 0; xs_cmds[i].name; i++)
        fprintf(f, "  %-10s %s\n", xs_cmds[i].name, xs_cmds[i].summary);
    fprintf(f, "\nSee '%s help COMMAND' for a command's options.\n", prog);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "sim", required_argument, NULL, 'S' },
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
    int opt;

    /* '+': stop at the command; its options are its own. */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+c:jvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cli.config = optarg;
            break;
        case 'S':
            cli.sim = optarg;
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
        default:
            if (optopt && strchr("c", optopt))
                fprintf(stderr, "%s: option -%c needs an argument\n",
                        cli.progname, optopt);
            else if (optopt)
                fprintf(stderr, "%s: unknown option -%c\n", cli.progname,
                        optopt);
            else
                fprintf(stderr, "%s: unknown or incomplete option '%s'\n",
                        cli.progname, argv[optind - 1]);
            fprintf(stderr, "See '%s help'.\n", cli.progname);
            return XS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        main_usage(stderr, cli.progname);
        return XS_EXIT_USAGE;
    }
    cmd = CMD_Find(argv[optind]);
    if (!cmd) {
        fprintf(stderr, "%s: unknown command '%s'\nSee '%s help'.\n",
                cli.progname, argv[optind], cli.progname);
        return XS_EXIT_USAGE;
    }
    /* The command sees argv[0] = its name, as xl's commands do. */
    argc -= optind;
    argv += optind;
    return cmd->fn(&cli, argc, argv);
}
