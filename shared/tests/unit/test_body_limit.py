"""Request bodies over the limit are refused before they are read whole."""
from __future__ import annotations

from bookstore_shared.limits import MAX_JSON_DEPTH
from bookstore_shared.web import MAX_BODY_BYTES, create_service_app
from fastapi import APIRouter, Request
from fastapi.testclient import TestClient


def _client() -> TestClient:
    router = APIRouter()

    @router.post("/echo")
    async def echo(request: Request):
        return {"size": len(await request.body())}

    @router.post("/uploads")
    async def upload(request: Request):
        return {"size": len(await request.body())}

    app = create_service_app(service="tests", title="t", routers=[router], checks={},
                             upload_routes=[("POST", "/uploads")])
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


def test_only_named_upload_routes_take_multipart_bodies_over_the_limit():
    client = _client()
    refused = client.post("/echo", files={"pdf": ("a.pdf", b"x" * (MAX_BODY_BYTES + 10))})
    assert refused.status_code == 413
    assert refused.json()["message"] == "Payload too large"
    upload = client.post("/uploads", files={"pdf": ("a.pdf", b"x" * (MAX_BODY_BYTES + 10))})
    assert upload.json()["size"] > MAX_BODY_BYTES


def test_json_nested_deeper_than_the_limit_is_a_400_and_strings_do_not_count():
    client = _client()
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    r = client.post("/echo", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"message": "Invalid JSON body",
                        "error": f"nested more than {MAX_JSON_DEPTH} deep"}
    quoted = b'{"a": "' + b"[" * 1000 + b'"}'
    ok = client.post("/echo", content=quoted, headers={"content-type": "application/json"})
    assert ok.json() == {"size": len(quoted)}
