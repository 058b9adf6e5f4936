"""How a service process's cyclic garbage collector runs (set once, when the service starts).

Why: a full collection walks every object the collector tracks and stops the event loop while it
does. A socket costs its process objects for as long as it is open (tasks, coroutines, queues,
protocol state): with 10,000 sockets the notification service tracks about 2.4 million objects
(~240 per socket), a gateway holding them all about 1.7 million, and a full collection takes
0.7–1.5 s on a busy two-core machine — every socket waits that long for its frame. CPython starts a
full collection once the objects promoted to the old generation since the last one exceed a
quarter of it. With its default young generation (700 allocations) a broadcast — 10,000 frames in
flight for a few hundred ms — runs dozens of young collections, each promoting whatever happens to
be in flight at that moment: with a broadcast every 2 s, a full collection followed every 15–30 s
in each process.

What, and what it costs:
- A young generation of `YOUNG_GENERATION` allocations instead of 700: young collections run
  that much less often, so short-lived objects die before a collection can promote them and full
  collections become rare. Cost: cyclic garbage waits for the next young collection — at most
  that many objects (a few MB); a young collection walks up to that many objects and a middle one
  (every tenth) up to ten times as many: 20–40 ms and 130–220 ms measured with 10,000 sockets on
  two busy cores, against 0.7–1.5 s for a full one.
- `gc.freeze()` of the heap the service built before serving (modules, classes, the app, about
  120,000 objects): no collection walks it again. Cost: an object of that heap that becomes
  cyclic garbage later is never freed; bounded by the startup heap, it cannot grow.
- Nothing else changes: the middle and old generations keep CPython's thresholds, and a full
  collection still runs by CPython's rule, so cyclic garbage made while serving is collected as
  before — later. A full collection over many sockets still takes as long when it happens.
"""
from __future__ import annotations

import gc

YOUNG_GENERATION = 50_000


def tune_garbage_collector() -> None:
    """Collect what starting up left, freeze the rest, enlarge the young generation (see module
    doc). Call once, after the app is built and before it serves."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)
