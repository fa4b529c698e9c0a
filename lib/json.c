/*
 * json.c - the only door to the JSON library (yajl 2).
 *
 * yajl's own tree API forgets where values were, so the callback parser
 * builds our tree here and every value and key remembers the line and
 * column where its token starts.  yajl reports, inside a callback, the
 * offset just after the token; the start is found from there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
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
};

#define JSON_MAX_DEPTH 64

typedef struct parse_ctx {
    const char *text;
    size_t len;
    const char *file;
    yajl_handle yh;
    json_value *root;
    json_value *stack[JSON_MAX_DEPTH];
    int depth;
    /* An object key waiting for its value. */
    char *key;
    int key_line, key_col;
    xs_err *err;
    bool failed;
} parse_ctx;

/* Offset -> 1-based line and column (columns count bytes). */
static void position(const parse_ctx *c, size_t off, int *line, int *col)
{
    size_t i, start = 0;
    int l = 1;

    if (off > c->len)
        off = c->len;
    for (i = 0; i < off; i++) {
        if (c->text[i] == '\n') {
            l++;
            start = i + 1;
        }
    }
    *line = l;
    *col = (int)(off - start) + 1;
}

/* The offset where the token that ends at 'end' begins. */
static size_t token_start(const parse_ctx *c, size_t end, bool is_string)
{
    size_t i;

    if (end == 0)
        return 0;
    if (!is_string) {
        i = end;
        while (i > 0 && !strchr(" \t\r\n,:[]{}/", c->text[i - 1]))
            i--;
        return i;
    }
    /* end - 1 is the closing quote: find the unescaped opening one. */
    for (i = end - 1; i > 0; i--) {
        size_t bs = 0, j = i - 1;

        if (c->text[i - 1] != '"')
            continue;
        while (j > 0 && c->text[j - 1] == '\\') {
            bs++;
            j--;
        }
        if (bs % 2 == 0)
            return i - 1;
    }
    return 0;
}

static json_value *new_value(parse_ctx *c, json_type t, bool is_string,
                             bool one_char)
{
    json_value *v = calloc(1, sizeof(*v));
    size_t end = yajl_get_bytes_consumed(c->yh);
    size_t start;

    if (!v) {
        c->failed = true;
        return NULL;
    }
    /* '{' and '[' are one byte; yajl reports just past them. */
    start = one_char ? (end ? end - 1 : 0) : token_start(c, end, is_string);
    v->type = t;
    position(c, start, &v->line, &v->col);
    return v;
}

static int grow(json_value *p)
{
    size_t cap = p->cap ? p->cap * 2 : 4;
    json_value **items = realloc(p->items, cap * sizeof(*items));

    if (!items)
        return -1;
    p->items = items;
    if (p->type == JSON_OBJECT) {
        char **keys = realloc(p->keys, cap * sizeof(*keys));
        int *kl, *kc;

        if (!keys)
            return -1;
        p->keys = keys;
        kl = realloc(p->key_line, cap * sizeof(*kl));
        if (!kl)
            return -1;
        p->key_line = kl;
        kc = realloc(p->key_col, cap * sizeof(*kc));
        if (!kc)
            return -1;
        p->key_col = kc;
    }
    p->cap = cap;
    return 0;
}

/* Attach v to the container on top of the stack (or make it the root). */
static int attach(parse_ctx *c, json_value *v)
{
    json_value *p;

    if (!v)
        return 0;
    if (c->depth == 0) {
        c->root = v;
        return 1;
    }
    p = c->stack[c->depth - 1];
    if (p->n == p->cap && grow(p)) {
        JSON_Free(v);
        c->failed = true;
        return 0;
    }
    if (p->type == JSON_OBJECT) {
        p->keys[p->n] = c->key;
        p->key_line[p->n] = c->key_line;
        p->key_col[p->n] = c->key_col;
        c->key = NULL;
    }
    p->items[p->n++] = v;
    return 1;
}

static int push(parse_ctx *c, json_value *v)
{
    if (!v)
        return 0;
    if (c->depth == JSON_MAX_DEPTH) {
        ERR_SetAt(c->err, c->file, v->line, v->col,
                  "nested deeper than %d levels", JSON_MAX_DEPTH);
        JSON_Free(v);
        c->failed = true;
        return 0;
    }
    if (!attach(c, v))
        return 0;
    c->stack[c->depth++] = v;
    return 1;
}

static int cb_null(void *ctx)
{
    parse_ctx *c = ctx;

    return attach(c, new_value(c, JSON_NULL, false, false));
}

