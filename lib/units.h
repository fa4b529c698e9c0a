/*
 * units.h - memory sizes as people write them.
 */
#ifndef XENSHIFT_UNITS_H
#define XENSHIFT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse "512M", "1G", "64MiB", "1024K", "2T" (binary multiples for both
 * spellings, like xl).  A bare number is refused: say the unit.
 * Returns 0, or -1 with a message in why.
 */
int UNITS_ParseSize(const char *s, uint64_t *kib, char *why, size_t whylen);

/* "128 MiB", "1.5 GiB", "512 KiB": shortest exact-or-one-decimal form. */
const char *UNITS_FormatSize(uint64_t kib, char *buf, size_t len);

#endif
