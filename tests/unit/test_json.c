/*
 * test_json.c - the JSON door: positions of values and keys, every class
 * of syntax error with its line:column, integers, the writer.
 */
#include <limits.h>
#include <stdlib.h>

#include "json.h"
#include "tap.h"

static json_value *parse(const char *text)
{
    json_value *v = NULL;
    xs_err err;

    if (JSON_Parse("t.json", text, strlen(text), &v, &err))
        return NULL;
    return v;
}

/* The error of parsing text, as "file:line:col: msg". */
static const char *error_of(const char *text)
{
    static char buf[1024];
    json_value *v = NULL;
    xs_err err;

    if (JSON_Parse("t.json", text, strlen(text), &v, &err) == 0) {
        JSON_Free(v);
        return "(parsed)";
    }
    ok(v == NULL, "no tree on failure");
    return ERR_Format(&err, buf, sizeof(buf));
}

static void err_is(const char *text, const char *want, const char *what)
{
    is_str(error_of(text), want, "%s", what);
}

/* Line and column of v, as "line:col". */
static const char *at(const json_value *v)
{
    static char buf[32];

    if (!v)
        return "(none)";
    snprintf(buf, sizeof(buf), "%d:%d", JSON_Line(v), JSON_Column(v));
    return buf;
}

static const char *key_at(const json_value *v, size_t i)
{
    static char buf[32];

    snprintf(buf, sizeof(buf), "%d:%d", JSON_ObjectKeyLine(v, i),
             JSON_ObjectKeyColumn(v, i));
    return buf;
}

static void positions(void)
{
    const char *doc =
        "{\n"
        "  // a comment with \"quotes\" and { braces\n"
        "  \"a\": [1, \"x\\\"y\", true, null, \"z\\\\\", false],\n"
        "  /* block\n"
        "     comment */ \"bb\": {\"c\": -2.5e3},\n"
        "  \"\xc3\xa9t\xc3\xa9\": \"\xe2\x82\xac\", \"n\": 12,\n"
        "\t\"tab\": {}\r\n"
        "}\n";
    json_value *v = parse(doc);
    const json_value *a, *bb, *c;
    long long n;

    ok(v != NULL, "parses a document with comments");
    if (!v)
        return;
    is_int(JSON_Type(v), JSON_OBJECT, "root is an object");
    is_str(at(v), "1:1", "root position");
    is_int(JSON_ObjectSize(v), 5, "five members");
    a = JSON_ObjectGet(v, "a");
    is_str(at(a), "3:8", "array position");
    is_str(key_at(v, 0), "3:3", "key position");
    is_str(JSON_ObjectKey(v, 0), "a", "key text");
    is_int(JSON_ArraySize(a), 6, "six items");
    is_str(at(JSON_ArrayItem(a, 0)), "3:9", "number position");
    is_str(at(JSON_ArrayItem(a, 1)), "3:12", "a string with an escaped "
           "quote starts at its opening quote");
    is_str(JSON_String(JSON_ArrayItem(a, 1)), "x\"y", "escape decoded");
    is_str(at(JSON_ArrayItem(a, 2)), "3:20", "true position");
    ok(JSON_Bool(JSON_ArrayItem(a, 2)), "true");
    is_int(JSON_Type(JSON_ArrayItem(a, 3)), JSON_NULL, "null");
    is_str(at(JSON_ArrayItem(a, 3)), "3:26", "null position");
    is_str(at(JSON_ArrayItem(a, 4)), "3:32", "a string ending in an "
           "escaped backslash");
    is_str(JSON_String(JSON_ArrayItem(a, 4)), "z\\", "backslash decoded");
    is_str(at(JSON_ArrayItem(a, 5)), "3:39", "false after it");
    ok(!JSON_Bool(JSON_ArrayItem(a, 5)), "false");
    bb = JSON_ObjectGet(v, "bb");
    is_str(key_at(v, 1), "5:17", "key after a multi-line block comment");
    is_str(at(bb), "5:23", "object position");
    c = JSON_ObjectGet(bb, "c");
    is_str(at(c), "5:29", "negative number starts at its sign");
    is_str(JSON_NumberText(c), "-2.5e3", "number keeps its text");
    ok(JSON_Integer(c, &n) != 0, "a fraction is not an integer");
    is_str(key_at(v, 2), "6:3", "UTF-8 key position");
    is_str(JSON_ObjectKey(v, 2), "\xc3\xa9t\xc3\xa9", "UTF-8 key text");
    is_str(at(JSON_ObjectValue(v, 2)), "6:10", "columns count characters, "
           "not bytes, after UTF-8");
    is_str(key_at(v, 3), "6:15", "and the next key on the line");
    ok(JSON_Integer(JSON_ObjectGet(v, "n"), &n) == 0 && n == 12, "integer");
    is_str(key_at(v, 4), "7:2", "a tab counts one column");
    is_str(at(JSON_ObjectGet(v, "tab")), "7:9", "value before a CR LF");
    ok(JSON_ObjectGet(v, "missing") == NULL, "absent key");
    ok(JSON_String(c) == NULL, "a number is not a string");
    ok(JSON_NumberText(JSON_ArrayItem(a, 1)) == NULL, "a string is not a "
       "number");
    is_int(JSON_ObjectSize(a), 0, "an array has no members");
    is_int(JSON_ArraySize(v), 0, "an object has no items");
    ok(JSON_ObjectGet(a, "x") == NULL, "get on an array");
    is_str(JSON_TypeName(JSON_Type(a)), "array", "type name");
    JSON_Free(v);

    v = parse(" 42");
    is_str(at(v), "1:2", "a number that ends the text");
    ok(v && JSON_Integer(v, &n) == 0 && n == 42, "top-level number");
    JSON_Free(v);
    v = parse("\n\n   [7]");
    is_str(at(v ? JSON_ArrayItem(v, 0) : NULL), "3:5", "later line");
    JSON_Free(v);
    v = parse("\"s\"");
    is_str(v ? JSON_String(v) : "", "s", "top-level string");
    JSON_Free(v);
    v = parse("{\"a\": {\"k\": 1}, \"b\": {\"k\": 2}}");
    ok(v != NULL, "the same key in two objects is fine");
    JSON_Free(v);
}

