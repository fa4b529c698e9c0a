/*
 * lock.c - the host's transition lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"

void LOCK_Init(xs_lock *l)
{
    l->fd = -1;
}

static void make_parent(const char *path)
{
    char dir[4096], *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        (void)mkdir(dir, 0755);     /* exists already: fine */
    }
}

static void read_holder(int fd, char *buf, size_t len)
{
    ssize_t n;

    if (!len)
        return;
    n = pread(fd, buf, len - 1, 0);
    if (n <= 0) {
        snprintf(buf, len, "unknown");
        return;
    }
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

int LOCK_Take(xs_lock *l, const char *path, const char *who, bool wait,
              char *holder, size_t holder_len, xs_err *err)
{
    char line[128];
    int fd, n;

    make_parent(path);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        ERR_Set(err, "cannot open the lock %s: %s", path, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) {
        if (errno == EINTR && wait)
            continue;
        if (errno == EWOULDBLOCK) {
            read_holder(fd, holder, holder_len);
            close(fd);
            return LOCK_BUSY;
        }
        ERR_Set(err, "cannot take the lock %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    n = snprintf(line, sizeof(line), "%s %ld\n", who, (long)getpid());
    if (ftruncate(fd, 0) || pwrite(fd, line, (size_t)n, 0) != n) {
        ERR_Set(err, "cannot write the lock %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    l->fd = fd;
    return 0;
}

int LOCK_Probe(const char *path, char *holder, size_t holder_len,
               xs_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT)
        return 0;
    if (fd < 0) {
        ERR_Set(err, "cannot open the lock %s: %s", path, strerror(errno));
        return -1;
    }
    /* A shared lock is refused while a holder has its exclusive one. */
    if (flock(fd, LOCK_SH | LOCK_NB)) {
        int saved = errno;

        if (saved == EWOULDBLOCK) {
            read_holder(fd, holder, holder_len);
            close(fd);
            return LOCK_BUSY;
        }
        ERR_Set(err, "cannot test the lock %s: %s", path, strerror(saved));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

void LOCK_Release(xs_lock *l)
{
    if (l->fd < 0)
        return;
    /* Empty it first: whoever reads it next must not see us. */
    if (ftruncate(l->fd, 0) < 0) {
        /* nothing to do: the lock itself goes with close() */
    }
    close(l->fd);
    l->fd = -1;
}
