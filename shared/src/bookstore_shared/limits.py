"""Size limits every service applies before it reads a request: bodies, JSON nesting, headers and
WebSocket messages. Only routes that stream an upload themselves (with their own limit) may take
a larger body, and only when their service names them."""
from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from itertools import accumulate

import orjson
from fastapi import Request

from .errors import ApiError

MAX_BODY_BYTES = 1024 * 1024  # any body but a named upload route's
MAX_JSON_DEPTH = 32  # the contract's deepest document is 3 levels; Python's json recurses
MAX_HEADER_BYTES = 32 * 1024  # all request headers together (nginx's default is 4 x 8 KiB)
WS_MAX_MESSAGE_BYTES = 64 * 1024  # clients only send pings; the server's events are small
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
_TOO_LARGE = {"message": "Payload too large", "error": "the request body is over 1 MiB"}
_TOO_DEEP = {"message": "Invalid JSON body", "error": f"nested more than {MAX_JSON_DEPTH} deep"}
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[{]}")


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in `body` (strings skipped; not a validation)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 0  # cannot be deeper than the limit: skip the scan
    brackets = _STRING.sub(b"", body).translate(_BRACKETS, _NOT_BRACKETS)
    return max(accumulate(array("b", brackets)), default=0)


def is_json(content_type: bytes) -> bool:
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


async def send_error(send, status: int, body: dict) -> None:
    """A complete JSON error answered before the body was read. The connection stays open: the
    server drops the unread rest of the body, so the client still reads this answer."""
    payload = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


class BodyLimitMiddleware:
    """Pure ASGI: a body over `max_bytes` is a JSON 413 before it is read (declared length) or as
    soon as it passes the limit (chunked); a JSON body nested too deeply is a 400. `uploads`
    are (method, path regex) pairs whose routes stream and limit their bodies themselves."""

    def __init__(self, app, *, max_bytes: int = MAX_BODY_BYTES,
                 uploads: Iterable[tuple[str, str]] = ()):
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = [(method, re.compile(path)) for method, path in uploads]

    def _streams_itself(self, scope) -> bool:
        return any(scope["method"] == method and path.fullmatch(scope["path"])
                   for method, path in self.uploads)

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] in _BODYLESS
                or self._streams_itself(scope)):
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await send_error(send, 413, _TOO_LARGE)
        json_body = is_json(headers.get(b"content-type", b""))
        if length is not None and not json_body:
            return await self.app(scope, receive, send)
        body, more = bytearray(), True  # read up to the limit, then hand it on whole
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await send_error(send, 413, _TOO_LARGE)
        if json_body and json_depth(bytes(body)) > MAX_JSON_DEPTH:
            return await send_error(send, 400, _TOO_DEEP)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        return await self.app(scope, replay, send)


async def json_body(request: Request) -> object:
    """The request's JSON body (None when empty), read only when this dependency runs: declared
    after the caller's identity, an anonymous body is refused before it is read."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ApiError(400, "Invalid request", error="the body is not valid JSON") from None
