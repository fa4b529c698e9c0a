/*
 * sim_state.c - a simulated host shared through its state file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "hv_sim.h"
#include "sim_state.h"

/*
 * The file's contents, hashed (FNV-1a): a name, inode or mtime can be
 * the same for two versions (inodes are reused, mtimes are coarse).
 * false when the file cannot be read.
 */
static bool file_hash(const char *path, uint64_t *hash)
{
    unsigned char buf[8192];
    uint64_t x = 1469598103934665603ULL;
    ssize_t n, i;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return false;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        for (i = 0; i < n; i++)
            x = (x ^ buf[i]) * 1099511628211ULL;
    close(fd);
    if (n < 0)
        return false;
    *hash = x;
    return true;
}

int SIMST_Init(simst *s, hv *h, const char *path, xs_lock *lock,
               const char *who, xs_err *err)
{
    char dir[4096];

    memset(s, 0, sizeof(*s));
    s->h = h;
    s->who = who;
    LOCK_Init(&s->own);
    s->lock = lock ? lock : &s->own;
    s->notify_fd = -1;
    /* Absolute: a daemon changes its directory to / when it detaches. */
    if (path[0] != '/' && !getcwd(dir, sizeof(dir))) {
        ERR_Set(err, "%s: getcwd: %s", path, strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(s->path, sizeof(s->path), "%s%s%s",
                         path[0] == '/' ? "" : dir,
                         path[0] == '/' ? "" : "/", path) >= sizeof(s->path)) {
        ERR_Set(err, "%s: the path is too long", path);
        return -1;
    }
    snprintf(s->lock_path, sizeof(s->lock_path), "%s.lock", s->path);
    s->base = strrchr(s->path, '/') + 1;
    s->have_seen = file_hash(s->path, &s->seen);
    snprintf(dir, sizeof(dir), "%s", s->path);
    s->notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    /* A save renames the file into place; an editor may write it. */
    if (s->notify_fd < 0 ||
        inotify_add_watch(s->notify_fd, dirname(dir),
                          IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
        ERR_Set(err, "%s: cannot watch its directory: %s", path,
                strerror(errno));
        SIMST_Dispose(s);
        return -1;
    }
    return 0;
}

void SIMST_Dispose(simst *s)
{
    if (s->notify_fd >= 0)
        close(s->notify_fd);
    s->notify_fd = -1;
    LOCK_Release(&s->own);
}

int SIMST_Refresh(simst *s, xs_err *err)
{
    uint64_t hash;

    if (!file_hash(s->path, &hash) || (s->have_seen && hash == s->seen))
        return 0;
    if (HVSIM_Load(s->h, s->path, err))
        return -1;
    /* What was loaded may be newer than the hash: then it loads again. */
    s->seen = hash;
    s->have_seen = true;
    return 0;
}

int SIMST_Lock(simst *s, xs_err *err)
{
    char holder[128];

    if (s->lock->fd < 0 &&
        LOCK_Take(s->lock, s->lock_path, s->who, true, holder,
                  sizeof(holder), err))
        return -1;
    return SIMST_Refresh(s, err);
}

int SIMST_Save(simst *s, xs_err *err)
{
    if (HVSIM_Save(s->h, s->path, err))
        return -1;
    s->have_seen = file_hash(s->path, &s->seen);
    return 0;
}

int SIMST_Unlock(simst *s, xs_err *err)
{
    int rc = 0;

    if (s->lock->fd < 0)
        return 0;
    rc = SIMST_Save(s, err);
    LOCK_Release(s->lock);
    return rc;
}

int SIMST_Fd(const simst *s)
{
    return s->notify_fd;
}

bool SIMST_Changed(simst *s)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    const struct inotify_event *ev;
    bool ours = false;
    uint64_t hash;
    ssize_t n, i;

    /* Other files of the directory (FILE.lock, FILE.new, ...) are not news. */
    while ((n = read(s->notify_fd, buf, sizeof(buf))) > 0) {
        for (i = 0; i < n; i += (ssize_t)(sizeof(*ev) + ev->len)) {
            ev = (const struct inotify_event *)(buf + i);
            /* An overflow may have eaten ours: look. */
            if ((ev->mask & IN_Q_OVERFLOW) ||
                (ev->len && strcmp(ev->name, s->base) == 0))
                ours = true;
        }
    }
    return ours && file_hash(s->path, &hash) &&
           (!s->have_seen || hash != s->seen);
}
