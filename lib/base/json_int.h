/*
 * json_int.h - the JSON reader's insides, shared by json.c (the tree
 * and yajl's callbacks) and json_syntax.c (locating syntax errors) only.
 */
#ifndef XENSHIFT_JSON_INT_H
#define XENSHIFT_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <yajl/yajl_parse.h>

#include "json.h"

struct json_value {
    json_type type;
    int line, col;
    bool b;
    char *s;                    /* string, or a number's text */
    size_t n, cap;              /* members or items */
    char **keys;                /* objects */
    int *key_line, *key_col;
    json_value **items;
    size_t *hash;               /* big objects: key index + 1 per slot */
    size_t hash_cap;            /* 0, or a power of two > 2 * n */
};

#define JSON_MAX_DEPTH 64

typedef struct parse_ctx {
    const char *text;
    size_t len;
    const char *file;
    size_t *lines;              /* offset where each line starts */
    size_t nr_lines;
    yajl_handle yh;
    bool completing;            /* inside yajl_complete_parse */
    json_value *root;
    json_value *stack[JSON_MAX_DEPTH];
    int depth;
    size_t root_end;            /* offset just after the whole document */
    /* An object key waiting for its value. */
    char *key;
    int key_line, key_col;
    xs_err *err;
    bool failed;                /* a callback gave up (err set if not OOM) */
} parse_ctx;

static inline bool json_is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

typedef enum {
    TK_END,                     /* no more tokens */
    TK_PUNCT,                   /* { } [ ] , : */
    TK_STRING,
    TK_NUMBER,
    TK_WORD,                    /* letters and digits: true, tru, abc */
    TK_OTHER,                   /* any other byte */
    TK_OPEN_STRING,             /* a string the text ends inside */
    TK_OPEN_COMMENT,            /* a comment the text ends inside */
} tk_kind;

typedef struct tok {
    tk_kind kind;
    size_t start, end;
    const char *bad;            /* TK_NUMBER: why it is malformed */
} tok;

/*
 * Offset -> 1-based line and column.  Columns count characters (UTF-8
 * sequences count one), as a reader counts them.
 */
void json_position(const parse_ctx *c, size_t off, int *line, int *col);
/* The token at or after off (blanks and comments skipped). */
tok json_scan(const char *t, size_t len, size_t off);
/*
 * Describe the syntax error yajl stopped at, into c->err.  consumed is
 * yajl's offset (c->len when the error came out of yajl_complete_parse).
 */
void json_syntax_error(parse_ctx *c, size_t consumed);

#endif
