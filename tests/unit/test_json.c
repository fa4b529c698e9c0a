/* test_json.c - the JSON door: positions, errors, the writer. */
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
    return ERR_Format(&err, buf, sizeof(buf));
}

int main(void)
{
    const char *doc =
        "{\n"
        "  // a comment\n"
        "  \"a\": [1, \"x\\\"y\", true, null],\n"
        "  /* block */ \"bb\": {\"c\": -2.5e3},\n"
        "  \"\xc3\xa9t\xc3\xa9\": \"\xe2\x82\xac\", \"n\": 12\n"
        "}\n";
    json_value *v = parse(doc);
    const json_value *a, *bb, *c;
    long long n;
    json_writer *w;
    const char *text;

    ok(v != NULL, "parses a document with comments");
    if (!v)
        return done_testing();
    is_int(JSON_Type(v), JSON_OBJECT, "root is an object");
    is_int(JSON_ObjectSize(v), 4, "four members");
    a = JSON_ObjectGet(v, "a");
    is_int(JSON_Line(a), 3, "array line");
    is_int(JSON_Column(a), 8, "array column");
    is_int(JSON_ObjectKeyLine(v, 0), 3, "key line");
    is_int(JSON_ObjectKeyColumn(v, 0), 3, "key column");
    is_int(JSON_Column(JSON_ArrayItem(a, 1)), 12, "string with an escaped "
           "quote starts at its opening quote");
    is_str(JSON_String(JSON_ArrayItem(a, 1)), "x\"y", "escape decoded");
    is_int(JSON_Column(JSON_ArrayItem(a, 2)), 20, "literal column");
    ok(JSON_Bool(JSON_ArrayItem(a, 2)), "true");
    is_int(JSON_Type(JSON_ArrayItem(a, 3)), JSON_NULL, "null");
    bb = JSON_ObjectGet(v, "bb");
    is_int(JSON_ObjectKeyColumn(v, 1), 15, "key after a block comment");
    c = JSON_ObjectGet(bb, "c");
    is_str(JSON_NumberText(c), "-2.5e3", "number keeps its text");
    ok(JSON_Integer(c, &n) != 0, "a fraction is not an integer");
    is_int(JSON_ObjectKeyColumn(v, 2), 3, "UTF-8 key column");
    is_int(JSON_Column(JSON_ObjectValue(v, 2)), 12, "columns count bytes "
           "after UTF-8");
    ok(JSON_Integer(JSON_ObjectGet(v, "n"), &n) == 0 && n == 12, "integer");
    ok(JSON_ObjectGet(v, "missing") == NULL, "absent key");
    JSON_Free(v);

    is_str(error_of("{\"a\": 1,, }"), "t.json:1:9: expected a quoted key or "
           "'}'", "stray comma");
    is_str(error_of("{\"a\" 1}"), "t.json:1:6: expected ':' after the key",
           "missing colon");
    is_str(error_of("[1 2]"), "t.json:1:4: expected ',' or ']' after an "
           "array item", "missing comma in an array");
    is_str(error_of("{\"a\": 1,\n \"a\": 2}"), "t.json:2:2: duplicate key "
           "\"a\" (first at 1:2)", "duplicate key");
    is_str(error_of(""), "t.json:1:1: empty document: expected a JSON value",
           "empty");
    is_str(error_of("// only a comment\n"), "t.json:1:1: empty document: "
           "expected a JSON value", "only a comment");
    is_str(error_of("{\"a\": "), "t.json:1:6: unexpected end of file: a '}' "
           "or ']' is missing", "truncated");
    is_str(error_of("{} x"), "t.json:1:4: trailing garbage after the JSON "
           "document", "trailing garbage");
    is_str(error_of("{\"a\": tru}"), "t.json:1:7: expected a value (string, "
           "number, object, array, true, false or null)", "bad literal");
    is_str(error_of("{\"a\": \"x\ny\"}"), "t.json:1:8: control character in "
           "a string: escape it", "raw newline in a string");
    is_str(error_of("[1.]"), "t.json:1:3: malformed number", "bad number");
    is_str(error_of("[\"\\q\"]"), "t.json:1:3: invalid escape sequence in a "
           "string", "bad escape");
    is_str(error_of("[\"\xff\"]"), "t.json:1:3: invalid UTF-8 in a string",
           "bad UTF-8");
    {
        char deep[200];
        int i;

        for (i = 0; i < 100; i++)
            deep[i] = '[';
        deep[100] = '\0';
        ok(strstr(error_of(deep), "nested deeper than") != NULL,
           "nesting limit");
    }

    w = JSONW_New(false);
    JSONW_ObjectOpen(w);
    JSONW_Key(w, "s");
    JSONW_String(w, "a\"b");
    JSONW_Key(w, "i");
    JSONW_Int(w, -3);
    JSONW_Key(w, "u");
    JSONW_Uint(w, 18446744073709551615ULL);
    JSONW_Key(w, "l");
    JSONW_ArrayOpen(w);
    JSONW_Bool(w, true);
    JSONW_Null(w);
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    text = JSONW_Text(w, NULL);
    is_str(text, "{\"s\":\"a\\\"b\",\"i\":-3,\"u\":18446744073709551615,"
           "\"l\":[true,null]}", "writer output");
    v = parse(text);
    ok(v && JSON_Type(JSON_ObjectGet(v, "l")) == JSON_ARRAY,
       "writer output parses back");
    JSON_Free(v);
    JSONW_Free(w);
    return done_testing();
}
