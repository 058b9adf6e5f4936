"""The gateway: `create_app()` for tests and the launcher; `python -m gateway.main` to run it."""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from starlette.routing import Route

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints.asyncapi import asyncapi_router
from .entrypoints.deadletters import dead_letters_router
from .entrypoints.edge import Edge
from .entrypoints.eventfeed import EventFeed, FeedMetrics
from .entrypoints.home import home_router
from .entrypoints.openapi import MergedDocument, docs_router
from .entrypoints.operations import metrics_router
from .entrypoints.proxy import HttpProxy, ProxyMetrics
from .entrypoints.websocket import WebSocketProxy

_FASTAPI_DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> Edge:
    """The gateway's ASGI app: the proxy in front, FastAPI behind it for the gateway's own paths."""
    settings = settings or Settings()
    gateway = bootstrap(settings, bus)
    document = MergedDocument(gateway.client, ttl_s=settings.openapi_cache_s)
    inner = create_service_app(service="gateway", title="Bookstore gateway",
                               routers=[docs_router(document), asyncapi_router(),
                                        dead_letters_router(gateway.bus, settings.service_names()),
                                        metrics_router(settings)],
                               internal_routers=[home_router()],
                               # not ready before the revoked sessions are known
                               checks={"broker": gateway.bus.is_healthy,
                                       "revocations": gateway.revocations.is_loaded},
                               lifespan=gateway.lifespan(), traced=False)
    # FastAPI's own document would describe only the gateway; the merged one replaces it.
    inner.router.routes[:] = [r for r in inner.router.routes
                              if not (type(r) is Route and r.path in _FASTAPI_DOC_PATHS)]
    inner.state.token_verifier = gateway.verifier  # the admin routes' AdminUser dependency
    metrics = ProxyMetrics(inner.state.metrics_registry)
    gateway.hub.metrics = FeedMetrics(inner.state.metrics_registry)
    feed = EventFeed(gateway.hub, gateway.verifier, heartbeat_s=settings.event_feed_heartbeat_s)
    return Edge(inner, http=HttpProxy(gateway.client, metrics),
                websocket=WebSocketProxy(gateway.client), revoked=gateway.revoked,
                limiter=gateway.limiter, cors_origins=settings.allowed_origins, gateway=gateway,
                feed=feed, max_upload_bytes=settings.max_upload_bytes)


if __name__ == "__main__":
    serve(create_app(), Settings())
