"""A service process stops cleanly on the signals `make run`'s Ctrl-C sends it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import httpx
import pytest
from bookstore_testing import free_port_base, wait_for

SERVICE = textwrap.dedent("""
    from contextlib import asynccontextmanager
    from fastapi import FastAPI
    from bookstore_shared.serve import serve
    from bookstore_shared.settings import BaseServiceSettings

    @asynccontextmanager
    async def lifespan(app):
        yield
        print("lifespan shut down", flush=True)

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    serve(app, BaseServiceSettings(_env_file=None))
""")


def started_service(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SERVICE], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "BOOKSTORE_LOG_LEVEL": "WARNING",
                                 "BOOKSTORE_PORT_BASE": str(port)})

    def answers() -> bool:
        assert proc.poll() is None, proc.stdout.read()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(answers, timeout=30, what="the service to answer")
    return proc


@pytest.mark.parametrize("signals", [
    [signal.SIGINT],                 # Ctrl-C reaching the service
    [signal.SIGINT, signal.SIGTERM],  # ... and then the launcher's terminate()
    [signal.SIGINT, signal.SIGINT],   # Ctrl-C pressed twice
    [signal.SIGTERM],                 # docker stop, kubectl delete
], ids=["sigint", "sigint-then-sigterm", "sigint-twice", "sigterm"])
def test_a_signalled_service_shuts_down_its_lifespan_and_prints_no_traceback(signals):
    proc = started_service(free_port_base(1))
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.05)
    output, _ = proc.communicate(timeout=30)
    assert (proc.returncode, "Traceback" in output) == (0, False), output
    assert "lifespan shut down" in output
