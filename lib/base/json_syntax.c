/*
 * json_syntax.c - what a JSON syntax error is and where it stands.
 * yajl's messages and offsets are rough; a small scanner of our own
 * re-reads the text up to where yajl stopped, finds the offending token
 * and says what was expected there, at its line and column.
 */
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "json.h"
#include "json_int.h"

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
tok json_scan(const char *t, size_t len, size_t off)
{
    tok k = { TK_END, len, len, NULL };

    while (off < len) {
        if (json_is_blank(t[off])) {
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
void json_syntax_error(parse_ctx *c, size_t consumed)
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
        cur = json_scan(t, c->len, off);
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
        cur = json_scan(t, c->len, x);
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
    json_position(c, at, &line, &col);
    ERR_SetAt(c->err, c->file, line, col, "%s", what);
    yajl_free_error(c->yh, ymsg);
}
