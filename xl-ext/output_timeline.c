/*
 * output_timeline.c - what xenshift show prints: the timelines xenshiftd
 * kept (timeline.h), for people and as JSON.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "output_int.h"
#include "units.h"
#include "xenshift.h"

void OUT_Timelines(FILE *f, const char *dir, const out_timeline *tl,
                   size_t nr)
{
    char when[64];
    int wid = 2;
    size_t i;

    if (!nr) {
        fprintf(f, "no timelines in %s\n", dir);
        return;
    }
    /* The widest id sets the column, as xl does. */
    for (i = 0; i < nr; i++)
        if ((int)strlen(tl[i].id) > wid)
            wid = (int)strlen(tl[i].id);
    fprintf(f, "%-*s  %-19s  %s\n", wid, "id", "when", "transition");
    for (i = 0; i < nr; i++)
        fprintf(f, "%-*s  %-19s  %s\n", wid, tl[i].id,
                UNITS_FormatTime(tl[i].mtime, "%Y-%m-%d %H:%M:%S", when,
                                 sizeof(when)), tl[i].title);
}

static void timeline_json(json_writer *w, const out_timeline *tl)
{
    JSONW_ObjectOpen(w);
    JSONW_KeyString(w, "id", tl->id);
    JSONW_KeyString(w, "path", tl->path);
    JSONW_KeyInt(w, "time_ms", (long long)tl->mtime * 1000);
    JSONW_KeyStringOrNull(w, "title", tl->title[0] ? tl->title : NULL);
    JSONW_ObjectClose(w);
}

void OUT_TimelinesJson(FILE *f, const char *dir, const out_timeline *tl,
                       size_t nr)
{
    json_writer *w = JSONW_New(true);
    size_t i;

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", true);
    JSONW_KeyString(w, "dir", dir);
    JSONW_Key(w, "timelines");
    JSONW_ArrayOpen(w);
    for (i = 0; i < nr; i++)
        timeline_json(w, &tl[i]);
    JSONW_ArrayClose(w);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}

void OUT_TimelineJson(FILE *f, const out_timeline *tl)
{
    json_writer *w = JSONW_New(true);

    JSONW_ObjectOpen(w);
    JSONW_KeyBool(w, "ok", true);
    JSONW_Key(w, "timeline");
    timeline_json(w, tl);
    JSONW_ObjectClose(w);
    OUT_JsonOut(f, w);
}
