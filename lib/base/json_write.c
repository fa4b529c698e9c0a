/*
 * json_write.c - the JSON writer (json_writer, JSONW_*): a thin layer on
 * yajl's generator.  Misuse (a value where a key must be) is a bug in
 * the caller and aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "json.h"

struct json_writer {
    yajl_gen g;
};

static void check(yajl_gen_status st)
{
    if (st != yajl_gen_status_ok) {
        fprintf(stderr, "json writer misused (yajl_gen status %d)\n", st);
        abort();
    }
}

json_writer *JSONW_New(bool pretty)
{
    json_writer *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->g = yajl_gen_alloc(NULL);
    if (!w->g) {
        free(w);
        return NULL;
    }
    yajl_gen_config(w->g, yajl_gen_beautify, pretty ? 1 : 0);
    yajl_gen_config(w->g, yajl_gen_indent_string, "  ");
    return w;
}

void JSONW_Free(json_writer *w)
{
    if (!w)
        return;
    yajl_gen_free(w->g);
    free(w);
}

void JSONW_ObjectOpen(json_writer *w)
{
    check(yajl_gen_map_open(w->g));
}

void JSONW_ObjectClose(json_writer *w)
{
    check(yajl_gen_map_close(w->g));
}

void JSONW_ArrayOpen(json_writer *w)
{
    check(yajl_gen_array_open(w->g));
}

void JSONW_ArrayClose(json_writer *w)
{
    check(yajl_gen_array_close(w->g));
}

void JSONW_Key(json_writer *w, const char *key)
{
    JSONW_String(w, key);
}

void JSONW_String(json_writer *w, const char *s)
{
    check(yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

void JSONW_Int(json_writer *w, long long v)
{
    check(yajl_gen_integer(w->g, v));
}

void JSONW_Uint(json_writer *w, unsigned long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%llu", v);

    check(yajl_gen_number(w->g, buf, (size_t)n));
}

void JSONW_Bool(json_writer *w, bool v)
{
    check(yajl_gen_bool(w->g, v));
}

void JSONW_Null(json_writer *w)
{
    check(yajl_gen_null(w->g));
}

void JSONW_KeyString(json_writer *w, const char *key, const char *s)
{
    JSONW_Key(w, key);
    JSONW_String(w, s);
}

void JSONW_KeyInt(json_writer *w, const char *key, long long v)
{
    JSONW_Key(w, key);
    JSONW_Int(w, v);
}

void JSONW_KeyUint(json_writer *w, const char *key, unsigned long long v)
{
    JSONW_Key(w, key);
    JSONW_Uint(w, v);
}

void JSONW_KeyBool(json_writer *w, const char *key, bool v)
{
    JSONW_Key(w, key);
    JSONW_Bool(w, v);
}

void JSONW_KeyStringOrNull(json_writer *w, const char *key, const char *s)
{
    JSONW_Key(w, key);
    if (s)
        JSONW_String(w, s);
    else
        JSONW_Null(w);
}

const char *JSONW_Text(json_writer *w, size_t *len)
{
    const unsigned char *buf;
    size_t n;

    check(yajl_gen_get_buf(w->g, &buf, &n));
    if (len)
        *len = n;
    return (const char *)buf;
}
