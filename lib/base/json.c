/*
 * json.c - the only door to the JSON library (yajl 2): reading.
 *
 * yajl's own tree API forgets where values were, so the callback parser
 * builds our tree here and every value and key remembers the line and
 * column where its token starts.  yajl reports, inside a callback, the
 * offset just after the token; the start is found from there.
 *
 * yajl's error offsets and messages are rough (a multi-line message, an
 * offset that is sometimes inside the bad token and sometimes after
 * it), so on a syntax error a small scanner of our own (json_syntax.c)
 * re-reads the text to find the offending token and say what was
 * expected.  Writing is json_write.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "json.h"
#include "json_int.h"

static int index_lines(parse_ctx *c)
{
    size_t i, n = 1;

    for (i = 0; i < c->len; i++)
        if (c->text[i] == '\n')
            n++;
    c->lines = malloc(n * sizeof(*c->lines));
    if (!c->lines)
        return -1;
    c->lines[0] = 0;
    c->nr_lines = 1;
    for (i = 0; i < c->len; i++)
        if (c->text[i] == '\n')
            c->lines[c->nr_lines++] = i + 1;
    return 0;
}

/*
 * Offset -> 1-based line and column.  Columns count characters (UTF-8
 * sequences count one), as a reader counts them.
 */
void json_position(const parse_ctx *c, size_t off, int *line, int *col)
{
    size_t lo = 0, hi = c->nr_lines, i;
    int n = 1;

    if (off > c->len)
        off = c->len;
    while (hi - lo > 1) {       /* last line starting at or before off */
        size_t mid = lo + (hi - lo) / 2;

        if (c->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    for (i = c->lines[lo]; i < off; i++)
        if (((unsigned char)c->text[i] & 0xc0) != 0x80)
            n++;
    *line = (int)lo + 1;
    *col = n;
}

/* The offset just after the token the parser is handing us. */
static size_t token_end(const parse_ctx *c)
{
    /*
     * A number that ends the text is only known to be complete in
     * yajl_complete_parse, which counts from a fresh, empty buffer.
     */
    if (c->completing)
        return c->len;
    return yajl_get_bytes_consumed(c->yh);
}

/* The offset where the token that ends at 'end' begins. */
static size_t token_start(const parse_ctx *c, size_t end, bool is_string)
{
    size_t i;

    if (end == 0)
        return 0;
    if (!is_string) {
        i = end;
        while (i > 0 && !json_is_blank(c->text[i - 1]) &&
               !strchr(",:[]{}/", c->text[i - 1]))
            i--;
        return i;
    }
    /*
     * end - 1 is the closing quote: the opening one is the nearest quote
     * before it that is not escaped (not preceded by an odd run of
     * backslashes).
     */
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
    size_t end = token_end(c);
    size_t start;

    if (!v) {
        c->failed = true;
        return NULL;
    }
    /* '{' and '[' are one byte; yajl reports just past them. */
    start = one_char ? (end ? end - 1 : 0) : token_start(c, end, is_string);
    v->type = t;
    json_position(c, start, &v->line, &v->col);
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

#define JSON_HASH_FROM 16        /* members before a key index pays off */

static size_t hash_of(const char *s, size_t len)
{
    size_t h = 14695981039346656037ULL, i;

    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Index the keys of a big object so duplicates are found quickly. */
static int hash_add(json_value *p, size_t i)
{
    size_t j, h;

    if (p->n < JSON_HASH_FROM)
        return 0;
    if (2 * p->n >= p->hash_cap) {
        size_t cap = p->hash_cap ? p->hash_cap * 2 : 4 * JSON_HASH_FROM;
        size_t *t = calloc(cap, sizeof(*t));

        if (!t)
            return -1;
        free(p->hash);
        p->hash = t;
        p->hash_cap = cap;
        for (j = 0; j < p->n; j++) {
            h = hash_of(p->keys[j], strlen(p->keys[j])) & (cap - 1);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = j + 1;
        }
        return 0;
    }
    h = hash_of(p->keys[i], strlen(p->keys[i])) & (p->hash_cap - 1);
    while (p->hash[h])
        h = (h + 1) & (p->hash_cap - 1);
    p->hash[h] = i + 1;
    return 0;
}

/* Index of key s in object p, or -1. */
static long find_key(const json_value *p, const char *s, size_t len)
{
    size_t i, h;

    if (!p->hash) {
        for (i = 0; i < p->n; i++)
            if (strlen(p->keys[i]) == len && !memcmp(p->keys[i], s, len))
                return (long)i;
        return -1;
    }
    for (h = hash_of(s, len) & (p->hash_cap - 1); p->hash[h];
         h = (h + 1) & (p->hash_cap - 1)) {
        i = p->hash[h] - 1;
        if (strlen(p->keys[i]) == len && !memcmp(p->keys[i], s, len))
            return (long)i;
    }
    return -1;
}

/* Attach v to the container on top of the stack (or make it the root). */
static int attach(parse_ctx *c, json_value *v)
{
    json_value *p;

    if (!v)
        return 0;
    if (c->depth == 0) {
        c->root = v;
        c->root_end = token_end(c);
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
    if (p->type == JSON_OBJECT && hash_add(p, p->n - 1)) {
        c->failed = true;
        return 0;
    }
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

/* A copy of a decoded string; NULL (err set when not OOM) on failure. */
static char *copy_string(parse_ctx *c, const unsigned char *s, size_t len,
                         int line, int col)
{
    size_t i;
    char *r;

    if (memchr(s, '\0', len)) {
        /* "\u0000": C strings can not hold it, nothing needs it. */
        ERR_SetAt(c->err, c->file, line, col,
                  "string contains a NUL character (\\u0000)");
        c->failed = true;
        return NULL;
    }
    /*
     * yajl decodes "\udc00", a UTF-16 surrogate with no partner, to the
     * bytes ED B0 80, which are not UTF-8 (raw bytes like that it
     * refuses itself).
     */
    for (i = 0; i + 1 < len; i++) {
        if (s[i] == 0xed && s[i + 1] >= 0xa0 && s[i + 1] <= 0xbf) {
            ERR_SetAt(c->err, c->file, line, col,
                      "string contains a \\u escape of a lone UTF-16 "
                      "surrogate (D800-DFFF without its pair)");
            c->failed = true;
            return NULL;
        }
    }
    r = strndup((const char *)s, len);
    if (!r)
        c->failed = true;
    return r;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
    parse_ctx *c = ctx;
    json_value *v = new_value(c, JSON_STRING, true, false);

    if (!v)
        return 0;
    v->s = copy_string(c, s, len, v->line, v->col);
    if (!v->s) {
        JSON_Free(v);
        return 0;
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
    long i;
    int line, col;

    json_position(c, token_start(c, token_end(c), true), &line, &col);
    i = find_key(p, (const char *)s, len);
    if (i >= 0) {
        ERR_SetAt(c->err, c->file, line, col,
                  "duplicate key \"%s\" (first at %d:%d)", p->keys[i],
                  p->key_line[i], p->key_col[i]);
        c->failed = true;
        return 0;
    }
    free(c->key);
    c->key = copy_string(c, s, len, line, col);
    if (!c->key)
        return 0;
    c->key_line = line;
    c->key_col = col;
    return 1;
}

static int cb_end(void *ctx)
{
    parse_ctx *c = ctx;

    if (--c->depth == 0)
        c->root_end = token_end(c);
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

int JSON_Parse(const char *file, const char *text, size_t len,
               json_value **out, xs_err *err)
{
    parse_ctx c;
    yajl_status st;
    tok first;
    xs_err local;
    int rc = -1;

    if (!err)
        err = &local;
    /* A UTF-8 byte-order mark, as some editors write: not JSON's */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    memset(&c, 0, sizeof(c));
    c.text = text;
    c.len = len;
    c.file = file ? file : "";
    c.err = err;
    *out = NULL;
    ERR_Clear(err);

    if (index_lines(&c)) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    first = json_scan(text, len, 0);
    if (first.kind == TK_END) {
        ERR_SetAt(err, c.file, 1, 1, "empty document: expected a JSON value");
        goto out;
    }
    c.yh = yajl_alloc(&callbacks, NULL, &c);
    if (!c.yh) {
        ERR_Set(err, "out of memory");
        goto out;
    }
    yajl_config(c.yh, yajl_allow_comments, 1);

    st = yajl_parse(c.yh, (const unsigned char *)text, len);
    if (st == yajl_status_ok) {
        c.completing = true;
        st = yajl_complete_parse(c.yh);
    }
    if (st == yajl_status_client_canceled || c.failed) {
        if (!err->msg[0])
            ERR_Set(err, "out of memory");
        goto out;
    }
    if (st != yajl_status_ok) {
        json_syntax_error(&c, c.completing ? len
                                           : yajl_get_bytes_consumed(c.yh));
        goto out;
    }
    /* yajl accepts a comment left open after the document. */
    for (first = json_scan(text, len, 0); first.kind != TK_END;
         first = json_scan(text, len, first.end)) {
        if (first.kind == TK_OPEN_COMMENT) {
            int line, col;

            json_position(&c, first.start, &line, &col);
            ERR_SetAt(err, c.file, line, col, "unterminated comment: the "
                      "file ends before its closing '*/'");
            goto out;
        }
    }
    *out = c.root;
    c.root = NULL;
    rc = 0;
out:
    /* On failure the partial tree hangs from the root. */
    JSON_Free(c.root);
    free(c.key);
    free(c.lines);
    if (c.yh)
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
    free(v->hash);
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
    long i;

    if (v->type != JSON_OBJECT)
        return NULL;
    i = find_key(v, key, strlen(key));
    return i < 0 ? NULL : v->items[i];
}

size_t JSON_ArraySize(const json_value *v)
{
    return v->type == JSON_ARRAY ? v->n : 0;
}

const json_value *JSON_ArrayItem(const json_value *v, size_t i)
{
    return v->items[i];
}
