"""shipping-service: shipments and their durable, restart-safe progress."""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_token
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints import api


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """The shipping app: internal read endpoint, probes, consumers and scheduler in its lifespan."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus)
    app = create_service_app(service=settings.service_name, title="Bookstore shipping",
                             routers=[api.router], prefixes=("",), checks=container.checks(),
                             internal_token=internal_token(settings),
                             lifespan=container.lifespan())
    app.state.container = container
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
