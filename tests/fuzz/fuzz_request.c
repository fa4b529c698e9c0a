/*
 * fuzz_request.c - libFuzzer target: a request as xenshiftd reads it
 * from xenstore (REQ_Parse: id and value), resolved against the Fig. 9
 * table (REQ_Resolve).  Input: the id, a newline, the value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

static const char table_text[] =
    "{ \"domains\": { \"vm1\": { \"min\": \"128M\", \"max\": \"640M\" } },\n"
    "  \"phases\": { \"normal\": { \"vm1\": { \"memory\": \"128M\" } },\n"
    "              \"takeover\": { \"vm1\": { \"memory\": \"512M\" } } },\n"
    "  \"triggers\": [ { \"phase\": \"takeover\", \"on\": \"failover\" },\n"
    "                { \"phase\": \"normal\", \"at\": \"0 8 * * 1-5\" } ] }\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tbl_table t;
    static int loaded;
    char buf[4096], *nl;
    xs_err err;
    req r;

    if (!loaded) {
        TBL_Init(&t);
        if (TBL_Parse("fig9", table_text, sizeof(table_text) - 1, &t, &err))
            abort();
        loaded = 1;
    }
    if (size >= sizeof(buf))
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    nl = strchr(buf, '\n');
    if (!nl)
        return 0;
    *nl = '\0';
    ERR_Clear(&err);
    if (REQ_Parse(buf, nl + 1, &r, &err)) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    if (!REQ_ValidId(r.id) || !r.what[0])
        abort();        /* accepted means well-formed */
    ERR_Clear(&err);
    if (REQ_Resolve(&r, &t, &err) ? !err.msg[0] : !TBL_FindPhase(&t, r.phase))
        abort();        /* resolved means a phase of the table */
    return 0;
}
