"""The AI service's process: consumers and summary workers; HTTP serves only health and metrics."""
from __future__ import annotations

from contextlib import asynccontextmanager

from bookstore_shared.bus import Bus
from bookstore_shared.serve import serve
from bookstore_shared.web import create_service_app
from fastapi import FastAPI
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from .bootstrap import bootstrap
from .config import Settings


def create_app(settings: Settings | None = None, bus: Bus | None = None) -> FastAPI:
    """The ASGI app; the lifespan starts the runtime, then the workers (and stops them first)."""
    settings = settings or Settings()
    container = bootstrap(settings, bus=bus)
    runtime, worker = container.runtime, container.worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with runtime.lifespan(worker.start)(app):
            try:
                yield
            finally:
                await run_in_threadpool(worker.stop)
                container.catalog.close()

    checks = {**runtime.checks(), "workers": worker.is_alive}
    app = create_service_app(service="ai", title="Bookstore AI service", routers=[],
                             checks=checks, lifespan=lifespan)
    finished = Counter("ai_summary_jobs_total", "Summary jobs by final state", ["state"],
                       registry=app.state.metrics_registry)
    worker.on_finished = lambda state: finished.labels(state).inc()
    app.state.container = container
    return app


if __name__ == "__main__":
    serve(create_app(), Settings())
