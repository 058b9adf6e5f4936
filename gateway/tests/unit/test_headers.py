"""Hop-by-hop headers stop at the gateway; forwarding and id headers are the gateway's own."""
from gateway.domain.headers import is_hop_by_hop, request_headers, response_headers


def test_hop_by_hop_headers_are_recognised_in_any_case():
    for name in (b"Connection", b"keep-alive", b"Transfer-Encoding", b"TE", b"Upgrade",
                 b"Proxy-Authorization", b"Trailer"):
        assert is_hop_by_hop(name)
    assert not is_hop_by_hop(b"authorization")
    assert not is_hop_by_hop(b"content-length")


def test_request_headers_drop_hop_by_hop_and_connection_listed_ones():
    raw = [(b"host", b"shop.example"), (b"connection", b"keep-alive, X-Secret-Hop"),
           (b"keep-alive", b"timeout=5"), (b"x-secret-hop", b"1"), (b"transfer-encoding", b"chunked"),
           (b"authorization", b"Bearer abc"), (b"content-type", b"application/json")]
    out = dict(request_headers(raw, client="10.1.2.3", scheme="https", request_id="r1",
                               correlation_id="c1"))
    assert "connection" not in out and "keep-alive" not in out and "x-secret-hop" not in out
    assert "transfer-encoding" not in out
    assert out["authorization"] == "Bearer abc"
    assert out["content-type"] == "application/json"
    assert out["host"] == "shop.example"


def test_request_headers_replace_client_supplied_forwarding_and_id_headers():
    raw = [(b"host", b"h"), (b"x-forwarded-for", b"6.6.6.6"), (b"x-request-id", b"old"),
           (b"x-correlation-id", b"old"), (b"expect", b"100-continue")]
    out = request_headers(raw, client="10.1.2.3", scheme="http", request_id="r1",
                          correlation_id="c1")
    names = [n.lower() for n, _ in out]
    assert names.count("x-forwarded-for") == 1 and names.count("x-request-id") == 1
    assert "expect" not in names
    values = dict(out)
    assert values["X-Forwarded-For"] == "10.1.2.3"
    assert values["X-Forwarded-Proto"] == "http"
    assert values["X-Forwarded-Host"] == "h"
    assert values["X-Request-ID"] == "r1" and values["X-Correlation-ID"] == "c1"


def test_response_headers_keep_end_to_end_ones_and_carry_one_request_id():
    raw = [(b"Content-Type", b"application/json"), (b"Transfer-Encoding", b"chunked"),
           (b"Date", b"Thu, 01 Jan 2026 00:00:00 GMT"),
           (b"Connection", b"close"), (b"X-Request-ID", b"upstream-copy"),
           (b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"), (b"X-Total-Count", b"3")]
    out = response_headers(raw, request_id="r1")
    assert (b"content-type", b"application/json") in out
    assert [v for n, v in out if n == b"set-cookie"] == [b"a=1", b"b=2"]
    assert (b"x-total-count", b"3") in out
    assert [v for n, v in out if n == b"x-request-id"] == [b"r1"]
    assert all(n not in (b"transfer-encoding", b"connection", b"date") for n, _ in out)


def test_response_headers_listed_in_connection_are_dropped():
    raw = [(b"Connection", b"keep-alive, X-Hop"), (b"X-Hop", b"1"), (b"ETag", b"abc")]
    assert response_headers(raw, request_id="r") == [(b"etag", b"abc"), (b"x-request-id", b"r")]
