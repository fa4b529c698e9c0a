#!/usr/bin/env python3
"""pngcheck.py SVG PNG CHECK... - is each thing drawn where the numbers say?

The SVG (lib/run/timeline_svg.c) says how each panel maps time and
memory to pixels (data-x0, data-x1, data-ms1, data-y0, data-y1,
data-kib1) and which colour each domain's line has; the PNG is what
rsvg-convert made of it.  Each CHECK is one of

  line:DOMAIN:MS:MIB       DOMAIN's colour within 3 px of (MS, MIB) in
                           the memory panel
  noline:DOMAIN:MS:MIB     and not within 3 px there
  color:PANEL:MS:MIB:RGB   about colour RGB (rrggbb) at that point;
                           PANEL steps: MIB is the bar's row (0, 1, ...)
  mark:WHAT:RGB            the WHAT mark (capacity, placement) drawn in
                           RGB somewhere down its line

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


def near(a, b, tol=40):
    return all(abs(x - y) <= tol for x, y in zip(a, b))


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
    sw = float(root.get('width'))
    scale = w / sw                      # rendered at the SVG's own size

    def at(panel, ms, value, row=False):
        g = panels[panel]
        x0, x1 = float(g.get('data-x0')), float(g.get('data-x1'))
        y0, y1 = float(g.get('data-y0')), float(g.get('data-y1'))
        x = x0 + ms * (x1 - x0) / float(g.get('data-ms1'))
        if row:
            y = y1 + 20 * value + 10    # ROW_H 20, the bar in the middle
        else:
            y = y0 - value * 1024 * (y0 - y1) / float(g.get('data-kib1'))
        return int(round(x * scale)), int(round(y * scale))

    def seen(x, y, color, r):
        return any(near(px[j][i], color)
                   for j in range(max(0, y - r), min(h, y + r + 1))
                   for i in range(max(0, x - r), min(w, x + r + 1)))

    n = int(os.environ.get('TAP_FIRST', '1'))
    failed = 0
    for c in checks:
        f = c.split(':')
        if f[0] in ('line', 'noline'):
            x, y = at('memory', float(f[2]), float(f[3]))
            good = seen(x, y, colors[f[1]], 3)
            if f[0] == 'noline':
                good = not good
            got = px[y][x]
        elif f[0] == 'color':
            x, y = at(f[1], float(f[2]), float(f[3]), f[1] == 'steps')
            good = near(px[y][x], rgb(f[4]), 12)
            got = px[y][x]
        else:
            g = marks.get(f[1])
            got = None
            good = False
            if g is not None:
                x, _ = at('steps', float(g.get('data-ms')), 0, True)
                y0 = int(float(panels['memory'].get('data-y1')) * scale)
                y1 = int(float(panels['steps'].get('data-y0')) * scale)
                good = any(near(px[y][xx], rgb(f[2]), 30)
                           for y in range(y0, y1)
                           for xx in (x - 1, x, x + 1))
        print('%sok %d - %s (pixel %s)' % ('' if good else 'not ', n, c,
                                           got))
        failed += not good
        n += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
