"""The revoked-session denylist's two feeds: `auth.session_revoked` events and auth's snapshot."""
from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import aiohttp
from bookstore_shared.bus import Bus
from bookstore_shared.events import Envelope
from bookstore_shared.security import RevokedSessions

from .upstream import UpstreamClient

log = logging.getLogger(__name__)

SNAPSHOT_PATH = "/internal/revoked-sessions"


def session_revoked_handler(revoked: RevokedSessions):
    """A bus handler adding each revoked session to the denylist until its tokens expire."""

    def handle(envelope: Envelope) -> None:
        event = envelope.payload()
        revoked.revoke(event.session_id, event.expires_at.timestamp())

    return handle


def expiry_seconds(value: object) -> float:
    """Unix seconds from a number, a numeric string or an ISO-8601 time."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
    raise ValueError(f"not a time: {value!r}")


def apply_snapshot(body: object, revoked: RevokedSessions) -> int:
    """Add every session of auth's `{"sessions": [{"session_id", "expires_at"}]}`; returns how many."""
    if not isinstance(body, dict) or not isinstance(body.get("sessions"), list):
        raise TypeError("unexpected revoked-sessions document")
    count = 0
    for item in body["sessions"]:
        try:
            revoked.revoke(str(item["session_id"]), expiry_seconds(item["expires_at"]))
            count += 1
        except (KeyError, TypeError, ValueError):
            log.warning("skipping malformed revoked session entry")
    return count


class RevocationSync:
    """Loads auth's snapshot at start and again whenever the bus (re)connects, retrying with backoff.

    Events published while this replica's exclusive queue did not exist are thereby not lost.
    """

    def __init__(self, client: UpstreamClient, revoked: RevokedSessions, bus: Bus, *,
                 poll_s: float = 0.5, max_backoff_s: float = 30.0):
        self._client = client
        self._revoked = revoked
        self._bus = bus
        self._poll = poll_s
        self._max_backoff = max_backoff_s
        self.loaded = asyncio.Event()

    async def run(self) -> None:
        needed, was_healthy, backoff = True, False, self._poll
        while True:
            healthy = self._bus.is_healthy()
            needed = needed or (healthy and not was_healthy)
            was_healthy = healthy
            if needed:
                try:
                    body = await self._client.get_json("auth", SNAPSHOT_PATH)
                    count = apply_snapshot(body, self._revoked)
                    needed, backoff = False, self._poll
                    self.loaded.set()
                    log.info("revoked sessions loaded", extra={"count": count})
                except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                    log.info("revoked sessions not loaded yet, retrying",
                             extra={"error": str(exc) or type(exc).__name__})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._max_backoff)
                    continue
            await asyncio.sleep(self._poll)
