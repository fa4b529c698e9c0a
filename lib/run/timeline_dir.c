/*
 * timeline_dir.c - a directory of timelines: xenshiftd keeps its last
 * N transitions there (ID.svg, ID its request's), xenshift show lists
 * them.  Oldest first: by modification time, then by name.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeline.h"

#define SUFFIX ".svg"

static int entry_cmp(const void *a, const void *b)
{
    const tl_entry *x = a, *y = b;

    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->id, y->id);
}

static bool is_timeline(const char *name)
{
    size_t n = strlen(name), s = strlen(SUFFIX);

    /* Any request id makes a name ([A-Za-z0-9._-]), "..svg" too. */
    return n > s && !strcmp(name + n - s, SUFFIX);
}

int TL_ListDir(const char *dir, tl_entry **out, size_t *nr, xs_err *err)
{
    tl_entry *e = NULL, *ne;
    size_t n = 0, cap = 0;
    struct dirent *de;
    struct stat st;
    char path[4200];
    DIR *d;

    *out = NULL;
    *nr = 0;
    d = opendir(dir);
    if (!d) {
        int saved = errno;

        ERR_Set(err, "cannot read %s: %s", dir, strerror(saved));
        errno = saved;          /* ENOENT: the caller may take it as none */
        return -1;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name) - strlen(SUFFIX);

        if (!is_timeline(de->d_name) || len >= sizeof(e->id))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ne = realloc(e, cap * sizeof(*e));
            if (!ne) {
                ERR_Set(err, "out of memory");
                free(e);
                closedir(d);
                return -1;
            }
            e = ne;
        }
        memcpy(e[n].id, de->d_name, len);
        e[n].id[len] = '\0';
        e[n].mtime = st.st_mtime;
        n++;
    }
    closedir(d);
    if (n)
        qsort(e, n, sizeof(*e), entry_cmp);
    *out = e;
    *nr = n;
    return 0;
}

int TL_Prune(const char *dir, size_t keep, xs_err *err)
{
    tl_entry *e;
    char path[4200];
    size_t n, i;
    int rc = 0;

    if (TL_ListDir(dir, &e, &n, err))
        return -1;
    for (i = 0; i + keep < n; i++) {
        snprintf(path, sizeof(path), "%s/%s" SUFFIX, dir, e[i].id);
        if (unlink(path) && errno != ENOENT) {
            ERR_Set(err, "cannot remove %s: %s", path, strerror(errno));
            rc = -1;
        }
    }
    free(e);
    return rc;
}

/* Undo put_text's escapes, in place. */
static void unescape(char *s)
{
    static const struct { const char *ent; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
        { "&quot;", '"' }, { "&apos;", '\'' },
    };
    char *r = s, *w = s;
    size_t i;

    while (*r) {
        bool hit = false;

        for (i = 0; *r == '&' && !hit && i < sizeof(ents) / sizeof(ents[0]);
             i++) {
            size_t n = strlen(ents[i].ent);

            if (!strncmp(r, ents[i].ent, n)) {
                *w++ = ents[i].c;
                r += n;
                hit = true;
            }
        }
        if (!hit)
            *w++ = *r++;
    }
    *w = '\0';
}

/* mkdir -p, for /var/lib/xenshift/timelines on a new host. */
static int make_dirs(const char *dir, xs_err *err)
{
    char path[4200];
    size_t i;

    snprintf(path, sizeof(path), "%s", dir);
    for (i = 1; path[i]; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0755) && errno != EEXIST)
            break;
        path[i] = '/';
    }
    if (mkdir(dir, 0755) && errno != EEXIST) {
        ERR_Set(err, "cannot make the directory %s: %s", dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

int TL_SaveInDir(const tl_timeline *tl, const char *dir, const char *id,
                 size_t keep, char *path, size_t len, xs_err *err)
{
    if (make_dirs(dir, err))
        return -1;
    snprintf(path, len, "%s/%s" SUFFIX, dir, id);
    if (TL_SaveSvg(tl, path, err))
        return -1;
    return TL_Prune(dir, keep, err);
}

int TL_ReadTitle(const char *path, char *buf, size_t len, xs_err *err)
{
    char head[4096], *b, *e;
    size_t n;
    FILE *f = fopen(path, "r");

    if (!f) {
        ERR_Set(err, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    head[n] = '\0';
    b = strstr(head, "<title>");
    e = b ? strstr(b, "</title>") : NULL;
    if (!e) {
        ERR_Set(err, "%s: no title: not a xenshift timeline", path);
        return -1;
    }
    b += strlen("<title>");
    *e = '\0';
    unescape(b);
    /* The title begins "xenshift: ": the program's name says nothing. */
    if (!strncmp(b, "xenshift: ", 10))
        b += 10;
    snprintf(buf, len, "%s", b);
    return 0;
}
