"""`/asyncapi.yaml` and `/asyncapi.json`: the event contracts' AsyncAPI document."""
from __future__ import annotations

from functools import cache

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from ..asyncapi import build_document, render


@cache
def _yaml() -> bytes:
    return render().encode()


@cache
def _json() -> bytes:
    return orjson.dumps(build_document())


def asyncapi_router() -> APIRouter:
    """The AsyncAPI document (generated from the contracts once, then cached)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/asyncapi.yaml")
    async def asyncapi_yaml() -> Response:
        """The AsyncAPI 2.6 document of every integration event, as YAML."""
        return Response(_yaml(), media_type="application/yaml")

    @router.get("/asyncapi.json")
    async def asyncapi_json() -> Response:
        """The same document as JSON."""
        return Response(_json(), media_type="application/json")

    return router
