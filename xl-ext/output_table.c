/*
 * output_table.c - text tables whose columns are as wide as their
 * widest cell, as xl's are, so that no name runs into the next column.
 *
 * A table is filled row by row, then printed: columns are separated by
 * two blanks, left aligned unless marked right, and a line has no
 * trailing blanks.  A NULL cell ends its row's columns: the cell before
 * it may run on over the empty columns after it ("vm3  -  not running")
 * and does not widen its own column.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenshift.h"

#define OUT_TABLE_GAP 2

void OUT_TableInit(out_table *t, size_t nr_cols)
{
    memset(t, 0, sizeof(*t));
    t->nr_cols = nr_cols;
    t->right = calloc(nr_cols ? nr_cols : 1, sizeof(*t->right));
}

void OUT_TableDispose(out_table *t)
{
    size_t i;

    for (i = 0; i < t->nr_rows * t->nr_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->right);
    t->cells = NULL;
    t->right = NULL;
    t->nr_rows = 0;
}

void OUT_TableRight(out_table *t, size_t col)
{
    if (t->right && col < t->nr_cols)
        t->right[col] = true;
}

/* Room for one more row; false when out of memory (the row is lost). */
static bool add_row(out_table *t)
{
    char **v = realloc(t->cells, (t->nr_rows + 1) * t->nr_cols *
                                 sizeof(*v));

    if (!v)
        return false;
    t->cells = v;
    memset(&v[t->nr_rows * t->nr_cols], 0, t->nr_cols * sizeof(*v));
    t->nr_rows++;
    return true;
}

void OUT_TableRow(out_table *t, const char *first, ...)
{
    const char *cell = first;
    va_list ap;
    size_t c;

    if (!add_row(t))
        return;
    va_start(ap, first);
    for (c = 0; c < t->nr_cols && cell; c++) {
        t->cells[(t->nr_rows - 1) * t->nr_cols + c] = strdup(cell);
        cell = va_arg(ap, const char *);
    }
    va_end(ap);
}

void OUT_TableRowArray(out_table *t, const char *const *cells, size_t n)
{
    size_t c;

    if (!add_row(t))
        return;
    for (c = 0; c < t->nr_cols && c < n && cells[c]; c++)
        t->cells[(t->nr_rows - 1) * t->nr_cols + c] = strdup(cells[c]);
}

void OUT_TableNewRow(out_table *t)
{
    t->next_col = add_row(t) ? 0 : t->nr_cols;
}

void OUT_TableCell(out_table *t, const char *cell)
{
    if (!t->nr_rows || t->next_col >= t->nr_cols)
        return;
    t->cells[(t->nr_rows - 1) * t->nr_cols + t->next_col++] = strdup(cell);
}

/* The cell of row r, column c, or NULL when the row ended before it. */
static const char *cell_at(const out_table *t, size_t r, size_t c)
{
    return t->cells[r * t->nr_cols + c];
}

/* Whether the row's cell c is its last: it may run past its column. */
static bool runs_on(const out_table *t, size_t r, size_t c)
{
    return c + 1 < t->nr_cols && !cell_at(t, r, c + 1);
}

void OUT_TablePrint(const out_table *t, FILE *f, const char *indent)
{
    /* out of memory: no padding, the gaps still part the cells */
    size_t *width = calloc(t->nr_cols ? t->nr_cols : 1, sizeof(*width));
    size_t r, c;

    for (r = 0; width && r < t->nr_rows; r++) {
        for (c = 0; c < t->nr_cols && cell_at(t, r, c); c++) {
            size_t l = strlen(cell_at(t, r, c));

            if (!runs_on(t, r, c) && l > width[c])
                width[c] = l;
        }
    }
    for (r = 0; r < t->nr_rows; r++) {
        size_t pending = 0;     /* blanks owed before the next cell */

        fputs(indent ? indent : "", f);
        for (c = 0; c < t->nr_cols && cell_at(t, r, c); c++) {
            const char *s = cell_at(t, r, c);
            size_t w = width ? width[c] : 0, l = strlen(s);
            size_t pad = w > l ? w - l : 0;

            if (!*s) {          /* empty: only blanks, maybe none at all */
                pending += w + OUT_TABLE_GAP;
                continue;
            }
            if (t->right && t->right[c] && !runs_on(t, r, c))
                pending += pad, pad = 0;
            fprintf(f, "%*s%s", (int)pending, "", s);
            pending = pad + OUT_TABLE_GAP;
        }
        fputc('\n', f);
    }
    free(width);
}
