"""The internal service credential: `/internal/...` routes answer only callers presenting it
(CONTRACT.md, "Credentials"), whatever network they come from.

Deployments set `BOOKSTORE_INTERNAL_TOKEN` from their secret store. Without it (development:
`make run`, tests) every process of one system shares a random token kept in
`<data dir>/<instance>/internal-token`, created by whichever process needs it first.
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import orjson

from .settings import BaseServiceSettings

INTERNAL_HEADER = "X-Internal-Token"
INTERNAL_PREFIX = "/internal"
_HEADER_KEY = INTERNAL_HEADER.lower().encode()
_REFUSED = orjson.dumps({"message": "Authentication required",
                         "error": "internal endpoints need the service credential"})


def internal_token(settings: BaseServiceSettings) -> str:
    """The configured token, else the system's development token (created once, mode 0600)."""
    if settings.internal_token is not None:
        return settings.internal_token.get_secret_value()
    path = Path(settings.data_dir) / settings.instance / "internal-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".internal-token.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:  # link: of processes starting together, exactly one token wins
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def internal_headers(settings: BaseServiceSettings) -> dict[str, str]:
    """Headers a service sends with every call to another service's `/internal/...` routes."""
    return {INTERNAL_HEADER: internal_token(settings)}


def is_internal(path: str) -> bool:
    return path == INTERNAL_PREFIX or path.startswith(INTERNAL_PREFIX + "/")


class InternalAuthMiddleware:
    """Pure ASGI: `/internal/...` without the credential is a JSON 401 (compared in constant
    time); everything else passes untouched."""

    def __init__(self, app, *, token: str):
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not is_internal(scope["path"]):
            return await self.app(scope, receive, send)
        presented = dict(scope.get("headers") or []).get(_HEADER_KEY, b"")
        if hmac.compare_digest(presented, self._token):
            return await self.app(scope, receive, send)
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_REFUSED)).encode())]})
        await send({"type": "http.response.body", "body": _REFUSED})
