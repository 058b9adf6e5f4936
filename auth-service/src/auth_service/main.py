"""The auth service's HTTP app: `python -m auth_service.main`."""
from __future__ import annotations

from bookstore_shared.bus import Bus
from bookstore_shared.internal import internal_token
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints import api, internal
from .entrypoints.errors import install_domain_errors


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """Build the app; the lifespan migrates the database, loads the key, starts the relay."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus)
    app = create_service_app(
        service=settings.service_name, title="Bookstore auth service", routers=[api.router],
        internal_routers=[internal.router], internal_token=internal_token(settings),
        checks=container.runtime.checks(),
        lifespan=container.runtime.lifespan(container.load_signing_key))
    app.state.container = container
    install_domain_errors(app)
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
