"""MySQL DATETIME keeps no zone: we always write UTC and read naive values back as UTC."""
from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    """A timezone-aware UTC datetime from a stored value."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(
        UTC)


def from_epoch(seconds: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)
