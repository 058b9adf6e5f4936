"""web-service: the storefront (/shop/) and the operations console (/console/), as HTML pages
rendered from the gateway's public API."""
from __future__ import annotations

from pathlib import Path

from bookstore_shared.bus import Bus
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .bootstrap import bootstrap
from .config import Settings
from .entrypoints import account, console_books, console_ops, orders, shop
from .entrypoints.pages import STATIC_PREFIX, install_page_errors

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """The web app; `bus` is accepted like every service's and unused (no queue of its own)."""
    settings = settings or Settings()
    web = bootstrap(settings)
    app = create_service_app(service=settings.service_name, title="Bookstore web",
                             routers=[shop.router, account.router, orders.router,
                                      console_books.router, console_ops.router],
                             prefixes=("",), checks={}, lifespan=web.lifespan())
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC), name="static")
    install_page_errors(app)
    app.state.web = web
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
