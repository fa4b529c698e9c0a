/*
 * test_lock.c - the host's transition lock (lib/base/lock.c): taken,
 * refused to a second taker with the holder's name, and probed without
 * being taken, as status does to tell a live transition from a dead one.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "tap.h"

int main(void)
{
    char dir[] = "/tmp/xenshift-lockXXXXXX", path[256], holder[128];
    char want[64];
    xs_lock l, other;
    xs_err err;
    struct stat st;

    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/run/transition.lock", dir);
    snprintf(want, sizeof(want), "test-lock %ld", (long)getpid());
    LOCK_Init(&l);
    LOCK_Init(&other);

    is_int(LOCK_Probe(path, holder, sizeof(holder), &err), 0,
           "no lock file: no holder");
    ok(stat(path, &st) != 0, "... and the probe did not create it");

    is_int(LOCK_Take(&l, path, "test-lock", false, holder, sizeof(holder),
                     &err), 0, "taken (its directory made)");
    holder[0] = '\0';
    is_int(LOCK_Probe(path, holder, sizeof(holder), &err), LOCK_BUSY,
           "probed while held: busy");
    is_str(holder, want, "... naming the holder and its pid");
    is_int(LOCK_Take(&other, path, "second", false, holder, sizeof(holder),
                     &err), LOCK_BUSY, "a second taker is refused");
    is_str(holder, want, "... with the holder's name");
    is_int(LOCK_Take(&l, path, "test-lock", false, holder, sizeof(holder),
                     &err), LOCK_BUSY, "the probe took nothing away");

    LOCK_Release(&l);
    is_int(LOCK_Probe(path, holder, sizeof(holder), &err), 0,
           "released: no holder");
    is_int(LOCK_Take(&other, path, "second", false, holder, sizeof(holder),
                     &err), 0, "... and the next taker gets it");
    LOCK_Release(&other);

    is_int(LOCK_Probe("/dev/null/transition.lock", holder, sizeof(holder),
                      &err), -1, "a path that cannot be opened: cannot tell");
    ok(strstr(err.msg, "cannot open the lock /dev/null/transition.lock") !=
       NULL, "... and says why (%s)", err.msg);

    unlink(path);
    snprintf(path, sizeof(path), "%s/run", dir);
    rmdir(path);
    rmdir(dir);
    return done_testing();
}
