"""The order service: `python -m order_service.main`."""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.revocations import service_verifier
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints import api


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """The FastAPI app; the lifespan migrates the schema and starts the bus and outbox relay."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus)
    verifier, revocations = service_verifier(settings, container.runtime.bus,
                                               issuer="auth")
    app = create_service_app(service=settings.service_name, title="Bookstore orders",
                             routers=[api.router], checks=container.runtime.checks(),
                             lifespan=container.runtime.lifespan(revocations.start))
    app.state.container = container
    app.state.token_verifier = verifier  # where bookstore_shared.security's CurrentUser looks
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