static void integers(void)
{
    static const struct {
        const char *text;
        int ok;
        long long want;
    } cases[] = {
        { "0", 1, 0 },
        { "-0", 1, 0 },
        { "123456789012", 1, 123456789012LL },
        { "-17", 1, -17 },
        { "9223372036854775807", 1, LLONG_MAX },
        { "-9223372036854775808", 1, LLONG_MIN },
        { "9223372036854775808", 0, 0 },
        { "-9223372036854775809", 0, 0 },
        { "1.0", 0, 0 },
        { "1e3", 0, 0 },
        { "1E3", 0, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_value *v = parse(cases[i].text);
        long long n = -1;
        int rc = v ? JSON_Integer(v, &n) : -2;

        if (cases[i].ok)
            ok(rc == 0 && n == cases[i].want, "%s is an integer",
               cases[i].text);
        else
            ok(rc == -1, "%s is refused as an integer", cases[i].text);
        if (v)
            is_str(JSON_NumberText(v), cases[i].text, "text kept");
        JSON_Free(v);
    }
    {
        json_value *v = parse("\"12\"");
        long long n;

        ok(v && JSON_Integer(v, &n) == -1, "a string is not an integer");
        JSON_Free(v);
    }
}

static void syntax_errors(void)
{
    /* empty */
    err_is("", "t.json:1:1: empty document: expected a JSON value", "empty");
    err_is(" \n\t ", "t.json:1:1: empty document: expected a JSON value",
           "blanks only");
    err_is("// only a comment\n", "t.json:1:1: empty document: expected a "
           "JSON value", "only a comment");
    /* end of file */
    err_is("{\"a\": ", "t.json:1:6: unexpected end of file: the object "
           "opened at 1:1 is not closed", "truncated object");
    err_is("{\"a\": [1,\n  2\n", "t.json:2:4: unexpected end of file: the "
           "array opened at 1:7 is not closed", "truncated array");
    err_is("{\"a\": \"abc", "t.json:1:7: unterminated string: the file "
           "ends before its closing '\"'", "unterminated string at EOF");
    err_is("[\"a\\\"", "t.json:1:2: unterminated string: the file ends "
           "before its closing '\"'", "escaped quote does not close");
    err_is("{\"a\": \"abc,\n \"b\": 1}", "t.json:1:7: unterminated string: "
           "the line ends before its closing '\"'", "newline in a string");
    err_is("{\"a\": 1 /* note", "t.json:1:9: unterminated comment: the "
           "file ends before its closing '*/'", "unterminated comment");
    err_is("{\"a\": 1} /* note", "t.json:1:10: unterminated comment: the "
           "file ends before its closing '*/'", "unterminated comment "
           "after the document");
    /* objects */
    err_is("{\"a\": 1,, }", "t.json:1:9: expected a quoted key after ','",
           "stray comma");
    err_is("{\"a\": 1,\n}", "t.json:2:1: expected a quoted key after ',' "
           "(JSON allows no trailing comma)", "trailing comma in an object");
    err_is("{1: 2}", "t.json:1:2: expected a quoted key or '}'",
           "number as a key");
    err_is("{\"a\" 1}", "t.json:1:6: expected ':' after the key",
           "missing colon");
    err_is("{\"a\": 1\n  \"b\": 2}", "t.json:2:3: expected ',' or '}' after "
           "an object member", "missing comma between members");
    err_is("{\"a\": 1 2}", "t.json:1:9: expected ',' or '}' after an object "
           "member", "number after a member");
    err_is("{\"a\": 1]", "t.json:1:8: expected ',' or '}' after an object "
           "member", "object closed with ']'");
    err_is("{\"a\": }", "t.json:1:7: expected a value (string, number, "
           "object, array, true, false or null)", "missing value");
    /* arrays */
    err_is("[1 2]", "t.json:1:4: expected ',' or ']' after an array item",
           "missing comma in an array");
    err_is("[1}", "t.json:1:3: expected ',' or ']' after an array item",
           "array closed with '}'");
    err_is("[1,]", "t.json:1:4: expected a value after ',' (JSON allows no "
           "trailing comma)", "trailing comma in an array");
    err_is("[,1]", "t.json:1:2: expected a value (string, number, object, "
           "array, true, false or null)", "leading comma");
    err_is("[01]", "t.json:1:3: expected ',' or ']' after an array item",
           "leading zero");
    /* after the document */
    err_is("{} x", "t.json:1:4: trailing garbage after the JSON document",
           "trailing word");
    err_is("{}\n{}", "t.json:2:1: trailing garbage after the JSON document",
           "two documents");
    err_is("[1] 2", "t.json:1:5: trailing garbage after the JSON document",
           "trailing number");
    /* lexical */
    err_is("{\"a\": tru}", "t.json:1:7: invalid word \"tru\": expected true, "
           "false, null, a number or a \"quoted string\"", "bad literal");
    err_is("{a: 1}", "t.json:1:2: invalid word \"a\": expected true, false, "
           "null, a number or a \"quoted string\"", "unquoted key");
    err_is("{'a': 1}", "t.json:1:2: unexpected character '\\'': strings and "
           "keys take double quotes", "single quotes");
    err_is("[1, @]", "t.json:1:5: unexpected character '@'", "stray "
           "character");
    err_is("[1] / 2", "t.json:1:5: unexpected character '/': comments start "
           "with // or /*", "lone slash");
    err_is("[\x01]", "t.json:1:2: unexpected byte 0x01", "control byte");
    err_is("[\"a\tb\"]", "t.json:1:4: control character in a string: write "
           "it as an escape such as \\t", "raw tab in a string");
    err_is("[1.]", "t.json:1:2: malformed number \"1.\": a digit must follow "
           "'.'", "bad fraction");
    err_is("[-]", "t.json:1:2: malformed number \"-\": a digit must follow "
           "'-'", "bad sign");
    err_is("[1e+]", "t.json:1:2: malformed number \"1e+\": a digit must "
           "follow the exponent", "bad exponent");
    err_is("[\"ok\", \"\\q\"]", "t.json:1:9: invalid escape in a string (use "
           "\\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)", "bad escape");
    err_is("[\"\\u12g4\"]", "t.json:1:3: invalid \\u escape in a string: "
           "expected four hex digits", "bad \\u escape");
    err_is("[\"\xe2\x82\xac\", \"\xff\"]", "t.json:1:8: invalid UTF-8 in a "
           "string", "bad UTF-8, column after a good character");
    err_is("[\"a\\u0000b\"]", "t.json:1:2: string contains a NUL character "
           "(\\u0000)", "NUL in a string");
    err_is("{\"a\\u0000\": 1}", "t.json:1:2: string contains a NUL character "
           "(\\u0000)", "NUL in a key");
    /* Found by fuzzing: yajl decoded a lone surrogate to non-UTF-8. */
    err_is("[\"\\udc00x\"]", "t.json:1:2: string contains a \\u escape of "
           "a lone UTF-16 surrogate (D800-DFFF without its pair)",
           "a lone low surrogate in a string");
    err_is("{\"\\udfff\": 1}", "t.json:1:2: string contains a \\u escape of "
           "a lone UTF-16 surrogate (D800-DFFF without its pair)",
           "a lone surrogate in a key");
    {
        /* A pair is a character: U+1F600 as UTF-8. */
        json_value *v = NULL;
        xs_err e;
        const char *txt = "[\"\\ud83d\\ude00\"]";

        is_int(JSON_Parse("t.json", txt, strlen(txt), &v, &e), 0,
               "a surrogate pair is accepted");
        is_str(v ? JSON_String(JSON_ArrayItem(v, 0)) : NULL,
               "\xf0\x9f\x98\x80", "and decoded to UTF-8");
        JSON_Free(v);
    }
    /* duplicates */
    err_is("{\"a\": 1,\n \"a\": 2}", "t.json:2:2: duplicate key \"a\" (first "
           "at 1:2)", "duplicate key");
    err_is("{\"d\": {\n    \"vm1\": 1,\n    \"vm2\": 2,\n    \"vm1\": 3}}",
           "t.json:4:5: duplicate key \"vm1\" (first at 2:5)", "duplicate key "
           "in a nested object");
    {
        /* Big objects index their keys: duplicates are still found. */
        char big[4096], want[128];
        size_t n = 0;
        int i, col = 0;

        n += (size_t)snprintf(big + n, sizeof(big) - n, "{");
        for (i = 0; i < 200; i++)
            n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"k%d\": %d",
                                  i ? ", " : "", i, i);
        col = (int)n + 3;
        snprintf(big + n, sizeof(big) - n, ", \"k150\": 0}");
        snprintf(want, sizeof(want), "t.json:1:%d: duplicate key \"k150\" "
                 "(first at 1:%d)", col, (int)(strstr(big, "\"k150\"") -
                                               big) + 1);
        err_is(big, want, "duplicate key in an object of 200 members");
        snprintf(big + n, sizeof(big) - n, "}");
        {
            json_value *v = parse(big);
            long long k = -1;

            ok(v && JSON_ObjectSize(v) == 200 &&
               JSON_Integer(JSON_ObjectGet(v, "k199"), &k) == 0 && k == 199 &&
               JSON_ObjectGet(v, "k200") == NULL, "get in a big object");
            JSON_Free(v);
        }
    }
    {
        char deep[200];
        int i;

        for (i = 0; i < 100; i++)
            deep[i] = '[';
        deep[100] = '\0';
        err_is(deep, "t.json:1:65: nested deeper than 64 levels",
               "nesting limit");
    }
    {
        json_value *v = NULL;

        ok(JSON_Parse("t.json", "[1,", 3, &v, NULL) == -1 && !v,
           "a NULL err is allowed");
        ok(JSON_Parse(NULL, "[1]", 3, &v, NULL) == 0 && v, "and a NULL file");
        JSON_Free(v);
        ok(JSON_Parse("t.json", "[1] junk", 3, &v, NULL) == 0 && v,
           "len bounds the text");
        JSON_Free(v);
    }
}

