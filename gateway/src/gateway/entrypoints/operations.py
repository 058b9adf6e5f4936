"""`/admin/metrics/{service}`: each service's Prometheus metrics for admins, through the gateway.

The probes and metrics themselves are for operators: the gateway routes no service's `/readyz`
or `/metrics`, and answers its own only to requests that did not come through a proxy (the
Kubernetes probes, Prometheus on the pod network, `make run` on the machine); see Edge.
"""
from __future__ import annotations

from typing import Annotated

import httpx
from bookstore_shared.errors import ApiError
from bookstore_shared.security import AdminUser
from bookstore_shared.settings import BaseServiceSettings
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

OPERATOR_PATHS = frozenset({"/readyz", "/metrics"})
# A request that went through a proxy is a public client's, whatever address it came from.
FORWARDING_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")


def reached_through_a_proxy(headers: dict[bytes, bytes]) -> bool:
    return any(name in headers for name in FORWARDING_HEADERS)


def metrics_router(settings: BaseServiceSettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/admin/metrics/{service}")
    async def service_metrics(request: Request, _admin: AdminUser,
                              service: Annotated[str, Path(max_length=40)]) -> Response:
        """The Prometheus text of one service (admins only)."""
        if service == "gateway":
            body = generate_latest(request.app.state.metrics_registry)
        elif service in settings.service_names():
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    answer = await client.get(settings.service_url(service) + "/metrics")
                answer.raise_for_status()
            except httpx.HTTPError:
                raise ApiError(503, "Service unavailable",
                               error=f"{service} did not answer") from None
            body = answer.content
        else:
            raise ApiError(404, "Unknown service", error=f"one of {sorted(settings.service_names())}")
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
