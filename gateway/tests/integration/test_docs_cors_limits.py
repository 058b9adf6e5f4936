"""The merged OpenAPI document, Swagger UI, CORS from configuration and the optional rate limit."""
import httpx
import pytest
from bookstore_shared.bus import InProcessBus
from gateway.config import Settings
from gateway.main import create_app

from .conftest import ThreadServer


def test_the_merged_document_has_every_reachable_services_public_paths(client):
    document = client.get("/openapi.json").json()
    assert {"/register", "/users/me", "/books", "/books/upload"} <= set(document["paths"])
    assert "/internal/revoked-sessions" not in document["paths"]
    assert not any(p.startswith("/api/") for p in document["paths"])
    assert document["info"]["title"] == "Bookstore API"
    assert client.get("/api/openapi.json").json()["paths"] == document["paths"]


def test_swagger_ui_points_at_the_merged_document(client):
    response = client.get("/docs")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text and "swagger" in response.text.lower()


def test_a_preflight_from_a_configured_origin_is_allowed(client):
    response = client.options("/books", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://shop.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-credentials"] == "true"


def test_a_preflight_from_another_origin_gets_no_cors_grant(client):
    response = client.options("/books", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers


def test_simple_requests_from_the_origin_see_the_exposed_headers(client):
    response = client.get("/books", headers={"Origin": "https://shop.example"})
    assert response.headers["access-control-allow-origin"] == "https://shop.example"
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]


def test_the_gateway_wide_rate_limit_answers_429_with_retry_after(upstreams, port_base):
    from bookstore_testing import free_port_base

    own_base = free_port_base()
    settings = Settings(_env_file=None, port_base=own_base, rate_limit_per_min=3,
                        service_urls={"catalog": f"http://127.0.0.1:{port_base + 2}"})
    with ThreadServer(create_app(settings, bus=InProcessBus()), settings.port):
        url = f"http://127.0.0.1:{settings.port}"
        statuses = [httpx.get(url + "/books").status_code for _ in range(4)]
        limited = httpx.get(url + "/books")
        assert httpx.get(url + "/healthz").status_code == 200
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too many requests"}
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_a_socket_to_a_notification_service_that_is_down_is_closed_with_1013(port_base):
    from bookstore_testing import free_port_base
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    settings = Settings(_env_file=None, port_base=free_port_base())
    with ThreadServer(create_app(settings, bus=InProcessBus()), settings.port), \
            connect(f"ws://127.0.0.1:{settings.port}/ws?token=good") as ws, \
            pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1013
    assert closed.value.rcvd.reason == "notification is not reachable"
