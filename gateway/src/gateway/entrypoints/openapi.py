"""`/openapi.json` (every service's public API in one document) and `/docs` (Swagger UI)."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bookstore_shared.errors import ApiError
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, ORJSONResponse

from ..adapters.upstream import UpstreamClient
from ..domain.openapi import merge_documents
from ..domain.routing import UPSTREAM_SERVICES

SWAGGER_UI_DIR = Path(__file__).resolve().parent.parent / "static" / "swagger-ui"  # v5.35.0
SWAGGER_UI_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
                     "favicon-32x32.png": "image/png"}
TITLE = "Bookstore API"
VERSION = "1.0.0"
# A document that lacks a service is kept only briefly, so it fills in soon after that service is up.
PARTIAL_TTL_S = 1.0


class MergedDocument:
    """Fetches each service's document in parallel (unreachable ones skipped) and caches the merge."""

    def __init__(self, client: UpstreamClient, *, ttl_s: float):
        self._client = client
        self._ttl = ttl_s
        self._document: dict | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> dict:
        """The merged document, at most `ttl_s` old."""
        if self._document is not None and time.monotonic() < self._expires:
            return self._document
        async with self._lock:
            if self._document is None or time.monotonic() >= self._expires:
                self._document, complete = await self._build()
                self._expires = time.monotonic() + (self._ttl if complete else
                                                    min(self._ttl, PARTIAL_TTL_S))
        return self._document

    async def _build(self) -> tuple[dict, bool]:
        fetched = await asyncio.gather(*(self._client.get_json_or_none(s, "/openapi.json")
                                         for s in UPSTREAM_SERVICES))
        documents = {s: d for s, d in zip(UPSTREAM_SERVICES, fetched) if isinstance(d, dict)}
        merged = merge_documents(documents, title=TITLE, version=VERSION)
        return merged, len(documents) == len(UPSTREAM_SERVICES)


def docs_router(document: MergedDocument) -> APIRouter:
    """The gateway's documentation endpoints (mounted at `/` and `/api`)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    async def openapi() -> ORJSONResponse:
        """The merged OpenAPI document of every public endpoint."""
        return ORJSONResponse(await document.get())

    @router.get("/docs")
    async def docs(request: Request) -> HTMLResponse:
        """Swagger UI for the merged document, every asset served by the gateway itself."""
        prefix = "/api" if request.url.path.startswith("/api/") else ""
        return get_swagger_ui_html(
            openapi_url=f"{prefix}/openapi.json", title=TITLE,
            swagger_js_url=f"{prefix}/docs/assets/swagger-ui-bundle.js",
            swagger_css_url=f"{prefix}/docs/assets/swagger-ui.css",
            swagger_favicon_url=f"{prefix}/docs/assets/favicon-32x32.png",
            # no badge from the public validator service
            swagger_ui_parameters={"validatorUrl": None})

    @router.get("/docs/assets/{name}")
    async def docs_asset(name: str) -> FileResponse:
        """Swagger UI's files (vendored: the docs work without internet access)."""
        if name not in SWAGGER_UI_ASSETS:
            raise ApiError(404, "Not found")
        return FileResponse(SWAGGER_UI_DIR / name, media_type=SWAGGER_UI_ASSETS[name],
                            headers={"Cache-Control": "public, max-age=86400"})

    return router
