"""The HTTP shell every service shares: request ids, metrics, health probes, error handling."""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from . import telemetry
from .context import correlation_id_var, request_id_var
from .errors import JsonResponse, install_error_handlers
from .internal import InternalAuthMiddleware
from .limits import MAX_BODY_BYTES, BodyLimitMiddleware
from .metric_children import children

ReadinessCheck = Callable[[], bool]
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def incoming_id(value: str | None) -> str:
    """A client-supplied id if it is safe to log and forward, else a fresh one."""
    return value if value and _SAFE_ID.match(value) else uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI: ids from X-Request-ID / X-Correlation-ID, echoed back, and request metrics."""

    def __init__(self, app, *, registry: CollectorRegistry, service: str):
        self.app = app
        self.requests = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"],
                                registry=registry)
        self.latency = Histogram("http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], registry=registry,
                                 buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))
        self.requests_as, self.latency_as = children(self.requests), children(self.latency)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        rid = incoming_id(headers.get(b"x-request-id", b"").decode("latin-1") or None)
        cid = incoming_id(headers.get(b"x-correlation-id", b"").decode("latin-1") or None) \
            if b"x-correlation-id" in headers else rid
        t_rid, t_cid = request_id_var.set(rid), correlation_id_var.set(cid)
        status = {"code": 500}
        started = time.perf_counter()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                route = getattr(scope.get("route"), "path", "unmatched")
                self.requests_as(scope["method"], route, str(status["code"])).inc()
                self.latency_as(scope["method"], route).observe(time.perf_counter() - started)
            request_id_var.reset(t_rid)
            correlation_id_var.reset(t_cid)


def operations_router(registry: CollectorRegistry, checks: dict[str, ReadinessCheck]) -> APIRouter:
    """`/healthz` (alive), `/readyz` (dependencies reachable), `/metrics` (Prometheus)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz():
        results = {name: await run_in_threadpool(check) for name, check in checks.items()}
        ready = all(results.values())
        return JsonResponse({"status": "ready" if ready else "not ready",
                               "checks": {k: "ok" if v else "failing" for k, v in results.items()}},
                              status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics():
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def create_service_app(*, service: str, title: str, routers: Iterable[APIRouter],
                       checks: dict[str, ReadinessCheck], lifespan=None,
                       prefixes: tuple[str, ...] = ("", "/api"),
                       internal_routers: Iterable[APIRouter] = (),
                       max_body_bytes: int | None = MAX_BODY_BYTES,
                       upload_routes: Iterable[tuple[str, str]] = (),
                       internal_token: str | None = None, traced: bool = True) -> FastAPI:
    """A FastAPI app with the project's error shape, ids, metrics and probes.

    Public routers are mounted at `/` and again under `/api` (CONTRACT.md); the `/api` copies stay
    out of the OpenAPI document so each operation is documented once. Internal routers (called by
    other services, never through the gateway) are mounted only at `/` and left out of the schema.
    `upload_routes` ((method, path regex) pairs) stream and limit their own bodies. Every path
    under `/internal` answers only callers presenting `internal_token` (none: nobody).
    Requests get server spans when tracing is on (`traced=False`: the caller traces them).
    """
    app = FastAPI(title=title, lifespan=lifespan, default_response_class=JsonResponse)
    registry = CollectorRegistry()
    app.state.metrics_registry = registry
    install_error_handlers(app)
    for router in routers:
        for prefix in prefixes:
            app.include_router(router, prefix=prefix, include_in_schema=prefix == prefixes[0])
    for router in internal_routers:
        app.include_router(router, include_in_schema=False)
    app.include_router(operations_router(registry, checks))
    if max_body_bytes is not None:  # None: the app streams every body itself (test doubles)
        app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes, uploads=upload_routes)
    app.add_middleware(InternalAuthMiddleware, token=internal_token or uuid.uuid4().hex * 2)
    app.add_middleware(RequestContextMiddleware, registry=registry, service=service)
    if traced:
        telemetry.instrument_app(app, service)
    return app
