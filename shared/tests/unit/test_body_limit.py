"""Request bodies over the limit are refused before they are read whole."""
from __future__ import annotations

from bookstore_shared.web import MAX_BODY_BYTES, create_service_app
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient


def _client() -> TestClient:
    router = APIRouter()

    @router.post("/echo")
    async def echo(request: Request):
        return {"size": len(await request.body())}

    app = create_service_app(service="tests", title="t", routers=[router], checks={})
    return TestClient(app)


def test_a_json_body_over_one_mebibyte_is_a_json_413():
    r = _client().post("/echo", content=b"x" * (MAX_BODY_BYTES + 1),
                       headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["message"] == "Payload too large"
    assert r.headers["x-request-id"]


def test_a_chunked_body_over_the_limit_is_a_413_and_one_under_it_passes_whole():
    client = _client()
    big = client.post("/echo", content=iter([b"x" * 600_000, b"y" * 600_000]))
    assert big.status_code == 413
    small = client.post("/echo", content=iter([b"x" * 1000, b"y" * 1000]))
    assert small.json() == {"size": 2000}


def test_multipart_uploads_are_left_to_their_own_limits():
    r = _client().post("/echo", files={"pdf": ("a.pdf", b"x" * (MAX_BODY_BYTES + 10))})
    assert r.json()["size"] > MAX_BODY_BYTES
