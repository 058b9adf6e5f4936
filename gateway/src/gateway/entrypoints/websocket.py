"""WebSocket proxy: one upstream socket per client socket, messages and close codes both ways."""
from __future__ import annotations

import logging

import aiohttp

from ..adapters.upstream import UpstreamClient
from .tasks import until_first

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011
# Events are small; a larger message from upstream is a fault, not something to buffer.
UPSTREAM_MAX_MESSAGE = 1024 * 1024
# Headers the upstream needs to authenticate and trace the socket; the rest is per connection.
_FORWARDED = frozenset({b"authorization", b"cookie", b"origin", b"user-agent", b"accept-language"})


def sendable_close_code(code: int | None) -> int:
    """A code that may appear in a close frame (1005/1006/1015 are reserved for reporting)."""
    if code is None or code in (1005, 1015):
        return 1000
    if code == 1006:
        return INTERNAL_ERROR
    if 1000 <= code <= 1014 or 3000 <= code <= 4999:
        return code
    return 1000


class WebSocketProxy:
    """Accepts the client only once the upstream accepted; refusals become close code 1008."""

    def __init__(self, client: UpstreamClient):
        self.client = client

    async def refuse(self, receive, send, *, code: int, reason: str) -> None:
        """Accept, then close at once with `code` (the client sees why)."""
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": code, "reason": reason})

    async def __call__(self, scope, receive, send, *, service: str, request_id: str,
                       correlation_id: str) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        query = scope.get("query_string") or b""
        target = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        url = self.client.bases[service].replace("http", "ws", 1) + target + (
            "?" + query.decode("latin-1") if query else "")
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope["headers"]
                   if n in _FORWARDED]
        peer = scope.get("client")
        headers += [("X-Request-ID", request_id), ("X-Correlation-ID", correlation_id)]
        if peer:
            headers.append(("X-Forwarded-For", peer[0]))
        try:
            upstream = await self.client.sockets.ws_connect(
                url, headers=headers, protocols=scope.get("subprotocols") or (), autoping=True,
                max_msg_size=UPSTREAM_MAX_MESSAGE)
        except aiohttp.WSServerHandshakeError as exc:
            code = POLICY_VIOLATION if exc.status in (401, 403) else TRY_AGAIN_LATER
            reason = "Authentication required" if code == POLICY_VIOLATION else \
                f"{service} refused the connection"
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": code, "reason": reason})
            return
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("websocket upstream unreachable", extra={"service": service,
                                                                 "error": repr(exc)})
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER,
                        "reason": f"{service} is not reachable"})
            return
        try:
            accept = {"type": "websocket.accept"}
            if upstream.protocol:
                accept["subprotocol"] = upstream.protocol
            await send(accept)
            await _pump(upstream, receive, send)
        finally:
            await upstream.close()


async def _pump(upstream: aiohttp.ClientWebSocketResponse, receive, send) -> None:
    """Copy messages both ways until either side closes; the other side gets its close code."""

    async def client_to_upstream() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                if message.get("text") is not None:
                    await upstream.send_str(message["text"])
                else:
                    await upstream.send_bytes(message.get("bytes") or b"")
            elif message["type"] == "websocket.disconnect":
                await upstream.close(code=sendable_close_code(message.get("code")),
                                     message=(message.get("reason") or "").encode())
                return

    async def upstream_to_client() -> None:
        reason = ""
        while True:
            message = await upstream.receive()
            if message.type == aiohttp.WSMsgType.TEXT:
                await send({"type": "websocket.send", "text": message.data})
            elif message.type == aiohttp.WSMsgType.BINARY:
                await send({"type": "websocket.send", "bytes": message.data})
            else:
                if message.type == aiohttp.WSMsgType.CLOSE:
                    reason = message.extra or ""
                break
        code = upstream.close_code if upstream.close_code is not None else 1006
        await send({"type": "websocket.close", "code": sendable_close_code(code),
                    "reason": reason})

    await until_first(client_to_upstream(), upstream_to_client(), what="websocket proxy")
