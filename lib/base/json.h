/*
 * json.h - the only door to the JSON library.
 *
 * Parsing builds a small tree in which every value remembers the line
 * and column where it starts, so configuration errors can point at it.
 * Writing goes through a tiny generator.  Only json.c (reading),
 * json_syntax.c (syntax errors) and json_write.c (writing) include yajl:
 * changing the library (upstream Xen is moving to json-c) is those files.
 */
#ifndef XENSHIFT_JSON_H
#define XENSHIFT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef enum {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_OBJECT,
    JSON_ARRAY,
} json_type;

typedef struct json_value json_value;

/*
 * Parse text (comments allowed).  On a syntax error returns -1 with err
 * set to file:line:col and what was expected.  file is used only in
 * messages.  Duplicate object keys are a syntax error.
 */
int JSON_Parse(const char *file, const char *text, size_t len,
               json_value **out, xs_err *err);
void JSON_Free(json_value *v);

json_type JSON_Type(const json_value *v);
const char *JSON_TypeName(json_type t);       /* "object", "string", ... */
/* 1-based; columns count characters (a UTF-8 sequence or a tab is one). */
int JSON_Line(const json_value *v);
int JSON_Column(const json_value *v);

bool JSON_Bool(const json_value *v);
const char *JSON_String(const json_value *v);
/* The number as written; JSON_Integer fails (-1) when not an integer. */
const char *JSON_NumberText(const json_value *v);
int JSON_Integer(const json_value *v, long long *out);

size_t JSON_ObjectSize(const json_value *v);
const char *JSON_ObjectKey(const json_value *v, size_t i);
int JSON_ObjectKeyLine(const json_value *v, size_t i);
int JSON_ObjectKeyColumn(const json_value *v, size_t i);
const json_value *JSON_ObjectValue(const json_value *v, size_t i);
/* NULL when absent. */
const json_value *JSON_ObjectGet(const json_value *v, const char *key);

size_t JSON_ArraySize(const json_value *v);
const json_value *JSON_ArrayItem(const json_value *v, size_t i);

/* Writer.  Errors in use are programming errors and abort. */
typedef struct json_writer json_writer;

json_writer *JSONW_New(bool pretty);
void JSONW_Free(json_writer *w);
void JSONW_ObjectOpen(json_writer *w);
void JSONW_ObjectClose(json_writer *w);
void JSONW_ArrayOpen(json_writer *w);
void JSONW_ArrayClose(json_writer *w);
void JSONW_Key(json_writer *w, const char *key);
void JSONW_String(json_writer *w, const char *s);
void JSONW_Int(json_writer *w, long long v);
void JSONW_Uint(json_writer *w, unsigned long long v);
void JSONW_Bool(json_writer *w, bool v);
void JSONW_Null(json_writer *w);
/* A key and its value in one call. */
void JSONW_KeyString(json_writer *w, const char *key, const char *s);
void JSONW_KeyInt(json_writer *w, const char *key, long long v);
void JSONW_KeyUint(json_writer *w, const char *key, unsigned long long v);
void JSONW_KeyBool(json_writer *w, const char *key, bool v);
/* s, or null when s is NULL. */
void JSONW_KeyStringOrNull(json_writer *w, const char *key, const char *s);
/* The text so far (NUL-terminated, owned by the writer). */
const char *JSONW_Text(json_writer *w, size_t *len);

#endif
