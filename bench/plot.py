"""A small hand-written SVG chart (no plotting library): saga latency percentiles by arrival rate."""
from __future__ import annotations

import math

W, H, L, R, T, B = 640, 360, 70, 170, 30, 50
SERIES = [("to_processing_ms", "p50", "→PROCESSING p50", "#1f77b4", ""),
          ("to_processing_ms", "p99", "→PROCESSING p99", "#1f77b4", "6,4"),
          ("to_delivered_ms", "p50", "→DELIVERED p50", "#d62728", ""),
          ("to_delivered_ms", "p99", "→DELIVERED p99", "#d62728", "6,4")]


def saga_svg(runs: list[dict]) -> str:
    """Latency (log scale) per arrival rate; saturation is the last point."""
    labels = [f"{x['rate']}/s" if x["rate"] else "sat." for x in runs]
    values = [x[k][p] for x in runs for k, p, *_ in SERIES if x[k][p] == x[k][p] and x[k][p] > 0]
    lo = 10 ** math.floor(math.log10(min(values or [1])))
    hi = 10 ** math.ceil(math.log10(max(values or [10])))
    hi = max(hi, lo * 10)

    def x(i: int) -> float:
        return L + (W - L - R) * (i / max(1, len(runs) - 1))

    def y(v: float) -> float:
        return T + (H - T - B) * (1 - (math.log10(v) - math.log10(lo)) /
                                  (math.log10(hi) - math.log10(lo)))

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           'font-family="sans-serif" font-size="12">'),
           f'<rect width="{W}" height="{H}" fill="white"/>',
           (f'<text x="{L}" y="18" font-size="14">Order saga latency from POST /orders (ms, '
           'log scale)</text>')]
    decade = lo
    while decade <= hi:
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y(decade):.1f}" y2="{y(decade):.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{L - 8}" y="{y(decade) + 4:.1f}" text-anchor="end">'
                   f'{decade:g}</text>')
        decade *= 10
    for i, label in enumerate(labels):
        out.append(f'<text x="{x(i):.1f}" y="{H - B + 20}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">'
               'arrival rate (orders/s)</text>')
    for n, (key, p, name, color, dash) in enumerate(SERIES):
        pts = [(x(i), y(run[key][p])) for i, run in enumerate(runs)
               if run[key][p] == run[key][p] and run[key][p] > 0]
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" '
                   f'stroke-dasharray="{dash}"/>')
        out += [f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>' for a, b in pts]
        ly = T + 20 + 20 * n
        out.append(f'<line x1="{W - R + 10}" x2="{W - R + 35}" y1="{ly}" y2="{ly}" '
                   f'stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{W - R + 40}" y="{ly + 4}">{name}</text>')
    if 100 > lo:
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y(100):.1f}" y2="{y(100):.1f}" '
                   'stroke="#2ca02c" stroke-dasharray="2,3"/>')
        out.append(f'<text x="{W - R + 10}" y="{y(100) + 4:.1f}" fill="#2ca02c">100 ms target'
                   '</text>')
    return "\n".join(out + ["</svg>"]) + "\n"
