"""Which headers cross the gateway: hop-by-hop headers stop here (RFC 9110 section 7.6.1)."""
from __future__ import annotations

from collections.abc import Iterable

Raw = tuple[bytes, bytes]

HOP_BY_HOP: frozenset[bytes] = frozenset({
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection",
    b"te", b"trailer", b"transfer-encoding", b"upgrade",
})
# Replaced by the gateway's own values on the way in.
_NOT_FORWARDED = HOP_BY_HOP | {
    b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id",
    b"x-correlation-id", b"expect",
}
# On the way out the gateway's server writes its own Date; the request id is the gateway's.
_NOT_RETURNED = HOP_BY_HOP | {b"x-request-id", b"date", b"server"}
# Tokens of `Connection:` that name no extra header.
_CONNECTION_OPTIONS = frozenset({b"close", b"keep-alive", b"upgrade"})


def connection_tokens(headers: Iterable[Raw]) -> frozenset[bytes]:
    """Extra hop-by-hop header names listed in `Connection:` (lower-cased)."""
    names: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            names.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return frozenset(names)


def is_hop_by_hop(name: bytes, listed: frozenset[bytes] = frozenset()) -> bool:
    """True when a header only concerns one connection and must not be forwarded."""
    lowered = name.lower()
    return lowered in HOP_BY_HOP or lowered in listed


def _listed(value: bytes) -> frozenset[bytes]:
    names = frozenset(t.strip().lower() for t in value.split(b",")) - _CONNECTION_OPTIONS
    return names - {b""}


def request_headers(raw: Iterable[Raw], *, client: str | None, scheme: str, request_id: str,
                    correlation_id: str) -> list[tuple[str, str]]:
    """Headers for the upstream request: end-to-end ones plus forwarding and id headers.

    `raw` are ASGI headers, whose names the server has already lower-cased.
    """
    out: list[tuple[str, str]] = []
    listed: frozenset[bytes] = frozenset()
    host = None
    for name, value in raw:
        if name in _NOT_FORWARDED:
            if name == b"connection":
                listed = _listed(value)
            continue
        if name == b"host":
            host = value
        out.append((name.decode("latin-1"), value.decode("latin-1")))
    if listed:
        out = [(n, v) for n, v in out if n.encode("latin-1") not in listed]
    if client:
        out.append(("X-Forwarded-For", client))
    out.append(("X-Forwarded-Proto", scheme))
    if host is not None:
        out.append(("X-Forwarded-Host", host.decode("latin-1")))
    out.append(("X-Request-ID", request_id))
    out.append(("X-Correlation-ID", correlation_id))
    return out


def response_headers(raw: Iterable[Raw], *, request_id: str) -> list[Raw]:
    """Headers for the client: the upstream's end-to-end headers and the request id."""
    out: list[Raw] = []
    listed: frozenset[bytes] = frozenset()
    for name, value in raw:
        name = name.lower()
        if name in _NOT_RETURNED:
            if name == b"connection":
                listed = _listed(value)
            continue
        out.append((name, value))
    if listed:
        out = [(n, v) for n, v in out if n not in listed]
    out.append((b"x-request-id", request_id.encode("latin-1")))
    return out