static void writer(void)
{
    json_writer *w;
    json_value *v;
    const char *text;
    size_t len;

    w = JSONW_New(false);
    JSONW_ObjectOpen(w);
    JSONW_Key(w, "s");
    JSONW_String(w, "a\"b\\c\n\xe2\x82\xac");
    JSONW_Key(w, "i");
    JSONW_Int(w, -3);
    JSONW_Key(w, "u");
    JSONW_Uint(w, 18446744073709551615ULL);
    JSONW_Key(w, "l");
    JSONW_ArrayOpen(w);
    JSONW_Bool(w, true);
    JSONW_Bool(w, false);
    JSONW_Null(w);
    JSONW_ArrayClose(w);
    JSONW_KeyString(w, "ks", "v");
    JSONW_KeyInt(w, "ki", LLONG_MIN);
    JSONW_KeyUint(w, "ku", 7);
    JSONW_KeyBool(w, "kb", true);
    JSONW_ObjectClose(w);
    text = JSONW_Text(w, &len);
    is_str(text, "{\"s\":\"a\\\"b\\\\c\\n\xe2\x82\xac\",\"i\":-3,"
           "\"u\":18446744073709551615,\"l\":[true,false,null],\"ks\":\"v\","
           "\"ki\":-9223372036854775808,\"ku\":7,\"kb\":true}",
           "compact writer output");
    is_int(len, strlen(text), "length");
    v = parse(text);
    ok(v && JSON_Type(JSON_ObjectGet(v, "l")) == JSON_ARRAY,
       "writer output parses back");
    is_str(v ? JSON_String(JSON_ObjectGet(v, "s")) : "",
           "a\"b\\c\n\xe2\x82\xac", "string round trip");
    is_str(v ? JSON_NumberText(JSON_ObjectGet(v, "u")) : "",
           "18446744073709551615", "large unsigned kept as text");
    JSON_Free(v);
    JSONW_Free(w);

    w = JSONW_New(true);
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "phase", "normal");
    JSONW_Key(w, "domains");
    JSONW_ArrayOpen(w);
    JSONW_ObjectOpen(w);
    JSONW_KeyUint(w, "kib", 131072);
    JSONW_ObjectClose(w);
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    is_str(JSONW_Text(w, NULL),
           "{\n"
           "  \"phase\": \"normal\",\n"
           "  \"domains\": [\n"
           "    {\n"
           "      \"kib\": 131072\n"
           "    }\n"
           "  ]\n"
           "}\n", "pretty output, two-space indent");
    JSONW_Free(w);
    JSONW_Free(NULL);
    ok(1, "freeing NULL is fine");
}

int main(void)
{
    positions();
    integers();
    syntax_errors();
    writer();
    return done_testing();
}
