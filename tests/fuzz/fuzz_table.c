/*
 * fuzz_table.c - libFuzzer target: the phase-table parser and its
 * checks (TBL_Parse) on any bytes.  Must never crash, leak or read out
 * of bounds; an error must come with a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tbl_table t;
    xs_err err;

    TBL_Init(&t);
    ERR_Clear(&err);
    if (TBL_Parse("fuzz.json", (const char *)data, size, &t, &err) &&
        !err.msg[0])
        abort();        /* a refusal that does not say why */
    TBL_Dispose(&t);
    return 0;
}
