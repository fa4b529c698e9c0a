/*
 * test_request.c - request ids, values and their phases.
 */
#include <string.h>

#include "request.h"
#include "tap.h"

static const char table[] =
    "{ \"domains\": { \"vm1\": { \"min\": \"64M\", \"max\": \"1G\" } },\n"
    "  \"phases\": { \"normal\": { \"vm1\": { \"memory\": \"128M\" } },\n"
    "              \"takeover\": { \"vm1\": { \"memory\": \"256M\" } } },\n"
    "  \"triggers\": [ { \"on\": \"failover\", \"phase\": \"takeover\" } ] }\n";

int main(void)
{
    tbl_table t;
    xs_err err;
    req r;
    char id[REQ_ID_MAX + 8];
    req_state st;

    ok(REQ_ValidId("1764057600000-42"), "a made id is valid");
    ok(REQ_ValidId("ocf.start_1"), "letters, digits, . _ - are valid");
    ok(!REQ_ValidId(""), "an empty id is not");
    ok(!REQ_ValidId("a/b"), "a slash is not");
    ok(!REQ_ValidId("a b"), "a space is not");
    memset(id, 'a', REQ_ID_MAX);
    id[REQ_ID_MAX] = '\0';
    ok(REQ_ValidId(id), "%d characters are valid", REQ_ID_MAX);
    id[REQ_ID_MAX] = 'a';
    id[REQ_ID_MAX + 1] = '\0';
    ok(!REQ_ValidId(id), "%d are not", REQ_ID_MAX + 1);

    REQ_MakeId(id, sizeof(id), 1764057600123ULL, 42);
    is_str(id, "1764057600123-42", "REQ_MakeId");
    ok(REQ_ValidId(id), "and it is valid");

    is_int(REQ_Parse("x", "  takeover\n", &r, &err), 0, "value trimmed");
    is_str(r.what, "takeover", "what");
    ok(!r.is_event, "not an event");
    is_int(REQ_Parse("x", "@failover", &r, &err), 0, "an event");
    ok(r.is_event, "is_event");
    is_int(REQ_Parse("x", "", &r, &err), -1, "empty value refused");
    ok(strstr(err.msg, "empty") != NULL, "says empty: %s", err.msg);
    is_int(REQ_Parse("x", "two words", &r, &err), -1, "a space inside");
    ok(strstr(err.msg, "character 4") != NULL, "says where: %s", err.msg);
    is_int(REQ_Parse("x", "@", &r, &err), -1, "@ alone");
    is_int(REQ_Parse("a/b", "normal", &r, &err), -1, "bad id");
    ok(strstr(err.msg, "request id") != NULL, "says id: %s", err.msg);
    memset(id, 'p', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    is_int(REQ_Parse("x", id, &r, &err), -1, "a too long phase name");

    TBL_Init(&t);
    if (TBL_Parse("t.json", table, sizeof(table) - 1, &t, &err))
        printf("# table: %s\n", err.msg);
    REQ_Parse("x", "takeover", &r, &err);
    is_int(REQ_Resolve(&r, &t, &err), 0, "a phase resolves");
    is_str(r.phase, "takeover", "to itself");
    REQ_Parse("x", "@failover", &r, &err);
    is_int(REQ_Resolve(&r, &t, &err), 0, "an event resolves");
    is_str(r.phase, "takeover", "to its trigger's phase");
    REQ_Parse("x", "bogus", &r, &err);
    is_int(REQ_Resolve(&r, &t, &err), -1, "an unknown phase");
    is_str(err.msg, "unknown phase 'bogus' (phases: normal, takeover)",
           "lists the phases");
    REQ_Parse("x", "@quake", &r, &err);
    is_int(REQ_Resolve(&r, &t, &err), -1, "an unknown event");
    is_str(err.msg, "no trigger for event 'quake' (events: @failover)",
           "lists the events");
    TBL_Dispose(&t);

    is_str(REQ_StateName(REQ_DONE), "done", "state names");
    is_int(REQ_StateFromName("running", &st), 0, "and back");
    is_int(st, REQ_RUNNING, "running");
    is_int(REQ_StateFromName("nope", &st), -1, "unknown state");
    ok(REQ_StateFinal(REQ_FAILED) && !REQ_StateFinal(REQ_QUEUED), "final");
    return done_testing();
}
