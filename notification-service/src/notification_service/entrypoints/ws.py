"""`GET /ws` (and `/api/ws`): authenticated WebSocket receiving the owner's order events and
broadcasts. A bad, expired or revoked token gets close code 1008 before anything is sent."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bookstore_shared.credentials import AmbiguousCredentials, credential
from bookstore_shared.security import InvalidToken, Principal, TokenVerifier
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..domain.messages import CLOSE_POLICY_VIOLATION
from ..service_layer.hub import Connection, Hub

log = logging.getLogger(__name__)
router = APIRouter()
PONG = '{"type": "pong"}'


def socket_token(ws: WebSocket) -> str | None:
    """The JWT from `?token=`, `Authorization: Bearer` or the login cookie (one of them, or the
    same token in each); AmbiguousCredentials when they differ."""
    return credential(ws.scope["headers"], ws.scope.get("query_string") or b"")


async def authenticate(ws: WebSocket, verifier: TokenVerifier) -> Principal | None:
    try:
        token = socket_token(ws)
    except AmbiguousCredentials:
        return None
    if not token:
        return None
    try:
        return await verifier.verify_on_loop(token)
    except InvalidToken:
        return None


@router.websocket("/ws")
async def notifications_socket(ws: WebSocket) -> None:
    """Order status updates of the token's owner and global broadcasts, as JSON text frames."""
    container = ws.app.state.container
    hub: Hub = container.hub
    verifier: TokenVerifier = container.verifier
    await ws.accept()
    principal = await authenticate(ws, verifier)
    if principal is None:
        await ws.close(code=CLOSE_POLICY_VIOLATION, reason="authentication required")
        return
    conn = Connection(user_id=principal.user_id, session_id=principal.session_id,
                      max_queue=container.settings.ws_queue_size)
    hub.register(conn)
    try:
        if verifier.revoked.is_revoked(principal.session_id):  # revoked while we verified
            conn.request_close(CLOSE_POLICY_VIOLATION, "session revoked")
        await _serve(ws, conn, expires_at=principal.expires_at)
    finally:
        hub.unregister(conn)


async def _serve(ws: WebSocket, conn: Connection, *, expires_at: float) -> None:
    tasks = {asyncio.create_task(_pump(ws, conn)), asyncio.create_task(_listen(ws, conn)),
             asyncio.create_task(conn.closing.wait()),
             asyncio.create_task(_close_on_expiry(conn, expires_at))}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if conn.close_code and ws.application_state == WebSocketState.CONNECTED:
        # a slow client's transport may be jammed: never wait on it for long
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(code=conn.close_code, reason=conn.close_reason), 2)


async def _close_on_expiry(conn: Connection, expires_at: float) -> None:
    """A socket lives no longer than the token that opened it (the client reconnects with a
    fresh one)."""
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    conn.request_close(CLOSE_POLICY_VIOLATION, "token expired")


async def _pump(ws: WebSocket, conn: Connection) -> None:
    """Send queued messages in order."""
    while True:
        await ws.send_text(await conn.queue.get())


async def _listen(ws: WebSocket, conn: Connection) -> None:
    """Read client frames until it leaves; an app-level `ping` is answered with a pong."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text", "").strip().lower() in ("ping", '{"type": "ping"}',
                                                           '{"type":"ping"}'):
                conn.offer(PONG)
