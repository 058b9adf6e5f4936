"""The one shared keep-alive HTTP client the gateway uses to reach every service."""
from __future__ import annotations

import logging

import aiohttp
from bookstore_shared import telemetry

log = logging.getLogger(__name__)

# Upstreams (uvicorn) drop idle keep-alive connections after 5 s; give them back to the pool sooner
# so a request never lands on a connection the upstream is closing.
KEEPALIVE_S = 4.0
# Headers the client would otherwise invent; the gateway forwards the caller's own instead.
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def new_session(*, pool_size: int, connect_timeout_s: float,
                upstream_timeout_s: float) -> aiohttp.ClientSession:
    """A pooled session: no cookie jar, no decompression, bounded connect and read waits."""
    connector = aiohttp.TCPConnector(limit=pool_size, limit_per_host=0,
                                     keepalive_timeout=KEEPALIVE_S, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=None, connect=upstream_timeout_s,
                                    sock_connect=connect_timeout_s, sock_read=upstream_timeout_s)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False,
                                 cookie_jar=aiohttp.DummyCookieJar(),
                                 skip_auto_headers=_NO_AUTO_HEADERS, raise_for_status=False,
                                 trace_configs=telemetry.aiohttp_trace_configs("gateway"))


class UpstreamClient:
    """Owns the sessions (opened in the lifespan) and knows each service's base URL.

    Proxied HTTP shares a pool of `pool_size` keep-alive connections. WebSockets get a session of
    their own without a limit: a socket holds its connection for as long as it lives, and in the
    shared pool the 1,025th socket (and every HTTP request after it) would wait for one to close.
    """

    def __init__(self, bases: dict[str, str], *, pool_size: int, connect_timeout_s: float,
                 upstream_timeout_s: float):
        self.bases = bases
        self._options = {"pool_size": pool_size, "connect_timeout_s": connect_timeout_s,
                         "upstream_timeout_s": upstream_timeout_s}
        self.connect_timeout_s = connect_timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._sockets: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The live session (only between `open()` and `close()`)."""
        if self._session is None:
            raise RuntimeError("upstream client is not open")
        return self._session

    @property
    def sockets(self) -> aiohttp.ClientSession:
        """The session WebSockets are opened with (only between `open()` and `close()`)."""
        if self._sockets is None:
            raise RuntimeError("upstream client is not open")
        return self._sockets

    async def open(self) -> None:
        self._session = new_session(**self._options)
        self._sockets = new_session(**{**self._options, "pool_size": 0})  # 0: no limit

    async def close(self) -> None:
        for session in (self._session, self._sockets):
            if session is not None:
                await session.close()
        self._session = self._sockets = None

    async def get_json(self, service: str, path: str, *, timeout_s: float | None = None):
        """GET a JSON document from a service; raises aiohttp/asyncio errors and ValueError."""
        timeout = aiohttp.ClientTimeout(total=timeout_s or self.connect_timeout_s * 2,
                                        sock_connect=self.connect_timeout_s)
        async with self.session.get(self.bases[service] + path, timeout=timeout,
                                    headers={"Accept": "application/json"}) as resp:
            if resp.status != 200:
                raise ValueError(f"{service} answered {resp.status} for {path}")
            return await resp.json(content_type=None)

    async def get_json_or_none(self, service: str, path: str):
        """Like `get_json`, but None (logged) when the service cannot answer."""
        try:
            return await self.get_json(service, path)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            log.info("upstream document unavailable",
                     extra={"service": service, "path": path, "error": str(exc) or type(exc).__name__})
            return None
