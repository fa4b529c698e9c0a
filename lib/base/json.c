/*
 * json.c - the only door to the JSON library (yajl 2).
 *
 * yajl's own tree API forgets where values were, so the callback parser
 * builds our tree here and every value and key remembers the line and
 * column where its token starts.  yajl reports, inside a callback, the
 * offset just after the token; the start is found from there.
 *
 * yajl's error offsets and messages are rough (a multi-line message, an
 * offset that is sometimes inside the bad token and sometimes after
 * it), so on a syntax error a small scanner of our own re-reads the
 * text to find the offending token and say what was expected.
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

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

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
static void position(const parse_ctx *c, size_t off, int *line, int *col)
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
        while (i > 0 && !is_blank(c->text[i - 1]) &&
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

    position(c, token_start(c, token_end(c), true), &line, &col);
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

/* --- locating syntax errors ---------------------------------------------- */

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

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_word(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           is_digit(ch) || ch == '_';
}

/* A number by JSON's grammar; t->bad says what is wrong with it. */
static void scan_number(const char *t, size_t len, tok *k)
{
    size_t p = k->start;

    if (t[p] == '-')
        p++;
    if (p < len && t[p] == '0') {
        p++;
    } else if (p < len && is_digit(t[p])) {
        while (p < len && is_digit(t[p]))
            p++;
    } else {
        k->bad = "a digit must follow '-'";
    }
    if (!k->bad && p < len && t[p] == '.') {
        p++;
        if (p < len && is_digit(t[p]))
            while (p < len && is_digit(t[p]))
                p++;
        else
            k->bad = "a digit must follow '.'";
    }
    if (!k->bad && p < len && (t[p] == 'e' || t[p] == 'E')) {
        p++;
        if (p < len && (t[p] == '+' || t[p] == '-'))
            p++;
        if (p < len && is_digit(t[p]))
            while (p < len && is_digit(t[p]))
                p++;
        else
            k->bad = "a digit must follow the exponent";
    }
    if (k->bad)                 /* show the whole of what was written */
        while (p < len && (is_digit(t[p]) || strchr(".eE+-", t[p])))
            p++;
    k->end = p;
}

