"""Composition root: settings -> bus subscription, denylist, upstream client, limiter."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

from bookstore_shared.bus import Bus
from bookstore_shared.revocations import RevocationFeed, snapshot_fetcher
from bookstore_shared.runtime import make_bus
from bookstore_shared.security import JWKS_PATH, JwksKeys, RevokedSessions, TokenVerifier
from starlette.concurrency import run_in_threadpool

from .adapters.eventhub import EventHub
from .adapters.upstream import UpstreamClient
from .config import Settings
from .domain.ratelimit import FixedWindowLimiter
from .domain.routing import UPSTREAM_SERVICES


@dataclass
class Gateway:
    """Everything the gateway's entry points share."""

    settings: Settings
    bus: Bus
    owns_bus: bool
    revoked: RevokedSessions
    client: UpstreamClient
    revocations: RevocationFeed
    limiter: FixedWindowLimiter | None
    verifier: TokenVerifier
    hub: EventHub

    def lifespan(self):
        """Open the upstream session, start the bus (when owned) and the denylist sync; undo."""

        @asynccontextmanager
        async def _lifespan(app):
            await self.client.open()
            if self.owns_bus:
                await run_in_threadpool(self.bus.start)
            self.revocations.start()
            try:
                yield
            finally:
                await run_in_threadpool(self.revocations.stop)
                await self.client.close()
                if self.owns_bus:
                    await run_in_threadpool(self.bus.stop)

        return _lifespan


def bootstrap(settings: Settings, bus: Bus | None = None) -> Gateway:
    """Wire the gateway; a passed bus (standalone mode, tests) is started and stopped by its owner."""
    revoked = RevokedSessions()
    owns_bus = bus is None
    bus = bus or make_bus(settings)
    revocations = RevocationFeed(revoked, snapshot_fetcher(settings, "auth"))
    revocations.subscribe(bus, "gateway")
    client = UpstreamClient({s: settings.service_url(s) for s in UPSTREAM_SERVICES},
                            pool_size=settings.upstream_pool_size,
                            connect_timeout_s=settings.upstream_connect_timeout_s,
                            upstream_timeout_s=settings.upstream_timeout_s)
    limiter = (FixedWindowLimiter(settings.rate_limit_per_min)
               if settings.rate_limit_per_min else None)
    # The gateway verifies tokens itself only for its own admin event feed.
    verifier = TokenVerifier(JwksKeys(settings.service_url("auth") + JWKS_PATH),
                             revoked=revoked)
    hub = EventHub(bus, max_clients=settings.event_feed_max_clients,
                   buffer=settings.event_feed_buffer)
    return Gateway(settings=settings, bus=bus, owns_bus=owns_bus, revoked=revoked, client=client,
                   revocations=revocations, limiter=limiter,
                   verifier=verifier, hub=hub)
