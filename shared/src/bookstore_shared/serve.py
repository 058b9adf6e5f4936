"""Run one service with uvicorn (what `make run` and every container start)."""
from __future__ import annotations

import uvicorn

from .logs import configure_logging
from .settings import BaseServiceSettings


def uvicorn_config(app, settings: BaseServiceSettings, *, port: int | None = None) -> uvicorn.Config:
    """The one uvicorn configuration the project uses (uvloop, httptools, no access log)."""
    return uvicorn.Config(app, host=settings.host, port=port or settings.port, log_config=None,
                          access_log=False, proxy_headers=True, server_header=False,
                          timeout_graceful_shutdown=5, ws_ping_interval=20, ws_ping_timeout=20)


def serve(app, settings: BaseServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM, then shut down cleanly (uvicorn handles both signals)."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.Server(uvicorn_config(app, settings)).run()
