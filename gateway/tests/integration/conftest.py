"""A gateway (in a uvicorn thread) in front of small upstream apps standing in for the services."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from bookstore_shared.web import create_service_app
from bookstore_testing import free_port_base
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import ORJSONResponse, StreamingResponse
from gateway.config import Settings
from gateway.main import create_app

from .signing import JWKS

MB = 1024 * 1024
PRODUCED = {"endless": 0}
SNAPSHOT_SID = "sid-from-snapshot"
INTERNAL_TOKEN = "gateway-tests-internal-token"


def pattern_chunks(total: int, size: int = MB):
    """Deterministic, non-repeating-looking bytes, produced chunk by chunk."""
    for index in range(0, total, size):
        seed = hashlib.sha256(str(index).encode()).digest()
        yield (seed * (size // len(seed) + 1))[:min(size, total - index)]


def token_with(claims: dict) -> str:
    """An (unsigned) JWT-shaped token; the gateway reads claims without verifying."""
    def seg(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return f"{seg({'alg': 'RS256', 'kid': 'k'})}.{seg(claims)}.c2ln"


class ThreadServer:
    """uvicorn serving one app on 127.0.0.1:port in a background thread."""

    def __init__(self, app, port: int):
        self.port = port
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                    log_level="warning", access_log=False,
                                                    timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(15)


def fake_auth():
    router = APIRouter()

    @router.post("/register", status_code=201)
    async def register(request: Request):
        return {"message": "User registered successfully", "user_id": 1}

    @router.get("/users/me")
    async def me(request: Request):
        return {"headers": dict(request.headers)}

    @router.get("/.well-known/jwks.json")
    async def jwks():
        return JWKS

    internal = APIRouter()

    @internal.get("/internal/revoked-sessions")
    async def revoked_sessions():
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        return {"sessions": [{"session_id": SNAPSHOT_SID, "expires_at": later}]}

    app = create_service_app(service="auth", title="auth", routers=[router], checks={},
                             internal_routers=[internal], internal_token=INTERNAL_TOKEN)
    return app


def fake_catalog():
    router = APIRouter()

    @router.get("/books")
    async def books(request: Request):
        return {"path": request.url.path, "query": request.scope["query_string"].decode(),
                "headers": dict(request.headers)}

    @router.patch("/books/upload")  # PATCH /books/{id}: an upload route, large bodies allowed
    async def upload(request: Request):
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {"sha256": digest.hexdigest(), "size": size}

    @router.get("/books/download")
    async def download(size: int):
        return StreamingResponse(pattern_chunks(size, 256 * 1024),
                                 media_type="application/octet-stream")

    @router.get("/books/endless")
    async def endless():
        async def chunks():
            for _ in range(800):
                PRODUCED["endless"] += 256 * 1024
                yield b"x" * (256 * 1024)
                await asyncio.sleep(0)
        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @router.get("/books/slow")
    async def slow():
        await asyncio.sleep(6)
        return {"late": True}

    @router.get("/books/created")
    async def created():
        response = ORJSONResponse({"ok": True}, status_code=201, headers={"X-Total-Count": "3"})
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    # uploads of tens of MB stream through this fake upstream: no buffering body limit
    return create_service_app(service="catalog", title="catalog", routers=[router], checks={},
                              max_body_bytes=None)


def fake_notification(closes: list):
    router = APIRouter()

    @router.websocket("/ws")
    async def ws(websocket: WebSocket):
        if websocket.query_params.get("token") != "good" and "access_token" not in websocket.cookies:
            await websocket.close(code=1008)  # before accept: the handshake is refused (403)
            return
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                closes.append(message.get("code"))
                return
            if message.get("text") == "close-me":
                await websocket.close(code=4001, reason="bye")
                return
            if message.get("text") is not None:
                await websocket.send_text("echo:" + message["text"])
            else:
                await websocket.send_bytes(message["bytes"][::-1])

    return create_service_app(service="notification", title="notification", routers=[router],
                              checks={})


@pytest.fixture(scope="session")
def port_base() -> int:
    return free_port_base()


@pytest.fixture(scope="session")
def ws_closes() -> list:
    """Close codes the fake notification service received from its clients."""
    return []


@pytest.fixture(scope="session")
def upstreams(port_base, ws_closes):
    """Fake auth, catalog and notification; the order service stays down on purpose."""
    with ThreadServer(fake_auth(), port_base + 1), ThreadServer(fake_catalog(), port_base + 2), \
            ThreadServer(fake_notification(ws_closes), port_base + 6):
        yield


@pytest.fixture(scope="session")
def gateway(upstreams, port_base, infra, new_instance):
    """The gateway on the base port, on the real RabbitMQ, with a 1.5 s upstream timeout."""
    settings = Settings(_env_file=None, port_base=port_base, rabbitmq_url=infra.rabbitmq_url,
                        instance=new_instance(), upstream_timeout_s=1.5,
                        cors_origins="https://shop.example", openapi_cache_s=0,
                        max_upload_mb=24, internal_token=INTERNAL_TOKEN)
    app = create_app(settings)
    with ThreadServer(app, settings.port):
        url = f"http://127.0.0.1:{settings.port}"
        deadline = time.monotonic() + 30
        while httpx.get(url + "/readyz").status_code != 200:
            assert time.monotonic() < deadline, "gateway never became ready"
            time.sleep(0.1)
        yield app, settings


@pytest.fixture()
def client(gateway):
    _, settings = gateway
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.port}", timeout=30) as c:
        yield c
