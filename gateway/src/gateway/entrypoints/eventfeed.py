"""`/admin/events`: the admin-only live event feed, as Server-Sent Events or over a WebSocket."""
from __future__ import annotations

import asyncio
import logging
import time

import orjson
from bookstore_shared.security import InvalidToken, Principal, TokenVerifier
from prometheus_client import CollectorRegistry, Counter, Gauge

from ..adapters.eventhub import OVERFLOW, EventHub, FeedClient, FeedEvent
from ..domain.feedquery import BadFeedQuery, feed_filter
from ..domain.tokens import request_token
from .proxy import send_json
from .tasks import until_first
from .websocket import POLICY_VIOLATION, TRY_AGAIN_LATER

log = logging.getLogger(__name__)

SSE_HEADERS = ((b"content-type", b"text/event-stream; charset=utf-8"),
               (b"cache-control", b"no-cache, no-store"), (b"x-accel-buffering", b"no"))
OVERFLOW_DATA = {"message": "Event feed client too slow; disconnected"}
# How long a dropped client's last write may take before the connection is abandoned.
DROP_GRACE_S = 5.0


class FeedMetrics:
    """Connected feed clients and clients dropped for falling behind."""

    def __init__(self, registry: CollectorRegistry):
        self.clients = Gauge("gateway_event_feed_clients", "Connected admin event feed clients",
                             registry=registry)
        self.overflows = Counter("gateway_event_feed_overflows_total",
                                 "Event feed clients dropped for falling behind",
                                 registry=registry)


class Refused(Exception):
    """The feed is refused: (status, JSON body)."""

    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status, self.body = status, body


def sse_frame(event: FeedEvent) -> bytes:
    """`id:`, `event: <routing key>` and `data: <envelope JSON>` (the JSON holds no newline)."""
    return f"id: {event.id}\nevent: {event.type}\ndata: {event.json}\n\n".encode()


def overflow_frame() -> bytes:
    """The last frame a client that fell behind receives."""
    return b"event: overflow\ndata: " + orjson.dumps(OVERFLOW_DATA) + b"\n\n"


class EventFeed:
    """Authenticates (admins only), joins the hub and streams until the client leaves."""

    def __init__(self, hub: EventHub, verifier: TokenVerifier, *, heartbeat_s: float = 15.0):
        self.hub = hub
        self.verifier = verifier
        self.heartbeat_s = heartbeat_s

    async def _admit(self, scope, headers: dict) -> tuple[Principal, FeedClient]:
        try:
            event_filter = feed_filter(scope.get("query_string") or b"")
        except BadFeedQuery as exc:
            raise Refused(400, {"message": "Invalid event feed query", "error": str(exc)}) from None
        token = request_token(headers, scope.get("query_string") or b"")
        if not token:
            raise Refused(401, {"message": "Authentication required"})
        try:
            principal = await self.verifier.verify_on_loop(token)
        except InvalidToken as exc:
            raise Refused(401, {"message": "Invalid or expired token", "error": str(exc)}) from None
        if not principal.is_admin:
            raise Refused(403, {"message": "Admin access required"})
        client = await self.hub.join(event_filter)
        if client is None:
            raise Refused(503, {"message": "Too many event feed clients",
                                "error": f"at most {self.hub.max_clients} at a time"})
        return principal, client

    def _still_valid(self, principal: Principal) -> bool:
        return (principal.expires_at > time.time()
                and not self.verifier.revoked.is_revoked(principal.session_id))

    async def __call__(self, scope, receive, send, *, request_id: str) -> None:
        headers = dict(scope["headers"])
        websocket = scope["type"] == "websocket"
        if not websocket and scope["method"] != "GET":
            return await send_json(send, 405, {"message": "Method not allowed"},
                                   request_id=request_id, headers=((b"allow", b"GET"),))
        try:
            principal, client = await self._admit(scope, headers)
        except Refused as refused:
            if websocket:
                code = TRY_AGAIN_LATER if refused.status == 503 else POLICY_VIOLATION
                return await _refuse_socket(receive, send, code, refused.body["message"])
            return await send_json(send, refused.status, refused.body, request_id=request_id)
        try:
            if websocket:
                await self._serve_socket(principal, client, receive, send)
            else:
                await self._serve_sse(principal, client, receive, send, request_id)
        finally:
            self.hub.leave(client)

    async def _next(self, principal: Principal, client: FeedClient) -> list | None:
        """The next batch of queued events ([] after a quiet heartbeat); None once the token lapsed."""
        try:
            first = await asyncio.wait_for(client.queue.get(), self.heartbeat_s)
        except TimeoutError:
            return [] if self._still_valid(principal) else None
        batch = [first]
        while first is not OVERFLOW and not client.queue.empty() and len(batch) < 256:
            batch.append(client.queue.get_nowait())
        return batch if self._still_valid(principal) else None

    async def _serve_sse(self, principal, client, receive, send, request_id: str) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*SSE_HEADERS, (b"x-request-id", request_id.encode("latin-1"))]})
        await send({"type": "http.response.body", "body": b"retry: 3000\n: connected\n\n",
                    "more_body": True})

        async def write() -> None:
            while (batch := await self._next(principal, client)) is not None:
                if batch and batch[-1] is OVERFLOW:
                    await send({"type": "http.response.body", "body": overflow_frame()})
                    return
                body = b"".join(map(sse_frame, batch)) if batch else b": heartbeat\n\n"
                await send({"type": "http.response.body", "body": body, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

        await until_first(write(), _disconnected(receive, "http.disconnect"),
                          _stuck_after_drop(client), what="event feed")

    async def _serve_socket(self, principal, client, receive, send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})

        async def write() -> None:
            while (batch := await self._next(principal, client)) is not None:
                for event in batch:
                    if event is OVERFLOW:
                        await send({"type": "websocket.close", "code": TRY_AGAIN_LATER,
                                    "reason": "overflow"})
                        return
                    await send({"type": "websocket.send", "text": event.json})
            await send({"type": "websocket.close", "code": POLICY_VIOLATION,
                        "reason": "session ended"})

        await until_first(write(), _disconnected(receive, "websocket.disconnect"),
                          _stuck_after_drop(client), what="event feed")


async def _refuse_socket(receive, send, code: int, reason: str) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": reason})


async def _disconnected(receive, kind: str) -> None:
    while (await receive())["type"] != kind:
        pass


async def _stuck_after_drop(client: FeedClient) -> None:
    await client.dropped.wait()
    await asyncio.sleep(DROP_GRACE_S)
