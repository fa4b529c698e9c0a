/*
 * cmd_show.c - xenshift show: the timelines xenshiftd kept.
 *
 *   xenshift show [-d DIR] [-j]          list them, oldest first
 *   xenshift show [-d DIR] [-j] ID|last  the path of one
 *
 * xenshiftd draws every transition it runs into DIR/ID.svg (ID: the
 * request's, as apply printed it) and keeps the newest few; DIR is
 * xenshiftd's --timelines, /var/lib/xenshift/timelines by default.
 * One timeline is given as its path, for a viewer: xdg-open "$(xenshift
 * show last)".
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "timeline.h"
#include "xenshift.h"

static int show_opts(xs_cli *cli, const xs_cmd *self, int argc, char **argv,
                     const char **dir)
{
    static const struct option opts[] = {
        { "dir", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            *dir = optarg;
            break;
        case 'j':
            cli->json = true;
            break;
        case 'h':
            CMD_Usage(stdout, cli->progname, self);
            return XS_EXIT_OK;
        case ':':
            return CMD_UsageError(cli, self, "option '%s' needs an argument",
                                  argv[optind - 1]);
        default:
            if (optopt)
                return CMD_UsageError(cli, self, "unknown option '-%c'",
                                      optopt);
            return CMD_UsageError(cli, self, "unknown option '%s'",
                                  argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return CMD_UsageError(cli, self, "unexpected argument '%s'",
                              argv[optind + 1]);
    return -1;
}

/* Path and title of each entry; a title that cannot be read stays "". */
static out_timeline *describe(const char *dir, const tl_entry *e, size_t nr)
{
    out_timeline *o = calloc(nr ? nr : 1, sizeof(*o));
    xs_err err;
    size_t i;

    for (i = 0; o && i < nr; i++) {
        snprintf(o[i].id, sizeof(o[i].id), "%s", e[i].id);
        snprintf(o[i].path, sizeof(o[i].path), "%s/%s.svg", dir, e[i].id);
        o[i].mtime = e[i].mtime;
        if (TL_ReadTitle(o[i].path, o[i].title, sizeof(o[i].title), &err))
            o[i].title[0] = '\0';
    }
    return o;
}

int CMD_Show(xs_cli *cli, int argc, char **argv)
{
    const xs_cmd *self = CMD_Find("show");
    const char *dir = TL_DEFAULT_DIR, *id;
    out_timeline *o = NULL;
    tl_entry *e = NULL;
    size_t nr = 0, i;
    xs_err err;
    int rc = show_opts(cli, self, argc, argv, &dir);

    if (rc >= 0)
        return rc;
    rc = XS_EXIT_FAIL;
    /* No directory yet: xenshiftd has drawn nothing. */
    if (TL_ListDir(dir, &e, &nr, &err) && errno != ENOENT) {
        OUT_Fail(cli, OUT_FAIL_TIMELINE, &err, NULL);
        goto out;
    }
    o = describe(dir, e, nr);
    if (!o) {
        OUT_Failf(cli, OUT_FAIL_INTERNAL, "out of memory");
        goto out;
    }
    if (optind == argc) {
        if (cli->json)
            OUT_TimelinesJson(stdout, dir, o, nr);
        else
            OUT_Timelines(stdout, dir, o, nr);
        rc = XS_EXIT_OK;
        goto out;
    }
    id = argv[optind];
    for (i = nr; i-- > 0;)
        if (!strcmp(o[i].id, id) || (!strcmp(id, "last") && i == nr - 1))
            break;
    if (i == (size_t)-1) {
        OUT_Failf(cli, OUT_FAIL_TIMELINE, "no timeline %s in %s%s", id, dir,
                  nr ? "" : " (it holds none)");
        goto out;
    }
    if (cli->json)
        OUT_TimelineJson(stdout, &o[i]);
    else
        printf("%s\n", o[i].path);
    rc = XS_EXIT_OK;
out:
    free(o);
    free(e);
    return rc;
}
