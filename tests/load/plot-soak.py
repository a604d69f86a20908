"""Draws the soak's series (tab-separated: minute, rps, p50, p99, rss) as a self-contained SVG:
resident memory on top, p50/p99 latency below. No plotting library: the machine has none, and two
polylines do not need one."""
import sys

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
minutes = [float(r[0]) for r in rows]
series = {"rps": [float(r[1]) for r in rows], "p50": [float(r[2]) for r in rows],
          "p99": [float(r[3]) for r in rows], "rss": [float(r[4]) for r in rows]}
width, panel, left, top = 760, 190, 60, 30
height = top + 2 * (panel + 50)
end = max(minutes) if minutes else 1


def polyline(values, y0, vmax, colour):
    points = " ".join(f"{left + (m / end) * (width - left - 20):.1f},{y0 + panel - (v / vmax) * panel:.1f}"
                      for m, v in zip(minutes, values))
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'


def axes(y0, vmax, label):
    out = [f'<rect x="{left}" y="{y0}" width="{width - left - 20}" height="{panel}" fill="none" stroke="#999"/>',
           f'<text x="{left}" y="{y0 - 8}" font-size="13">{label}</text>']
    for i in range(5):
        value = vmax * i / 4
        y = y0 + panel - panel * i / 4
        out.append(f'<text x="{left - 6}" y="{y + 4}" font-size="11" text-anchor="end">{value:.0f}</text>')
        out.append(f'<line x1="{left}" x2="{width - 20}" y1="{y}" y2="{y}" stroke="#eee"/>')
    for i in range(7):
        x = left + (width - left - 20) * i / 6
        out.append(f'<text x="{x}" y="{y0 + panel + 16}" font-size="11" text-anchor="middle">{end * i / 6:.0f} min</text>')
    return out


rss_max = max(series["rss"]) * 1.25
lat_max = max(series["p99"]) * 1.25
lat_top = top + panel + 50
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">',
         '<rect width="100%" height="100%" fill="white"/>']
parts += axes(top, rss_max, f"gateway resident memory, MB (mean {sum(series['rss']) / len(rows):.0f})")
parts.append(polyline(series["rss"], top, rss_max, "#1f77b4"))
parts += axes(lat_top, lat_max, f"latency per segment, ms: p50 (green), p99 (red); mean {sum(series['rps']) / len(rows):.0f} req/s")
parts.append(polyline(series["p50"], lat_top, lat_max, "#2ca02c"))
parts.append(polyline(series["p99"], lat_top, lat_max, "#d62728"))
parts.append("</svg>")
open(sys.argv[2], "w").write("\n".join(parts))
