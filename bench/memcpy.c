/*
 * memcpy.c - dom0's memory bandwidth, the yardstick for the relocation
 * benchmark (bench/relocate-xen.sh): copies a 64 MiB buffer until a
 * second has passed and prints "memcpy_mib_s N".  Run inside dom0 on
 * the test bed, in the same boot as the moves it is compared with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUF_MIB 64

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    size_t len = (size_t)BUF_MIB << 20;
    char *src = malloc(len), *dst = malloc(len);
    double t0, t;
    unsigned long copies = 0;

    if (!src || !dst) {
        fprintf(stderr, "memcpy: cannot allocate 2 x %d MiB\n", BUF_MIB);
        return 1;
    }
    /* touch both first: the page faults are not the copy's */
    memset(src, 0x5a, len);
    memset(dst, 0, len);
    t0 = now_s();
    do {
        memcpy(dst, src, len);
        src[copies % len]++;        /* keep the copies honest */
        copies++;
        t = now_s();
    } while (t - t0 < 1.0);
    if (dst[len / 2] != 0x5a && dst[len / 2] != 0x5b) {
        fprintf(stderr, "memcpy: copy went wrong\n");
        return 1;
    }
    printf("memcpy_mib_s %.0f\n", (double)copies * BUF_MIB / (t - t0));
    return 0;
}
