"""The soak's judgements on its records: when is memory still growing, when did latency come
back after a fault (no system needed)."""
from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from bench.soak.stats import _back_after, memory_table


def soak_with_memory(rows: dict[str, list[float]], kills: list[tuple[str, float]] = ()):
    samples = [(m * 60 + 30, {n: v[m] for n, v in rows.items()}) for m in range(10)]
    faults = [NS(kind="kill", target=name, at=at) for name, at in kills]
    return NS(samples=NS(rss=samples), minutes=10, chaos=NS(faults=faults))


def test_memory_that_keeps_growing_is_reported_and_a_high_water_mark_or_a_restart_is_not():
    soak = soak_with_memory({
        "plateau": [116, 119, 134, 134, 139, 147, 147, 147, 147, 147],  # a fault's backlog
        "leaky": [100, 105, 110, 115, 120, 125, 130, 135, 140, 150],
        "restarted": [109, 109, 47, 106, 106, 108, 108, 108, 108, 108],
        "leaky_after_restart": [109, 109, 47, 100, 104, 108, 112, 116, 120, 124]},
        kills=[("restarted", 150), ("leaky_after_restart", 150)])
    rows, grew = memory_table(soak)
    assert grew == ["leaky", "leaky_after_restart"]
    assert "| restarted | 109 | 109 | 47 ↻ | 106 |" in "\n".join(rows)


def test_latency_is_back_once_orders_placed_for_five_seconds_in_a_row_are_fast():
    # (placed at, seconds to PROCESSING), an order every 0.5 s: slow until 11.5 s, fast after
    lat = [(t / 2, 3.0 if t / 2 < 12 else 0.05) for t in range(60)]
    assert _back_after(lat, [], since=10.0, bound=1.0) == pytest.approx(1.5)  # after 11.5 s
    assert _back_after(lat, [], since=20.0, bound=1.0) == 0.0
    # an order whose PROCESSING the socket never told counts as slow
    assert _back_after(lat, [22.0], since=20.0, bound=1.0) == pytest.approx(2.0)
    # slow to the end of the run: never back
    assert _back_after([(t, 3.0) for t in range(30)], [], since=5.0, bound=1.0) is None