static int cb_boolean(void *ctx, int b)
{
    parse_ctx *c = ctx;
    json_value *v = new_value(c, JSON_BOOL, false, false);

    if (v)
        v->b = b;
    return attach(c, v);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
    parse_ctx *c = ctx;
    json_value *v = new_value(c, JSON_NUMBER, false, false);

    if (v) {
        v->s = strndup(s, len);
        if (!v->s) {
            JSON_Free(v);
            c->failed = true;
            return 0;
        }
    }
    return attach(c, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    parse_ctx *c = ctx;
    json_value *v = new_value(c, JSON_STRING, true, false);

    if (v) {
        v->s = strndup((const char *)s, len);
        if (!v->s || strlen(v->s) != len) {
            bool nul = v->s != NULL;

            if (nul)
                ERR_SetAt(c->err, c->file, v->line, v->col,
                          "string contains a NUL character");
            JSON_Free(v);
            c->failed = true;
            return 0;
        }
    }
    return attach(c, v);
}

static int cb_start_map(void *ctx)
{
    parse_ctx *c = ctx;

    return push(c, new_value(c, JSON_OBJECT, false, true));
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
    parse_ctx *c = ctx;
    json_value *p = c->stack[c->depth - 1];
    size_t end = yajl_get_bytes_consumed(c->yh), i;
    int line, col;

    position(c, token_start(c, end, true), &line, &col);
    for (i = 0; i < p->n; i++) {
        if (strlen(p->keys[i]) == len && memcmp(p->keys[i], s, len) == 0) {
            ERR_SetAt(c->err, c->file, line, col,
                      "duplicate key \"%s\" (first at %d:%d)", p->keys[i],
                      p->key_line[i], p->key_col[i]);
            c->failed = true;
            return 0;
        }
    }
    free(c->key);
    c->key = strndup((const char *)s, len);
    if (!c->key) {
        c->failed = true;
        return 0;
    }
    c->key_line = line;
    c->key_col = col;
    return 1;
}

static int cb_end(void *ctx)
{
    parse_ctx *c = ctx;

    c->depth--;
    return 1;
}

static int cb_start_array(void *ctx)
{
    parse_ctx *c = ctx;

    return push(c, new_value(c, JSON_ARRAY, false, true));
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_boolean,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_map_key,
    .yajl_end_map = cb_end,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end,
};

/* First non-blank, non-comment offset at or after off, or len. */
static size_t skip_blank(const char *t, size_t len, size_t off)
{
    while (off < len) {
        if (strchr(" \t\r\n", t[off])) {
            off++;
        } else if (t[off] == '/' && off + 1 < len && t[off + 1] == '/') {
            while (off < len && t[off] != '\n')
                off++;
        } else if (t[off] == '/' && off + 1 < len && t[off + 1] == '*') {
            const char *e = strstr(t + off + 2, "*/");

            if (!e)
                return off;
            off = (size_t)(e - t) + 2;
        } else {
            break;
        }
    }
    return off;
}

/* Turn yajl's verbose, multi-line message into one clear line. */
static void syntax_error(parse_ctx *c, size_t consumed)
{
    unsigned char *msg = yajl_get_error(c->yh, 0, NULL, 0);
    const char *m = (const char *)msg;
    const char *what = NULL;
    size_t off = consumed ? consumed - 1 : 0;
    int line, col;

    if (strstr(m, "premature EOF")) {
        size_t end = c->len;

        while (end > 0 && strchr(" \t\r\n", c->text[end - 1]))
            end--;
        off = end;
        what = c->depth > 0 ? "unexpected end of file: a '}' or ']' is "
                              "missing"
                            : "unexpected end of file";
    } else if (strstr(m, "trailing garbage")) {
        what = "trailing garbage after the JSON document";
    } else if (strstr(m, "invalid object key")) {
        what = "expected a quoted key or '}'";
    } else if (strstr(m, "separated by a colon")) {
        what = "expected ':' after the key";
    } else if (strstr(m, "inside map, I expect")) {
        what = "expected ',' or '}' after an object member";
    } else if (strstr(m, "after array element")) {
        what = "expected ',' or ']' after an array item";
    } else if (strstr(m, "invalid string in json text") ||
               strstr(m, "unallowed token")) {
        if (strstr(m, "invalid string in json text"))
            off = token_start(c, consumed, false);
        what = "expected a value (string, number, object, array, true, "
               "false or null)";
    } else if (strstr(m, "invalid character inside string")) {
        what = "control character in a string: escape it";
    } else if (strstr(m, "occurs before a character")) {
        what = "invalid escape sequence in a string";
    } else if (strstr(m, "hex")) {
        what = "invalid \\u escape in a string";
    } else if (strstr(m, "malformed number") || strstr(m, "numeric")) {
        what = "malformed number";
    } else if (strstr(m, "UTF8")) {
        what = "invalid UTF-8 in a string";
    } else if (strstr(m, "comment")) {
        what = "malformed comment";
    }
    position(c, off, &line, &col);
    if (what) {
        ERR_SetAt(c->err, c->file, line, col, "%s", what);
    } else {
        char one[256];
        size_t n;

        /* Unknown wording: keep yajl's first line. */
        snprintf(one, sizeof(one), "%s", m);
        n = strcspn(one, "\n");
        one[n] = '\0';
        ERR_SetAt(c->err, c->file, line, col, "%s", one);
    }
    yajl_free_error(c->yh, msg);
}

int JSON_Parse(const char *file, const char *text, size_t len,
               json_value **out, xs_err *err)
{
    parse_ctx c;
    yajl_status st;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    c.text = text;
    c.len = len;
    c.file = file ? file : "";
    c.err = err;
    *out = NULL;
    ERR_Clear(err);

    if (skip_blank(text, len, 0) >= len) {
        ERR_SetAt(err, c.file, 1, 1, "empty document: expected a JSON value");
        return -1;
    }
    c.yh = yajl_alloc(&callbacks, NULL, &c);
    if (!c.yh) {
        ERR_Set(err, "out of memory");
        return -1;
    }
    yajl_config(c.yh, yajl_allow_comments, 1);
    yajl_config(c.yh, yajl_dont_validate_strings, 0);

    st = yajl_parse(c.yh, (const unsigned char *)text, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(c.yh);
    if (st != yajl_status_ok) {
        if (!c.failed || !err || !err->msg[0]) {
            size_t off = yajl_get_bytes_consumed(c.yh);

            if (st == yajl_status_client_canceled && !err->msg[0])
                ERR_Set(err, "out of memory");
            else if (st != yajl_status_client_canceled)
                syntax_error(&c, off);
        }
        goto out;
    }
    if (c.failed)
        goto out;
    *out = c.root;
    c.root = NULL;
    rc = 0;
out:
    /* On failure the partial tree hangs from the root. */
    JSON_Free(c.root);
    free(c.key);
    yajl_free(c.yh);
    return rc;
}

void JSON_Free(json_value *v)
{
    size_t i;

    if (!v)
        return;
    for (i = 0; i < v->n; i++) {
        JSON_Free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->key_line);
    free(v->key_col);
    free(v->s);
    free(v);
}

json_type JSON_Type(const json_value *v)
{
    return v->type;
}

const char *JSON_TypeName(json_type t)
{
    switch (t) {
    case JSON_NULL:   return "null";
    case JSON_BOOL:   return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_OBJECT: return "object";
    case JSON_ARRAY:  return "array";
    }
    return "unknown";
}

int JSON_Line(const json_value *v)
{
    return v->line;
}

int JSON_Column(const json_value *v)
{
    return v->col;
}

bool JSON_Bool(const json_value *v)
{
    return v->type == JSON_BOOL && v->b;
}

const char *JSON_String(const json_value *v)
{
    return v->type == JSON_STRING ? v->s : NULL;
}

const char *JSON_NumberText(const json_value *v)
{
    return v->type == JSON_NUMBER ? v->s : NULL;
}

int JSON_Integer(const json_value *v, long long *out)
{
    char *end;
    long long x;

    if (v->type != JSON_NUMBER || strpbrk(v->s, ".eE"))
        return -1;
    errno = 0;
    x = strtoll(v->s, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

size_t JSON_ObjectSize(const json_value *v)
{
    return v->type == JSON_OBJECT ? v->n : 0;
}

const char *JSON_ObjectKey(const json_value *v, size_t i)
{
    return v->keys[i];
}

int JSON_ObjectKeyLine(const json_value *v, size_t i)
{
    return v->key_line[i];
}

int JSON_ObjectKeyColumn(const json_value *v, size_t i)
{
    return v->key_col[i];
}

const json_value *JSON_ObjectValue(const json_value *v, size_t i)
{
    return v->items[i];
}

const json_value *JSON_ObjectGet(const json_value *v, const char *key)
{
    size_t i;

    if (v->type != JSON_OBJECT)
        return NULL;
    for (i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return v->items[i];
    return NULL;
}

size_t JSON_ArraySize(const json_value *v)
{
    return v->type == JSON_ARRAY ? v->n : 0;
}

const json_value *JSON_ArrayItem(const json_value *v, size_t i)
{
    return v->items[i];
}

/* --- writer ------------------------------------------------------------ */

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

const char *JSONW_Text(json_writer *w, size_t *len)
{
    const unsigned char *buf;
    size_t n;

    check(yajl_gen_get_buf(w->g, &buf, &n));
    if (len)
        *len = n;
    return (const char *)buf;
}
