#!/usr/bin/env python3
"""pngcheck.py SVG PNG CHECK... - is each thing drawn where the numbers say?

The SVG (lib/run/timeline_svg.c) says how each panel maps time and
memory to pixels (data-x0, data-x1, data-ms1, data-y0, data-y1,
data-kib1), which colour each domain's line has, and when each step
began and ended; the PNG is what rsvg-convert made of it.  Each CHECK
is fields separated by '|':

  line|DOMAIN|T|MIB        DOMAIN's colour within 3 px of (T, MIB) in
                           the memory panel
  noline|DOMAIN|T|MIB      and not within 3 px there
  color|PANEL|T|V|RGB      about colour RGB (rrggbb) at (T, V): V is
                           MiB, or in the steps panel a row
  mark|WHAT|RGB            the WHAT mark (capacity, placement) drawn in
                           RGB somewhere down its line

A time T is milliseconds, or taken from a step, so that the check
does not depend on how long the executor took: start@LABEL, end@LABEL,
mid@LABEL, late@LABEL (three quarters of the way; LABEL: the start of
the step's text, "vm2: memory 512 MiB"),
or from the rollback: rollback-mid, before-rollback (half-way to its
start).  A row is a number or row@LABEL.

Prints one TAP line per check, numbered from $TAP_FIRST (default 1).
Only the standard library: zlib for the PNG, ElementTree for the SVG.
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

NS = '{http://www.w3.org/2000/svg}'


def read_png(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB/RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, head = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b'IHDR':
            head = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
    w, h, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError('PNG kind %d/%d/%d not read here' %
                         (depth, ctype, interlace))
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, at = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append([over_white(line[i:i + bpp]) for i in
                     range(0, stride, bpp)])
        prev = line
    return w, h, rows


def over_white(px):
    if len(px) == 3:
        return tuple(px)
    a = px[3] / 255.0
    return tuple(int(round(v * a + 255 * (1 - a))) for v in px[:3])


def rgb(s):
    s = s.lstrip('#')
    return tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))


def near(a, b, tol=30):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


def steps_of(root):
    """[(text, start_ms, end_ms)] of the bars, in their rows' order."""
    out = []
    for g in root.iter(NS + 'g'):
        if (g.get('class') or '').split(' ')[0] != 'bar':
            continue
        title = g.find(NS + 'title')
        out.append((title.text if title is not None else '',
                    float(g.get('data-start-ms')), float(g.get('data-end-ms'))))
    return out


def resolver(root, panels):
    steps = steps_of(root)
    band = panels.get('rollback')

    def step(label):
        for i, s in enumerate(steps):
            if s[0].startswith(label):
                return i, s
        raise KeyError('no step "%s"' % label)

    def ms(tok):
        if tok.startswith(('start@', 'end@', 'mid@', 'late@')):
            how, label = tok.split('@', 1)
            _, (_, a, b) = step(label)
            return {'start': a, 'end': b, 'mid': (a + b) / 2,
                    'late': a + (b - a) * 3 / 4}[how]
        if tok in ('rollback-mid', 'before-rollback'):
            if band is None:
                raise KeyError('no rollback band')
            a = float(band.get('data-start-ms'))
            b = float(band.get('data-end-ms'))
            return (a + b) / 2 if tok == 'rollback-mid' else a / 2
        return float(tok)

    def row(tok):
        if tok.startswith('row@'):
            return step(tok[4:])[0]
        return float(tok)
    return ms, row


def main():
    svg, png, checks = sys.argv[1], sys.argv[2], sys.argv[3:]
    root = ET.parse(svg).getroot()
    panels = {g.get('id'): g for g in root.iter(NS + 'g') if g.get('id')}
    colors = {}
    for pl in root.iter(NS + 'polyline'):
        if pl.get('class') == 'mem':
            colors.setdefault(pl.get('data-domain'), rgb(pl.get('stroke')))
    marks = {g.get('data-what'): g for g in root.iter(NS + 'g')
             if g.get('class') == 'mark'}
    w, h, px = read_png(png)
    scale = w / float(root.get('width'))   # rendered at its own size
    ms_of, row_of = resolver(root, panels)

    def at(panel, ms, value, row=False):
        g = panels[panel]
        x0, x1 = float(g.get('data-x0')), float(g.get('data-x1'))
        y0, y1 = float(g.get('data-y0')), float(g.get('data-y1'))
        x = x0 + ms * (x1 - x0) / float(g.get('data-ms1'))
        if row:
            y = y1 + 20 * value + 10    # ROW_H 20, the bar in the middle
        else:
            y = y0 - value * 1024 * (y0 - y1) / float(g.get('data-kib1'))
        x, y = int(round(x * scale)), int(round(y * scale))
        return min(max(x, 0), w - 1), min(max(y, 0), h - 1)

    def seen(x, y, color, r):
        return any(near(px[j][i], color)
                   for j in range(max(0, y - r), min(h, y + r + 1))
                   for i in range(max(0, x - r), min(w, x + r + 1)))

    n = int(os.environ.get('TAP_FIRST', '1'))
    failed = 0
    for c in checks:
        f = c.split('|')
        got, good = None, False
        try:
            if f[0] in ('line', 'noline'):
                x, y = at('memory', ms_of(f[2]), float(f[3]))
                good = seen(x, y, colors[f[1]], 3)
                if f[0] == 'noline':
                    good = not good
                got = px[y][x]
            elif f[0] == 'color':
                steps = f[1] == 'steps'
                x, y = at(f[1], ms_of(f[2]),
                          row_of(f[3]) if steps else float(f[3]), steps)
                good = near(px[y][x], rgb(f[4]), 12)
                got = px[y][x]
            else:
                g = marks.get(f[1])
                if g is not None:
                    x, _ = at('steps', float(g.get('data-ms')), 0, True)
                    y0 = int(float(panels['memory'].get('data-y1')) * scale)
                    y1 = int(float(panels['steps'].get('data-y0')) * scale)
                    good = any(near(px[y][xx], rgb(f[2]), 30)
                               for y in range(y0, y1)
                               for xx in (x - 1, x, x + 1))
        except (KeyError, ValueError, IndexError) as e:
            got = 'cannot check: %s' % e
            good = False
        print('%sok %d - %s (pixel %s)' % ('' if good else 'not ', n, c,
                                           got))
        failed += not good
        n += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
