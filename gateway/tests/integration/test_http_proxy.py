"""Requests and responses cross the gateway intact, streamed, with ids; failures are quick JSON."""
import hashlib
import re
import time
import tracemalloc

import pytest

from .conftest import MB, PRODUCED, pattern_chunks


def sha256_of(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def test_a_20_mb_streamed_upload_arrives_byte_identical_without_being_held_whole(client):
    expected = sha256_of(pattern_chunks(20 * MB))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        response = client.patch("/books/upload", content=pattern_chunks(20 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert response.json() == {"sha256": expected, "size": 20 * MB}
    # Client, gateway and upstream share this process: a buffered copy would show up here.
    assert peak < 12 * MB, f"peak traced memory {peak / MB:.1f} MB"


def test_an_upload_with_a_content_length_arrives_byte_identical(client):
    body = b"".join(pattern_chunks(3 * MB + 17))
    response = client.patch("/api/books/upload", content=body)
    assert response.json() == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}


def test_a_20_mb_download_streams_back_byte_identical(client):
    with client.stream("GET", "/books/download", params={"size": 20 * MB}) as response:
        assert response.status_code == 200
        received = sha256_of(response.iter_bytes())
    assert received == sha256_of(pattern_chunks(20 * MB, 256 * 1024))


def test_a_download_the_client_abandons_stops_being_read_from_the_service(client):
    with client.stream("GET", "/books/endless") as response:
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received >= MB:
                break
    time.sleep(1.0)
    produced = PRODUCED["endless"]
    time.sleep(0.5)
    assert PRODUCED["endless"] == produced, "the service kept producing for nobody"
    assert produced < 100 * MB


def test_the_request_id_is_forwarded_and_echoed_once(client):
    response = client.get("/books", headers={"X-Request-ID": "req-123"})
    seen = response.json()["headers"]
    assert seen["x-request-id"] == "req-123"
    assert seen["x-correlation-id"] == "req-123"
    assert response.headers.get_list("x-request-id") == ["req-123"]


def test_a_request_id_is_created_when_the_client_sends_none(client):
    response = client.get("/books", headers={"X-Correlation-ID": "flow-9"})
    rid = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    seen = response.json()["headers"]
    assert seen["x-request-id"] == rid and seen["x-correlation-id"] == "flow-9"


def test_forwarding_headers_are_set_and_hop_by_hop_ones_dropped(client):
    response = client.get("/books", headers={"Connection": "x-hop", "X-Hop": "secret",
                                             "Authorization": "Bearer t"})
    seen = response.json()["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert "x-hop" not in seen
    assert seen["authorization"] == "Bearer t"


def test_path_prefix_and_query_string_are_forwarded_unchanged(client):
    body = client.get("/api/books?q=a%20b&author=L%C3%A9on&limit=5").json()
    assert body["path"] == "/api/books"
    assert body["query"] == "q=a%20b&author=L%C3%A9on&limit=5"


def test_status_cookies_and_custom_headers_pass_through(client):
    response = client.get("/books/created")
    assert response.status_code == 201 and response.json() == {"ok": True}
    assert response.headers["x-total-count"] == "3"
    assert len(response.headers.get_list("set-cookie")) == 2


def test_wrong_method_answers_the_services_json_405(client):
    response = client.delete("/books")
    assert response.status_code == 405
    assert response.json() == {"message": "Method not allowed"}


def test_internal_endpoints_are_not_reachable_through_the_gateway(client):
    for path in ("/internal/revoked-sessions", "/api/internal/revoked-sessions",
                 "/books/../internal/revoked-sessions"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"message": "Not found"}


def test_unknown_routes_are_json_404_with_a_request_id(client):
    response = client.get("/nowhere", headers={"X-Request-ID": "r-404"})
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}
    assert response.headers["x-request-id"] == "r-404"


def test_a_service_that_is_down_answers_503_json_quickly(client):
    started = time.monotonic()
    response = client.get("/orders/1", headers={"X-Request-ID": "r-down"})
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.json() == {"message": "Service unavailable", "error": "order is not reachable"}
    assert response.headers["x-request-id"] == "r-down"


def test_a_service_that_hangs_answers_503_json_after_the_timeout(client):
    started = time.monotonic()
    response = client.get("/books/slow")
    elapsed = time.monotonic() - started
    assert 1.4 < elapsed < 5
    assert response.status_code == 503
    assert response.json() == {"message": "Service unavailable",
                               "error": "catalog did not answer in time"}


def test_gateway_probes_and_metrics_answer(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"broker": "ok", "revocations": "ok"}
    client.get("/books")
    metrics = client.get("/metrics").text
    assert 'gateway_upstream_responses_total{service="catalog",status="200"}' in metrics


def test_bodies_over_a_routes_limit_are_refused_before_they_reach_the_service(client):
    declared = client.post("/orders", content=b"x" * (2 * MB),
                           headers={"content-type": "multipart/form-data; boundary=x"})
    assert declared.status_code == 413
    assert declared.json()["message"] == "Payload too large"
    chunked = client.post("/register", content=pattern_chunks(4 * MB, 256 * 1024))
    assert chunked.status_code == 413
    too_big_upload = client.patch("/books/upload", content=b"x" * (26 * MB))
    assert too_big_upload.status_code == 413


def test_probes_and_metrics_are_not_served_to_requests_that_came_through_a_proxy(client):
    for path in ("/readyz", "/metrics"):
        forwarded = client.get(path, headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 404, path
        assert forwarded.json() == {"message": "Not found"}
    assert client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    assert client.get("/admin/metrics/gateway").status_code == 401


def test_a_wildcard_cors_origin_is_refused_at_start():
    from gateway.config import Settings

    with pytest.raises(ValueError, match="BOOKSTORE_CORS_ORIGINS"):
        Settings(_env_file=None, cors_origins="https://a.example, *")
