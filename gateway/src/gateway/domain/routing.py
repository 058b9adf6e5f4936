"""The routing table: which service answers a public path (CONTRACT.md), as a pure function."""
from __future__ import annotations

API_PREFIX = "/api"

# First path segment -> the service that owns it. Everything else is not routed.
_OWNERS: dict[str, str] = {
    "login": "auth",
    "logout": "auth",
    "register": "auth",
    "create_admin": "auth",
    "token": "auth",
    "users": "auth",
    ".well-known": "auth",
    "books": "catalog",
    "orders": "order",
    "notify": "notification",
    "ws": "notification",
    "shop": "web",
    "console": "web",
}

UPSTREAM_SERVICES: tuple[str, ...] = tuple(dict.fromkeys(_OWNERS.values()))
"""Services reachable through the gateway, in the order their documents are merged."""


def public_path(path: str) -> str:
    """The path without the optional `/api` prefix."""
    if path.startswith(API_PREFIX) and (len(path) == 4 or path[4] == "/"):
        return path[4:] or "/"
    return path


def route(path: str) -> str | None:
    """The service that owns a (percent-decoded) request path, or None.

    `/internal/...` (service-to-service endpoints) and paths with dot segments are never routed.
    """
    rest = public_path(path)
    if len(rest) < 2 or rest[0] != "/":
        return None
    end = rest.find("/", 1)
    head = rest[1:] if end < 0 else rest[1:end]
    owner = _OWNERS.get(head)
    if owner is None or ("/." in rest and _has_dot_segment(rest)):
        return None
    return owner


def _has_dot_segment(path: str) -> bool:
    return any(seg in (".", "..") for seg in path.split("/"))


def is_websocket_path(path: str) -> bool:
    """True for the WebSocket endpoint (`/ws`, `/api/ws`)."""
    return public_path(path) in ("/ws", "/ws/")
