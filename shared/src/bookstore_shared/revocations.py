"""Every process that verifies tokens knows the revoked sessions itself: `auth.session_revoked`
on a queue of its own, and auth's snapshot (`GET /internal/revoked-sessions`) whenever that queue
starts consuming, since it missed whatever was published while it did not exist."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from .bus import Bus
from .events import Envelope
from .internal import internal_headers
from .security import JWKS_PATH, JwksKeys, RevokedSessions, TokenVerifier
from .settings import BaseServiceSettings

log = logging.getLogger(__name__)

SNAPSHOT_PATH = "/internal/revoked-sessions"
EVENTS = ["auth.session_revoked"]


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


def snapshot_fetcher(settings: BaseServiceSettings, issuer: str, *, timeout_s: float = 5.0
                     ) -> Callable[[], object]:
    """GET the snapshot of revoked sessions from `issuer` (the service that issues the tokens)
    with the internal credential; raises on any failure."""
    url = settings.service_url(issuer) + SNAPSHOT_PATH

    def fetch() -> object:
        response = httpx.get(url, headers=internal_headers(settings), timeout=timeout_s)
        response.raise_for_status()
        return response.json()

    return fetch


class RevocationFeed:
    """Keeps `revoked` complete; `loaded` is set once a snapshot has been applied (readiness)."""

    def __init__(self, revoked: RevokedSessions, fetch: Callable[[], object], *,
                 retry_s: float = 0.5, max_backoff_s: float = 30.0):
        self.revoked = revoked
        self.loaded = threading.Event()
        self._fetch = fetch
        self._retry = retry_s
        self._max_backoff = max_backoff_s
        self._needed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, bus: Bus, queue: str) -> None:
        """Follow `auth.session_revoked` on an exclusive queue (every replica needs every event)."""
        bus.subscribe(queue, EVENTS, session_revoked_handler(self.revoked), exclusive=True,
                      on_connection=self.queue_connected)

    def queue_connected(self, consuming: bool) -> None:
        """The bus hook of the queue receiving `auth.session_revoked`: a snapshot is due each
        time it starts consuming."""
        if consuming:
            self._needed.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="revocations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._needed.set()
        if self._thread is not None:
            self._thread.join(5)

    def is_loaded(self) -> bool:
        return self.loaded.is_set()

    def _run(self) -> None:
        backoff = self._retry
        while not self._stop.is_set():
            self._needed.wait()
            if self._stop.is_set():
                return
            self._needed.clear()  # a reconnection during the fetch asks for another one
            try:
                count = apply_snapshot(self._fetch(), self.revoked)
            except Exception as exc:  # noqa: BLE001 - auth not up yet: keep trying
                self._needed.set()
                log.info("revoked sessions not loaded yet, retrying",
                         extra={"error": f"{type(exc).__name__}: {exc}", "retry_in_s": backoff})
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = self._retry
            self.loaded.set()
            log.info("revoked sessions loaded", extra={"count": count})


def service_verifier(settings: BaseServiceSettings, bus: Bus, *, issuer: str
                     ) -> tuple[TokenVerifier, RevocationFeed]:
    """A service's token verifier (keys from the JWKS of `issuer`, the service that issues the
    tokens) and the feed keeping its revoked sessions complete; start the feed in the service's
    lifespan."""
    revoked = RevokedSessions()
    feed = RevocationFeed(revoked, snapshot_fetcher(settings, issuer))
    feed.subscribe(bus, f"{settings.service_name}.revocations")
    keys = JwksKeys(settings.service_url(issuer) + JWKS_PATH)
    return TokenVerifier(keys, revoked=revoked), feed
