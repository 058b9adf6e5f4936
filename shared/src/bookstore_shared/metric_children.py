"""A labelled Prometheus metric's children, each looked up once.

`metric.labels(*values)` validates the values and takes the metric's lock on every call: a few
microseconds that every request and every event paid, for a child that never changes. Label
values here are bounded by design (routes, statuses, routing keys, services), so the children
are kept for the process's life."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def children(metric: Any) -> Callable[..., Any]:
    """`child(*values)`: `metric.labels(*values)`, looked up once per set of values. Safe from
    any thread: two threads that miss together get the same child from `labels()`."""
    known: dict[tuple, Any] = {}

    def child(*values: str) -> Any:
        found = known.get(values)
        if found is None:
            found = known[values] = metric.labels(*values)
        return found

    return child
