/*
 * units.h - memory sizes as people write them, and times as they read
 * them.
 */
#ifndef XENSHIFT_UNITS_H
#define XENSHIFT_UNITS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * The largest size xenshift takes: 1 PiB, in KiB.  No Xen host comes
 * near it, and sizes this small leave room for every sum and product
 * the planner makes (a product of two sizes goes through UNITS_MulDiv).
 */
#define UNITS_MAX_KIB (1ULL << 40)
#define UNITS_MAX_TEXT "1024 TiB"

/*
 * Parse "512M", "1G", "64MiB", "1024K", "2T" (binary multiples for both
 * spellings, like xl).  A bare number is refused: say the unit.
 * Above UNITS_MAX_KIB is refused.  Returns 0, or -1 with a message in
 * why.
 */
int UNITS_ParseSize(const char *s, uint64_t *kib, char *why, size_t whylen);

/*
 * A whole count of MiB (a size written as a bare JSON integer) in KiB;
 * -1 when it is above UNITS_MAX_KIB.
 */
int UNITS_MibToKib(uint64_t mib, uint64_t *kib);

/* a + b, or UINT64_MAX when that does not fit: sums that cannot wrap. */
uint64_t UNITS_AddSat(uint64_t a, uint64_t b);

/*
 * a * b / c without the product overflowing (c > 0); UINT64_MAX when the
 * result itself does not fit.  For shares such as "on the node times
 * what stays over what it has".
 */
uint64_t UNITS_MulDiv(uint64_t a, uint64_t b, uint64_t c);

/* "128 MiB", "1.5 GiB", "512 KiB": shortest exact-or-one-decimal form. */
const char *UNITS_FormatSize(uint64_t kib, char *buf, size_t len);

/*
 * MiB, xl's unit, for tables: "1280 MiB" when the size is a whole number
 * of MiB, else two decimals rounded up ("1296.73 MiB", "0.01 MiB" for
 * 4 KiB), so that a size that is not whole never reads as one and a
 * size that is not zero never reads as zero.
 */
const char *UNITS_FormatMiB(uint64_t kib, char *buf, size_t len);

/* t on the local clock as strftime's fmt writes it; "@SECONDS" if not. */
const char *UNITS_FormatTime(time_t t, const char *fmt, char *buf,
                             size_t len);

#endif
