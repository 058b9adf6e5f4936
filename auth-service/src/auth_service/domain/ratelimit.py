"""Sliding-window arithmetic for failed-login limits (pure: timestamps in, seconds out)."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `limit` failures within `seconds`; the next attempt beyond that is refused."""

    limit: int
    seconds: int


def retry_after(failures: Iterable[float], *, window: Window, now: float) -> int | None:
    """Seconds until another attempt is allowed, or None when it is allowed now.

    `failures` are the epoch seconds of failed attempts. With `limit` or more failures inside the
    window, the caller must wait until enough of them age out that fewer than `limit` remain.
    """
    recent = sorted(t for t in failures if now - window.seconds < t <= now)
    if len(recent) < window.limit:
        return None
    # The oldest failure that must leave the window for the count to drop below the limit.
    pivot = recent[len(recent) - window.limit]
    return max(1, math.ceil(pivot + window.seconds - now))


def strictest(*waits: int | None) -> int | None:
    """The longest of several waits (None when no window refuses)."""
    present = [w for w in waits if w is not None]
    return max(present) if present else None
