"""What the soak's records say over time: per minute, per 10 s, per fault, per process."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

WARM_UP_S = 10.0
WINDOW_S = 5.0


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def latencies(soak) -> list[tuple[float, float]]:
    """(sent, seconds to PROCESSING as the owner's socket told) of every order it told."""
    soak.load.attribute()
    return sorted((o.sent, o.live["PROCESSING"] - o.sent) for o in soak.load.orders
                  if o.id is not None and "PROCESSING" in o.live)


@dataclass
class Minute:
    index: int
    placed: int = 0
    processed: int = 0
    p50: float | None = None
    p99: float | None = None
    failed: int = 0
    faults: list[str] = field(default_factory=list)


def per_minute(soak) -> list[Minute]:
    lat = latencies(soak)
    count = max(1, math.ceil(soak.minutes))
    out = [Minute(i) for i in range(count)]

    def at(t: float) -> Minute:
        return out[min(count - 1, int(t // 60))]

    for order in soak.load.orders:
        if order.id is not None:
            at(order.sent).placed += 1
            if "PROCESSING" in order.live:
                at(order.live["PROCESSING"]).processed += 1
    for minute in out:
        values = [d for s, d in lat if minute.index * 60 <= s < (minute.index + 1) * 60]
        minute.p50, minute.p99 = percentile(values, 50), percentile(values, 99)
    for t in soak.load.failed_at:
        at(t).failed += 1
    for fault in soak.chaos.faults:
        at(fault.at).faults.append(f"{fault.kind.replace('_', ' ')} {fault.target}".strip())
    return out


@dataclass
class Bucket:
    start: float
    rate: float
    p99: float | None


def series(soak, width: float) -> list[Bucket]:
    """Orders/s reaching PROCESSING and the p99 of orders placed, per `width` seconds."""
    lat = latencies(soak)
    end = soak.minutes * 60
    out = []
    start = 0.0
    while start < end:
        done = sum(1 for o in soak.load.orders if "PROCESSING" in o.live and
                   start <= o.live["PROCESSING"] < start + width)
        out.append(Bucket(start, done / width,
                          percentile([d for s, d in lat if start <= s < start + width], 99)))
        start += width
    return out


@dataclass
class Recovery:
    seconds: float | None  # None: the latency never came back within the run


def recoveries(soak) -> list[Recovery]:
    """Per fault: from its end, how long until orders placed during WINDOW_S seconds in a row
    all reached PROCESSING within the bound (3 × the p99 before the first fault, ≥ 1 s)."""
    lat = latencies(soak)
    first = soak.chaos.faults[0].at if soak.chaos.faults else math.inf
    before = [d for s, d in lat if WARM_UP_S <= s < first] or [d for s, d in lat if s < first]
    bound = max(1.0, 3 * (percentile(before, 99) or 0.0))
    # delivered orders whose PROCESSING the socket missed (it was reconnecting): slow
    unseen = sorted(o.sent for o in soak.load.orders if o.id is not None
                    and "PROCESSING" not in o.live
                    and "DELIVERED" in (o.fetched, *o.live))
    out = []
    for fault in soak.chaos.faults:
        out.append(Recovery(_back_after(lat, unseen, fault.ended, bound)))
    return out


def _back_after(lat, unseen, since: float, bound: float) -> float | None:
    """The first time ≥ `since` from which every order placed in the next WINDOW_S seconds was
    fast (and told), as seconds after `since`."""
    slow = [s for s, d in lat if s >= since and d > bound] + [s for s in unseen if s >= since]
    placed = [s for s, _d in lat if s >= since]
    t = since
    for s in sorted(slow):
        if s - t >= WINDOW_S and any(t <= p < t + WINDOW_S for p in placed):
            return t - since
        t = s + 1e-6
    return t - since if any(t <= p < t + WINDOW_S for p in placed) else None


def memory_table(soak) -> tuple[list[str], list[str]]:
    """Markdown rows of RSS per process per minute, and the processes whose memory still grew in
    the second half of their life (since the first minute, or the minute after a restart): by
    more than 10 % and 10 MB from its middle to its end. A leak keeps growing; a high-water mark
    left by a burst (a fault's backlog) does not."""
    samples = soak.samples.rss
    if not samples:
        return ["(no samples)"], []
    names = sorted({n for _t, rss in samples for n in rss})
    count = max(1, math.ceil(soak.minutes))
    last: dict[tuple[str, int], float] = {}
    for t, rss in samples:
        for name, mb in rss.items():
            last[(name, min(count - 1, int(t // 60)))] = mb
    restarts = {(f.target, min(count - 1, int(f.at // 60))) for f in soak.chaos.faults
                if f.kind == "kill"}
    rows = ["| process | " + " | ".join(str(m + 1) for m in range(count)) + " |",
            "|---|" + "---:|" * count]
    grew = []
    for name in names:
        cells, stretch = [], []
        for m in range(count):
            mb = last.get((name, m))
            mark = " ↻" if (name, m) in restarts else ""
            cells.append("—" if mb is None else f"{mb:.0f}{mark}")
            if mark:  # a new process: its growth is measured from the minute after its start
                stretch = []
            elif mb is not None and m >= 1:
                stretch.append(mb)
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        middle = stretch[len(stretch) // 2] if len(stretch) >= 2 else None
        if middle is not None and stretch[-1] > middle * 1.1 and stretch[-1] - middle > 10:
            grew.append(name)
    return rows, grew
