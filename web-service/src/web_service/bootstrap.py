"""Composition root: the gateway client and the templates; the lifespan opens and closes the client."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

from jinja2 import Environment

from .adapters.gateway import GatewayApi
from .config import Settings
from .entrypoints.pages import templates


@dataclass
class Web:
    """What every page handler shares."""

    settings: Settings
    api: GatewayApi
    templates: Environment

    def lifespan(self):
        @asynccontextmanager
        async def _lifespan(app):
            await self.api.open()
            try:
                yield
            finally:
                await self.api.close()

        return _lifespan


def bootstrap(settings: Settings) -> Web:
    """Wire the web service; it owns no database and no queue."""
    return Web(settings=settings,
               api=GatewayApi(settings.service_url("gateway"), timeout_s=settings.web_api_timeout_s),
               templates=templates())
