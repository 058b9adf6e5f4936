"""Pure-ASGI HTTP reverse proxy: streams bodies both ways over the one shared keep-alive session."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
from bookstore_shared.metric_children import children
from prometheus_client import CollectorRegistry, Counter, Histogram
from yarl import URL

from ..adapters.upstream import UpstreamClient
from ..domain.headers import request_headers, response_headers

log = logging.getLogger(__name__)

# Bodies up to this size are read whole (one upstream write, one ASGI send); larger ones stream.
SMALL_BODY = 64 * 1024
_REPLAYABLE = frozenset({"GET", "HEAD", "OPTIONS"})


class ClientGone(Exception):
    """The caller disconnected before its request body was complete."""


class BodyTooLarge(Exception):
    """A streamed (chunked) request body passed the route's limit."""


TOO_LARGE = {"message": "Payload too large", "error": "the request body is over this route's limit"}


async def send_json(send, status: int, body: dict, *, request_id: str,
                    headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """A complete JSON response (the gateway's own errors)."""
    payload = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
        (b"x-request-id", request_id.encode("latin-1")), *headers]})
    await send({"type": "http.response.body", "body": payload})


async def _stream(receive, limit: int | None = None):
    """The request body as it arrives, chunk by chunk (never held whole), at most `limit` bytes."""
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        if chunk := message.get("body", b""):
            seen += len(chunk)
            if limit is not None and seen > limit:
                raise BodyTooLarge()
            yield chunk
        if not message.get("more_body", False):
            return


async def _read(receive) -> bytes:
    chunks = [chunk async for chunk in _stream(receive)]
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _relay_stream(resp: aiohttp.ClientResponse, send, receive) -> None:
    """Copy a large or open-ended body chunk by chunk; stop reading upstream if the caller left."""
    gone = asyncio.ensure_future(_disconnected(receive)) if receive is not None else None
    try:
        async for chunk in resp.content.iter_any():
            if gone is not None and gone.done():
                return  # the unread rest makes aiohttp close, not reuse, this connection
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        if gone is not None:
            gone.cancel()


class ProxyMetrics:
    """Per-service upstream latency, statuses and failures."""

    def __init__(self, registry: CollectorRegistry):
        self.responses = Counter("gateway_upstream_responses_total", "Upstream responses",
                                 ["service", "status"], registry=registry)
        self.failures = Counter("gateway_upstream_failures_total", "Upstream failures",
                                ["service", "reason"], registry=registry)
        self.latency = Histogram("gateway_upstream_seconds", "Time to upstream response headers",
                                 ["service"], registry=registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30))
        self._latency_of, self._responses_as = children(self.latency), children(self.responses)

    def observe(self, service: str, status: int, seconds: float) -> None:
        """Record one upstream answer (this runs on every request)."""
        self._latency_of(service).observe(seconds)
        self._responses_as(service, str(status)).inc()


class HttpProxy:
    """Forwards one HTTP exchange to a service; 503 JSON when the service cannot answer."""

    def __init__(self, client: UpstreamClient, metrics: ProxyMetrics):
        self.client = client
        self.metrics = metrics

    async def __call__(self, scope, receive, send, *, service: str, headers: dict[bytes, bytes],
                       request_id: str, correlation_id: str, max_body: int) -> None:
        method = scope["method"]
        query = scope.get("query_string") or b""
        target = scope.get("raw_path") or scope["path"].encode()
        url = URL(self.client.bases[service] + target.decode("latin-1")
                  + ("?" + query.decode("latin-1") if query else ""), encoded=True)
        peer = scope.get("client")
        forwarded = request_headers(scope["headers"], client=peer[0] if peer else None,
                                    scheme=scope.get("scheme", "http"), request_id=request_id,
                                    correlation_id=correlation_id)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > max_body:
            # refused before a byte is read; the server drops the rest of the upload
            return await send_json(send, 413, TOO_LARGE, request_id=request_id)
        data = None
        try:
            if b"transfer-encoding" in headers or (length.isdigit() and int(length) > SMALL_BODY):
                data = _stream(receive, max_body)
            elif length.isdigit() and int(length) > 0:
                data = await _read(receive)
        except ClientGone:
            return
        replayable = method in _REPLAYABLE and data is None
        started = time.perf_counter()
        responded = False
        for attempt in (1, 2):
            try:
                async with self.client.session.request(method, url, headers=forwarded, data=data,
                                                       allow_redirects=False) as resp:
                    self.metrics.observe(service, resp.status, time.perf_counter() - started)
                    out = response_headers(resp.raw_headers, request_id=request_id)
                    if resp.content_length is not None and resp.content_length <= SMALL_BODY:
                        body = await resp.read()
                        responded = True
                        await send({"type": "http.response.start", "status": resp.status,
                                    "headers": out})
                        await send({"type": "http.response.body", "body": body})
                        return
                    responded = True
                    await send({"type": "http.response.start", "status": resp.status,
                                "headers": out})
                    # Once the request body is consumed, `receive` only reports a disconnect.
                    watch = None if isinstance(data, AsyncIterator) else receive
                    return await _relay_stream(resp, send, watch)
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # A pooled connection the upstream had just closed: safe to replay once.
                if (replayable and attempt == 1 and not responded
                        and not isinstance(exc, aiohttp.ClientConnectorError)):
                    continue
                return await self._failed(send, exc, service, request_id, responded)
            except (TimeoutError, aiohttp.ClientError, ClientGone, BodyTooLarge) as exc:
                return await self._failed(send, exc, service, request_id, responded)
            except Exception:  # the client gets JSON, never a trace
                log.exception("proxying failed", extra={"service": service})
                if not responded:
                    await send_json(send, 502, {"message": "Bad gateway"}, request_id=request_id)
                return

    async def _failed(self, send, exc: BaseException, service: str, request_id: str,
                      responded: bool) -> None:
        if isinstance(exc, ClientGone) or isinstance(exc.__cause__, ClientGone):
            return
        if isinstance(exc, BodyTooLarge) or isinstance(exc.__cause__, BodyTooLarge):
            if not responded:
                await send_json(send, 413, TOO_LARGE, request_id=request_id)
            return
        timed_out = (isinstance(exc, asyncio.TimeoutError)
                     and not isinstance(exc, aiohttp.ConnectionTimeoutError))
        reason = "timeout" if timed_out else "unreachable"
        self.metrics.failures.labels(service, reason).inc()
        log.warning("upstream request failed", extra={
            "service": service, "reason": reason, "error": repr(exc), "after_response": responded})
        if responded:
            return  # the status line is out; closing the connection is all that is left
        error = f"{service} did not answer in time" if timed_out else f"{service} is not reachable"
        await send_json(send, 503, {"message": "Service unavailable", "error": error},
                        request_id=request_id)
