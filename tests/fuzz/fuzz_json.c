/*
 * fuzz_json.c - libFuzzer target: the JSON reader (JSON_Parse, with
 * comments, positions of every value) on any bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_value *v = NULL;
    xs_err err;

    ERR_Clear(&err);
    if (JSON_Parse("fuzz.json", (const char *)data, size, &v, &err)) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    JSON_Free(v);
    return 0;
}
