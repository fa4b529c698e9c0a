/*
 * json-one.c - golden.sh's check of what `xenshift -j` prints: stdin
 * (the command's stdout) against its exit code.
 *
 *   exit 2 (usage): nothing on stdout, the usage error is text;
 *   exit 0: exactly one JSON document;
 *   exit 1: exactly one JSON document with "ok": false and an "error"
 *           object whose "kind" and "message" are strings.
 *
 * Exits 0 when stdin passes, 1 with the reason on stdout otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int fail(const char *why)
{
    printf("%s\n", why);
    return 1;
}

static int check_failure(const json_value *root)
{
    const json_value *ok = JSON_ObjectGet(root, "ok");
    const json_value *e = JSON_ObjectGet(root, "error"), *k, *m;

    if (!ok || JSON_Type(ok) != JSON_BOOL || JSON_Bool(ok))
        return fail("exit 1 but \"ok\" is not false");
    if (!e || JSON_Type(e) != JSON_OBJECT)
        return fail("exit 1 but no \"error\" object");
    k = JSON_ObjectGet(e, "kind");
    m = JSON_ObjectGet(e, "message");
    if (!k || JSON_Type(k) != JSON_STRING || !m ||
        JSON_Type(m) != JSON_STRING || !JSON_String(m)[0])
        return fail("\"error\" lacks a \"kind\" or a \"message\"");
    return 0;
}

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    json_value *root = NULL;
    char why[1200];
    xs_err err;
    size_t len;
    int rc;

    if (argc != 2)
        return fail("usage: json-one EXIT-CODE < stdout");
    rc = atoi(argv[1]);
    len = fread(buf, 1, sizeof(buf) - 1, stdin);
    buf[len] = '\0';
    if (rc == 2)
        return len ? fail("exit 2 but something on stdout") : 0;
    if (JSON_Parse("stdout", buf, len, &root, &err))
        return fail(ERR_Format(&err, why, sizeof(why)));
    if (JSON_Type(root) != JSON_OBJECT)
        rc = fail("not a JSON object");
    else if (rc == 1)
        rc = check_failure(root);
    else
        rc = rc == 0 ? 0 : fail("an exit code other than 0, 1, 2");
    JSON_Free(root);
    return rc;
}
