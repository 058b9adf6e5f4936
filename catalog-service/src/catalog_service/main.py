"""The catalog service: books, prices, PDFs, generated texts and a read model of stock."""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_token
from bookstore_shared.revocations import service_verifier
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints import api, errors, internal, texts

# The only routes that take large bodies: they stream the PDF to disk under their own limit.
UPLOAD_ROUTES = (("POST", r"(/api)?/books/?"), ("PATCH", r"(/api)?/books/[^/]+/?"))


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """The catalog's FastAPI app (the lifespan migrates, starts the bus and the outbox relay)."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus)
    verifier, revocations = service_verifier(settings, container.runtime.bus,
                                               issuer="auth")
    app = create_service_app(service="catalog", title="Bookstore catalog",
                             routers=[api.router, texts.router],
                             internal_routers=[internal.router], upload_routes=UPLOAD_ROUTES,
                             internal_token=internal_token(settings),
                             checks=container.runtime.checks(),
                             lifespan=container.runtime.lifespan(container.start_storage,
                                                                 revocations.start))
    errors.install(app, max_upload_mb=settings.max_upload_mb)
    app.state.container = container
    app.state.token_verifier = verifier  # where bookstore_shared.security's CurrentUser looks
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
