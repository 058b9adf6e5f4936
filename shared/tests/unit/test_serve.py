"""A service process stops cleanly on the signals `make run`'s Ctrl-C sends it."""
from __future__ import annotations

import os
import signal
import socket
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


def test_a_client_still_sending_oversized_headers_reads_the_whole_431():
    """The refusal comes after 32 KiB while the client is still sending: the server must read and
    drop the rest before it closes, or the kernel's reset can destroy the answer unread."""
    port = free_port_base(1)
    proc = started_service(port)
    try:
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ")
                for _ in range(20):  # 100 KB in pieces, the refusal arriving in the middle
                    s.sendall(b"a" * 5_000)
                    time.sleep(0.005)
                s.sendall(b"\r\n\r\n")
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
            assert answer.endswith(b'"error":"over 32 KiB"}')
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_a_service_raises_its_open_files_limit_to_the_hard_one():
    import resource

    from bookstore_shared.serve import raise_open_files_limit

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))
    try:
        assert raise_open_files_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