/* The next token at or after off, skipping blanks and comments. */
static tok scan(const char *t, size_t len, size_t off)
{
    tok k = { TK_END, len, len, NULL };

    while (off < len) {
        if (is_blank(t[off])) {
            off++;
        } else if (t[off] == '/' && off + 1 < len && t[off + 1] == '/') {
            while (off < len && t[off] != '\n')
                off++;
        } else if (t[off] == '/' && off + 1 < len && t[off + 1] == '*') {
            size_t p = off + 2;

            while (p + 1 < len && !(t[p] == '*' && t[p + 1] == '/'))
                p++;
            if (p + 1 >= len) {
                k.kind = TK_OPEN_COMMENT;
                k.start = off;
                return k;
            }
            off = p + 2;
        } else {
            break;
        }
    }
    if (off >= len)
        return k;
    k.start = off;
    k.end = off + 1;
    if (strchr("{}[],:", t[off]) && t[off]) {
        k.kind = TK_PUNCT;
    } else if (t[off] == '"') {
        size_t p = off + 1;

        while (p < len && t[p] != '"')
            p += t[p] == '\\' ? 2 : 1;
        if (p >= len) {
            k.kind = TK_OPEN_STRING;
            k.end = len;
        } else {
            k.kind = TK_STRING;
            k.end = p + 1;
        }
    } else if (t[off] == '-' || is_digit(t[off])) {
        k.kind = TK_NUMBER;
        scan_number(t, len, &k);
    } else if (is_word(t[off])) {
        static const char *const lit[] = { "true", "false", "null" };
        size_t i;

        k.kind = TK_WORD;
        while (k.end < len && is_word(t[k.end]))
            k.end++;
        /* yajl ends a literal after its last letter: "true1" is two. */
        for (i = 0; i < 3; i++)
            if (k.end - off > strlen(lit[i]) &&
                !strncmp(t + off, lit[i], strlen(lit[i])))
                k.end = off + strlen(lit[i]);
    } else {
        k.kind = TK_OTHER;
    }
    return k;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t need, i;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        need = 2;
    else if ((s[0] & 0xf0) == 0xe0)
        need = 3;
    else if ((s[0] & 0xf8) == 0xf0)
        need = 4;
    else
        return 0;
    if (need > n)
        return 0;
    for (i = 1; i < need; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return need;
}

static bool is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/*
 * The first fault inside a string token: its offset and what it is.
 * Returns false when the string looks fine to us.
 */
static bool string_fault(const char *t, const tok *k, size_t *at,
                         const char **what)
{
    size_t p = k->start + 1, end = k->kind == TK_STRING ? k->end - 1 : k->end;

    while (p < end) {
        unsigned char ch = (unsigned char)t[p];

        if (ch == '\n' || ch == '\r') {
            /* Most likely the closing quote was forgotten. */
            *at = k->start;
            *what = "unterminated string: the line ends before its "
                    "closing '\"'";
            return true;
        }
        if (ch < 0x20) {
            *at = p;
            *what = "control character in a string: write it as an "
                    "escape such as \\t";
            return true;
        }
        if (ch == '\\') {
            char e = p + 1 < end ? t[p + 1] : '\0';

            if (e == 'u') {
                size_t i;

                for (i = 2; i < 6; i++)
                    if (p + i >= end || !is_hex(t[p + i]))
                        break;
                if (i < 6) {
                    *at = p;
                    *what = "invalid \\u escape in a string: expected "
                            "four hex digits";
                    return true;
                }
                p += 6;
                continue;
            }
            if (!e || !strchr("\"\\/bfnrt", e)) {
                *at = p;
                *what = "invalid escape in a string (use \\\" \\\\ \\/ "
                        "\\b \\f \\n \\r \\t or \\uXXXX)";
                return true;
            }
            p += 2;
            continue;
        }
        if (ch >= 0x80) {
            size_t n = utf8_len((const unsigned char *)t + p, end - p);

            if (!n) {
                *at = p;
                *what = "invalid UTF-8 in a string";
                return true;
            }
            p += n;
            continue;
        }
        p++;
    }
    return false;
}

/* A token yajl's lexer would refuse. */
static bool lexically_bad(const char *t, const tok *k)
{
    size_t at;
    const char *what;
    size_t n = k->end - k->start;

    switch (k->kind) {
    case TK_STRING:
        return string_fault(t, k, &at, &what);
    case TK_NUMBER:
        return k->bad != NULL;
    case TK_WORD:
        return !((n == 4 && !memcmp(t + k->start, "true", 4)) ||
                 (n == 5 && !memcmp(t + k->start, "false", 5)) ||
                 (n == 4 && !memcmp(t + k->start, "null", 4)));
    case TK_OTHER:
        return true;
    default:
        return false;
    }
}

static bool is_punct(const char *t, const tok *k, char ch)
{
    return k->kind == TK_PUNCT && t[k->start] == ch;
}

/*
 * Describe the syntax error yajl stopped at.  consumed is yajl's offset
 * (c->len when the error came out of yajl_complete_parse).
 */
static void syntax_error(parse_ctx *c, size_t consumed)
{
    unsigned char *ymsg = yajl_get_error(c->yh, 0, NULL, 0);
    const char *m = (const char *)ymsg, *t = c->text, *fault;
    char what[256] = "";
    tok prev = { TK_END, 0, 0, NULL }, cur;
    size_t at, off = 0, x;
    int line, col;

    /*
     * The offending token is the one that holds consumed - 1, or the
     * first after it.  After an object member yajl steps back to the
     * token's start, so there it is the first token ending after
     * consumed.
     */
    x = strstr(m, "inside map") ? consumed + 1 : consumed;
    x = x ? x - 1 : 0;
    if (strstr(m, "trailing garbage"))
        off = c->root_end;
    for (;;) {
        cur = scan(t, c->len, off);
        if (cur.kind == TK_END || cur.kind == TK_OPEN_STRING ||
            cur.kind == TK_OPEN_COMMENT)
            break;
        if (strstr(m, "lexical error")) {
            /* yajl lexes in order: it stopped at the first bad token. */
            if (lexically_bad(t, &cur))
                break;
        } else if (strstr(m, "trailing garbage") ||
                   (!strstr(m, "premature EOF") && cur.end > x)) {
            break;
        }
        prev = cur;
        off = cur.end;
    }
    if (cur.kind == TK_END && strstr(m, "lexical error")) {
        /* We see nothing wrong: fall back to yajl's offset. */
        prev.kind = TK_END;
        cur = scan(t, c->len, x);
    }
    at = cur.kind == TK_END ? prev.end : cur.start;

    if (strstr(m, "premature EOF")) {
        if (cur.kind == TK_OPEN_STRING) {
            if (!string_fault(t, &cur, &at, &fault))
                fault = "unterminated string: the file ends before its "
                        "closing '\"'";
            snprintf(what, sizeof(what), "%s", fault);
        } else if (cur.kind == TK_OPEN_COMMENT) {
            snprintf(what, sizeof(what), "unterminated comment: the file "
                     "ends before its closing '*/'");
        } else if (c->depth > 0) {
            const json_value *open = c->stack[c->depth - 1];

            snprintf(what, sizeof(what), "unexpected end of file: the %s "
                     "opened at %d:%d is not closed",
                     JSON_TypeName(open->type), open->line, open->col);
        } else {
            snprintf(what, sizeof(what), "unexpected end of file");
        }
    } else if ((cur.kind == TK_STRING || cur.kind == TK_OPEN_STRING) &&
               string_fault(t, &cur, &at, &fault)) {
        snprintf(what, sizeof(what), "%s", fault);
    } else if (cur.kind == TK_NUMBER && cur.bad) {
        snprintf(what, sizeof(what), "malformed number \"%.*s\": %s",
                 (int)(cur.end - cur.start), t + cur.start, cur.bad);
    } else if (cur.kind == TK_WORD && strstr(m, "lexical error")) {
        snprintf(what, sizeof(what), "invalid word \"%.*s\": expected true, "
                 "false, null, a number or a \"quoted string\"",
                 (int)(cur.end - cur.start > 40 ? 40 : cur.end - cur.start),
                 t + cur.start);
    } else if (cur.kind == TK_OTHER) {
        unsigned char ch = (unsigned char)t[cur.start];

        if (ch == '\'')
            snprintf(what, sizeof(what), "unexpected character '\\'': "
                     "strings and keys take double quotes");
        else if (ch == '/')
            snprintf(what, sizeof(what), "unexpected character '/': "
                     "comments start with // or /*");
        else if (ch > 0x20 && ch < 0x7f)
            snprintf(what, sizeof(what), "unexpected character '%c'", ch);
        else
            snprintf(what, sizeof(what), "unexpected byte 0x%02x", ch);
    } else if (strstr(m, "trailing garbage")) {
        snprintf(what, sizeof(what), "trailing garbage after the JSON "
                 "document");
    } else if (strstr(m, "invalid object key")) {
        if (is_punct(t, &prev, ','))
            snprintf(what, sizeof(what), "expected a quoted key after ','%s",
                     is_punct(t, &cur, '}') ? " (JSON allows no trailing "
                     "comma)" : "");
        else
            snprintf(what, sizeof(what), "expected a quoted key or '}'");
    } else if (strstr(m, "separated by a colon")) {
        snprintf(what, sizeof(what), "expected ':' after the key");
    } else if (strstr(m, "inside map")) {
        snprintf(what, sizeof(what), "expected ',' or '}' after an object "
                 "member");
    } else if (strstr(m, "after array element")) {
        snprintf(what, sizeof(what), "expected ',' or ']' after an array "
                 "item");
    } else if (strstr(m, "unallowed token")) {
        if (is_punct(t, &prev, ',') && is_punct(t, &cur, ']'))
            snprintf(what, sizeof(what), "expected a value after ',' (JSON "
                     "allows no trailing comma)");
        else
            snprintf(what, sizeof(what), "expected a value (string, number, "
                     "object, array, true, false or null)");
    } else {
        /* Unknown wording: keep the first line of yajl's. */
        if (strncmp(m, "lexical error: ", 15) == 0)
            m += 15;
        else if (strncmp(m, "parse error: ", 13) == 0)
            m += 13;
        snprintf(what, sizeof(what), "%.*s", (int)strcspn(m, ".\n"), m);
        at = x;
    }
    position(c, at, &line, &col);
    ERR_SetAt(c->err, c->file, line, col, "%s", what);
    yajl_free_error(c->yh, ymsg);
}

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
    first = scan(text, len, 0);
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
        syntax_error(&c, c.completing ? len : yajl_get_bytes_consumed(c.yh));
        goto out;
    }
    /* yajl accepts a comment left open after the document. */
    for (first = scan(text, len, 0); first.kind != TK_END;
         first = scan(text, len, first.end)) {
        if (first.kind == TK_OPEN_COMMENT) {
            int line, col;

            position(&c, first.start, &line, &col);
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
