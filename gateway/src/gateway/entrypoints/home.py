"""`GET /`: people who open the gateway in a browser land in the storefront (CONTRACT.md, "Web")."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

STOREFRONT = "/shop/"


def home_router() -> APIRouter:
    """The root path, redirected to the web service's storefront."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def home() -> RedirectResponse:
        return RedirectResponse(STOREFRONT, status_code=302)

    return router
