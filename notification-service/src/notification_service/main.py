"""Notification service: per-user WebSockets, broadcasts, and email with the purchased PDF."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from bookstore_shared.bus import Bus
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI
from prometheus_client import Counter, Gauge

from .bootstrap import NotificationContainer, bootstrap
from .config import Settings
from .entrypoints import api, ws


def _lifespan(container: NotificationContainer):
    runtime_lifespan = container.runtime.lifespan(container.mail_sender.start,
                                                  container.revocations.start)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        container.hub.attach(asyncio.get_running_loop())
        async with runtime_lifespan(app):
            try:
                yield
            finally:
                container.mail_sender.stop()
                container.revocations.stop()

    return lifespan


def _metrics(app: FastAPI, container: NotificationContainer) -> None:
    registry = app.state.metrics_registry
    gauge = Gauge("notification_ws_connections", "Open WebSocket connections", registry=registry)
    gauge.set_function(lambda: container.hub.connection_count)
    slow = Counter("notification_ws_slow_client_closes", "Sockets closed for falling behind",
                   registry=registry)
    container.hub.set_overflow_callback(slow.inc)


def create_app(settings: Settings | None = None, bus: Bus | None = None, **overrides) -> FastAPI:
    """The notification service app; `overrides` go to bootstrap (keys, transport, catalog)."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus, **overrides)
    app = create_service_app(service="notification", title="Bookstore notification service",
                             routers=[api.router, ws.router], checks=container.runtime.checks(),
                             lifespan=_lifespan(container))
    app.state.container = container
    app.state.token_verifier = container.verifier  # where bookstore_shared.security looks
    _metrics(app, container)
    return app


if __name__ == "__main__":
    _settings = Settings()
    serve(create_app(_settings), _settings)
