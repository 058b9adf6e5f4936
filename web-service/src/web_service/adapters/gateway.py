"""The gateway's public API, called with the visitor's own credential (never a service's)."""
from __future__ import annotations

from typing import Any

import httpx
from bookstore_shared import telemetry


class ApiUnavailable(Exception):
    """The gateway did not answer (down, or too slow)."""


class GatewayApi:
    """One pooled HTTP client to the gateway, opened in the lifespan."""

    def __init__(self, base_url: str, *, timeout_s: float):
        self.base_url = base_url
        self._timeout = timeout_s
        self._client: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout,
                                         follow_redirects=False)
        telemetry.instrument_httpx(self._client, "web")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def call(self, method: str, path: str, *, token: str | None = None,
                   forwarded: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """One API request; the token goes as a bearer credential (the one credential sent)."""
        if self._client is None:
            raise RuntimeError("the gateway client is not open")
        headers = dict(forwarded or {})
        headers.update(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            return await self._client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(type(exc).__name__) from exc
