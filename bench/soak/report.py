"""The soak's report: per minute throughput and latency, each fault and how long the latency took
to come back, memory per process per minute, and the verdict; rendered as the "Soak" section of
docs/RELIABILITY.md with a plot (docs/soak.svg)."""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

from bookstore_testing.reports import SOAK_MARKER, replace_section

from .stats import Minute, memory_table, per_minute, recoveries, series

ROOT = Path(__file__).resolve().parents[2]
RECOVER_WITHIN_S = 10.0


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.0f}"


def render(soak) -> str:
    """Markdown of the whole soak (the section written to docs/RELIABILITY.md)."""
    v, chaos = soak.verdict, soak.chaos
    minutes: list[Minute] = per_minute(soak)
    rec = recoveries(soak)
    slow = [r for r in rec if r.seconds is None or r.seconds > RECOVER_WITHIN_S]
    mem, grew = memory_table(soak)
    lines = [
        SOAK_MARKER, "## Soak: orders while things break", "",
        (f"Written by `make soak` (`python -m bench.soak --write`); last run {soak.started}, commit "
         f"{_commit()}: {soak.minutes:g} min at {soak.rate:g} orders/s from {soak.users} users, "
         f"seed {soak.seed}, one process per service on MySQL + RabbitMQ with a second replica of "
         "inventory, order and notification. Half the users listen on the gateway's `/ws`, half "
         "on the second notification replica."), "",
        (f"**{v.orders} orders accepted ({_counts(v.by_status)}; {sum(v.refused.values())} refused "
         f"at the door: {_counts(v.refused)}), {len(chaos.faults)} faults injected, {v.lost} lost, "
         f"{v.doubled} doubled, {v.stuck} stuck, {v.misdelivered} misdelivered; latency back within {RECOVER_WITHIN_S:g} s after "
         f"{len(rec) - len(slow)} of {len(rec)} faults; memory "
         f"{'flat' if not grew else 'still growing in ' + ', '.join(grew)} in the second "
         "half of the run.**"), "",
        "![orders/s and p99 over time, faults marked](soak.svg)", "",
        "### Faults", "",
        ("Each fault's recovery is the time from its end until orders placed reach PROCESSING "
         "within the bound again (three times the p99 before the first fault, at least 1 s) for "
         "5 s in a row."), "",
        "| at | fault | target | took | latency back after |", "|---:|---|---|---:|---:|",
    ]
    for fault, r in zip(chaos.faults, rec, strict=True):
        back = "never" if r.seconds is None else f"{r.seconds:.1f} s"
        lines.append(f"| {fault.at:.0f} s | {fault.kind.replace('_', ' ')} | {fault.target} | "
                     f"{fault.ended - fault.at:.1f} s | {back} |")
    lines += [*(f"- injection failed: {e}" for e in chaos.errors), "",
              "### Per minute", "",
              ("| minute | orders placed | reached PROCESSING | p50 ms | p99 ms | failed calls "
              "(retried) | faults |"), "|---:|---:|---:|---:|---:|---:|---|"]
    for m in minutes:
        lines.append(f"| {m.index + 1} | {m.placed} | {m.processed} | {_ms(m.p50)} | "
                     f"{_ms(m.p99)} | {m.failed} | {', '.join(m.faults) or '—'} |")
    lines += ["", "### Resident memory per process (MB, last sample of each minute; ↻ restarted)",
              "", *mem, "", ("A process's memory counts as growing when it rose by more than 10 % "
                             "and 10 MB in the second half of its life in the run (a leak keeps "
                             "growing; the high-water mark a fault's backlog leaves does not)."),
              "", "### Checks", "",
              *(f"- {what}: {n} verified" for what, n in v.checked.items()),
              *(f"- {note}" for note in v.notes),
              *(f"- **{p}**" for p in v.problems[:50]), "",
              (f"Reads during the run: {_counts(soak.load.reads)}. Failed calls were retried "
               f"by the clients (same Idempotency-Key): {_counts(soak.load.errors) or 'none'}."),
              ""]
    return "\n".join(lines)


def _counts(counter) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(counter.items(), key=lambda kv: -kv[1]))


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write(soak, docs: Path = ROOT / "docs") -> None:
    """Replace the soak section of docs/RELIABILITY.md and the plot next to it."""
    replace_section(docs / "RELIABILITY.md", SOAK_MARKER, render(soak))
    (docs / "soak.svg").write_text(svg(soak))


W, H, L, R, T, GAP = 760, 420, 70, 20, 30, 40


def svg(soak) -> str:
    """Orders/s reaching PROCESSING (top) and p99 placed→PROCESSING (bottom, log) per 10 s, with
    the faults as vertical lines."""
    end = soak.minutes * 60
    buckets = series(soak, width=10.0)
    panel = (H - T - GAP - 40) / 2

    def x(t: float) -> float:
        return L + (W - L - R) * t / max(end, 1)

    top_max = max([b.rate for b in buckets] + [1.0])
    p99s = [b.p99 for b in buckets if b.p99]
    lo = 10 ** math.floor(math.log10(min(p99s or [0.01])))
    hi = max(10 ** math.ceil(math.log10(max(p99s or [1.0]))), lo * 10)

    def y_top(v: float) -> float:
        return T + panel * (1 - v / top_max)

    def y_bottom(v: float) -> float:
        base = T + panel + GAP
        return base + panel * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) -
                                                                        math.log10(lo)))

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           'font-family="sans-serif" font-size="11">'), (f'<rect width="{W}" height="{H}" '
           'fill="white"/>'),
           f'<text x="{L}" y="18" font-size="13">Orders/s reaching PROCESSING (per 10 s)</text>',
           (f'<text x="{L}" y="{T + panel + GAP - 8}" font-size="13">p99 placed→PROCESSING '
           '(s, log scale, by time placed)</text>')]
    for v in (0, top_max / 2, top_max):
        out.append(f'<text x="{L - 6}" y="{y_top(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    decade = lo
    while decade <= hi:
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y_bottom(decade):.1f}" '
                   f'y2="{y_bottom(decade):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{L - 6}" y="{y_bottom(decade) + 4:.1f}" text-anchor="end">'
                   f'{decade:g}</text>')
        decade *= 10
    for minute in range(math.ceil(end / 60) + 1):
        out.append(f'<text x="{x(minute * 60):.1f}" y="{H - 12}" text-anchor="middle">'
                   f'{minute} min</text>')
    for fault in soak.chaos.faults:
        out.append(f'<line x1="{x(fault.at):.1f}" x2="{x(fault.at):.1f}" y1="{T}" '
                   f'y2="{H - 30}" stroke="#d62728" stroke-dasharray="3,3"/>')
        out.append(f'<text x="{x(fault.at) + 3:.1f}" y="{T + 10}" fill="#d62728" '
                   f'font-size="9">{fault.kind.split("_")[0]}</text>')
    top = " ".join(f"{x(b.start + 5):.1f},{y_top(b.rate):.1f}" for b in buckets)
    bottom = " ".join(f"{x(b.start + 5):.1f},{y_bottom(b.p99):.1f}" for b in buckets if b.p99)
    out.append(f'<polyline points="{top}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    out.append(f'<polyline points="{bottom}" fill="none" stroke="#2ca02c" stroke-width="2"/>')
    return "\n".join(out + ["</svg>"]) + "\n"
