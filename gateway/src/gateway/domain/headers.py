"""Which headers cross the gateway: hop-by-hop headers stop here (RFC 9110 section 7.6.1)."""
from __future__ import annotations

from typing import Iterable

Raw = tuple[bytes, bytes]

HOP_BY_HOP: frozenset[bytes] = frozenset({
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"proxy-connection",
    b"te", b"trailer", b"transfer-encoding", b"upgrade",
})
# Replaced by the gateway's own values on the way in.
_SET_BY_GATEWAY: frozenset[bytes] = frozenset({
    b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-request-id",
    b"x-correlation-id", b"expect",
})


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


def request_headers(raw: Iterable[Raw], *, client: str | None, scheme: str, request_id: str,
                    correlation_id: str) -> list[tuple[str, str]]:
    """Headers for the upstream request: end-to-end ones plus forwarding and id headers."""
    raw = list(raw)
    listed = connection_tokens(raw)
    out = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw
           if not is_hop_by_hop(n, listed) and n.lower() not in _SET_BY_GATEWAY]
    host = next((v for n, v in raw if n.lower() == b"host"), None)
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
    raw = list(raw)
    listed = connection_tokens(raw)
    out = [(n.lower(), v) for n, v in raw
           if not is_hop_by_hop(n, listed) and n.lower() != b"x-request-id"]
    out.append((b"x-request-id", request_id.encode("latin-1")))
    return out
