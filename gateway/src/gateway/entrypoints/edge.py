"""The gateway's ASGI entry: public paths go to their service, the gateway's own paths to FastAPI.

No framework routing on the hot path: a dict lookup picks the service, then the proxy streams.
"""
from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from bookstore_shared import telemetry
from bookstore_shared.context import correlation_id_var, request_id_var
from bookstore_shared.credentials import AMBIGUOUS, AmbiguousCredentials
from bookstore_shared.internal import is_internal
from bookstore_shared.security import RevokedSessions
from starlette.middleware.cors import CORSMiddleware

from ..domain.feedquery import FEED_PATHS
from ..domain.limits import body_limit
from ..domain.ratelimit import FixedWindowLimiter
from ..domain.routing import is_websocket_path, public_path, route
from ..domain.tokens import request_token, revoked_session
from .operations import OPERATOR_PATHS, reached_through_a_proxy
from .proxy import HttpProxy, send_json
from .websocket import POLICY_VIOLATION, WebSocketProxy

REVOKED = {"message": "Invalid or expired token", "error": "session revoked"}
NOT_FOUND = {"message": "Not found"}
EXPOSED_HEADERS = ["X-Request-ID", "X-Total-Count", "Retry-After"]


# The same rule as the services' (bookstore_shared.web.incoming_id), on bytes: this runs per request.
_SAFE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def _id(value: bytes | None) -> str:
    return value.decode("latin-1") if value and _SAFE_ID.match(value) else os.urandom(16).hex()


def _span_details(scope) -> tuple[str, dict]:
    """A request's span is named after the service it goes to ("POST order"), not its path."""
    return f"{scope.get('method', 'WEBSOCKET')} {route(scope['path']) or 'gateway'}", {}


def _ids(headers: dict[bytes, bytes]) -> tuple[str, str]:
    """The request id (the client's if safe, else a new one) and the correlation id."""
    rid = _id(headers.get(b"x-request-id"))
    cid = headers.get(b"x-correlation-id")
    return rid, _id(cid) if cid else rid


class Edge:
    """Dispatches every ASGI connection; `inner` serves probes, docs and JSON 404s."""

    def __init__(self, inner, *, http: HttpProxy, websocket: WebSocketProxy,
                 revoked: RevokedSessions, limiter: FixedWindowLimiter | None = None,
                 cors_origins: list[str] | None = None, gateway=None, feed=None,
                 max_upload_bytes: int = 16 * 1024 * 1024):
        self.inner = inner
        self._max_upload = max_upload_bytes
        self.state = inner.state
        self.gateway = gateway
        self._http = http
        self._websocket = websocket
        self._revoked = revoked
        self._limiter = limiter
        self._feed = feed
        self._origins = {o.rstrip("/") for o in cors_origins or ()}
        self._entry = self._dispatch
        if cors_origins:
            self._entry = CORSMiddleware(self._dispatch, allow_origins=cors_origins,
                                         allow_credentials=True, allow_methods=["*"],
                                         allow_headers=["*"], expose_headers=EXPOSED_HEADERS,
                                         max_age=600)
        # one server span per request, whichever service serves it
        self._entry = telemetry.traced_asgi(self._entry, "gateway", span_details=_span_details)

    async def __call__(self, scope, receive, send) -> None:
        await self._entry(scope, receive, send)

    def _foreign_origin(self, headers: dict[bytes, bytes]) -> bool:
        """A browser page of another site (neither this host nor an allowed origin): browsers
        send cookies with WebSocket handshakes whatever page opens them."""
        origin = headers.get(b"origin")
        if not origin:
            return False  # not a browser: no ambient cookie to abuse
        value = origin.decode("latin-1").rstrip("/")
        if value in self._origins:
            return False
        host = headers.get(b"host", b"").decode("latin-1").lower()
        return urlsplit(value).netloc.lower() != host

    async def _dispatch(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "websocket" and self._foreign_origin(dict(scope["headers"])):
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": POLICY_VIOLATION})  # HTTP 403
            return
        service = route(scope["path"]) if kind in ("http", "websocket") else None
        if service is None or (kind == "websocket" and not is_websocket_path(scope["path"])):
            if kind == "http" and (
                    is_internal(public_path(scope["path"]))
                    or (scope["path"] in OPERATOR_PATHS
                        and reached_through_a_proxy(dict(scope["headers"])))):
                # never routed, whoever asks (the inner app would ask for the credential);
                # probes and metrics only for operators (not through the ingress)
                return await send_json(send, 404, NOT_FOUND,
                                       request_id=_ids(dict(scope["headers"]))[0])
            if (self._feed is not None and kind in ("http", "websocket")
                    and public_path(scope["path"]) in FEED_PATHS):
                rid = _ids(dict(scope["headers"]))[0]
                if await self._refused_as_ambiguous(scope, receive, send, rid):
                    return
                return await self._feed(scope, receive, send, request_id=rid)
            return await self.inner(scope, receive, send)
        headers = dict(scope["headers"])
        rid, cid = _ids(headers)
        rid_token, cid_token = request_id_var.set(rid), correlation_id_var.set(cid)
        try:
            if kind == "http":
                await self._proxy_http(scope, receive, send, service, headers, rid, cid)
            else:
                try:
                    token = request_token(scope["headers"], scope.get("query_string") or b"")
                except AmbiguousCredentials:
                    return await self._websocket.refuse(receive, send, code=POLICY_VIOLATION,
                                                        reason=AMBIGUOUS["message"])
                if revoked_session(token, self._revoked.is_revoked):
                    return await self._websocket.refuse(receive, send, code=POLICY_VIOLATION,
                                                        reason="session revoked")
                await self._websocket(scope, receive, send, service=service, request_id=rid,
                                      correlation_id=cid)
        finally:
            request_id_var.reset(rid_token)
            correlation_id_var.reset(cid_token)

    async def _refused_as_ambiguous(self, scope, receive, send, rid: str) -> bool:
        """Answer (and return True) when the request carries more than one credential."""
        try:  # the feed takes `?token=` over SSE too
            request_token(scope["headers"], scope.get("query_string") or b"")
            return False
        except AmbiguousCredentials:
            if scope["type"] == "websocket":
                await self._websocket.refuse(receive, send, code=POLICY_VIOLATION,
                                             reason=AMBIGUOUS["message"])
            else:
                await send_json(send, 401, AMBIGUOUS, request_id=rid)
            return True

    async def _proxy_http(self, scope, receive, send, service, headers, rid, cid) -> None:
        if self._limiter is not None:
            peer = scope.get("client")
            wait = self._limiter.hit(peer[0] if peer else "unknown")
            if wait is not None:
                return await send_json(send, 429, {"message": "Too many requests"},
                                       request_id=rid,
                                       headers=((b"retry-after", str(wait).encode()),))
        try:
            # every occurrence counts: the token checked here is the one the service verifies
            token = request_token(scope["headers"])
        except AmbiguousCredentials:
            return await send_json(send, 401, AMBIGUOUS, request_id=rid)
        if revoked_session(token, self._revoked.is_revoked):
            return await send_json(send, 401, REVOKED, request_id=rid)
        await self._http(scope, receive, send, service=service, headers=headers, request_id=rid,
                         correlation_id=cid, max_body=body_limit(scope["method"], scope["path"],
                                                                 upload_bytes=self._max_upload))
