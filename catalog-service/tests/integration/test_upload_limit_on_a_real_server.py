"""The upload limit holds on a real HTTP server, where bodies arrive as a stream (chunked)."""
from __future__ import annotations

import threading
import time

import httpx
import pytest
import uvicorn
from bookstore_testing import free_port_base

from .conftest import make_pdf, stored_files


@pytest.fixture(scope="module")
def server_url(app):
    port = free_port_base(1)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _multipart(head: bytes, size: int, sent: dict):
    yield (b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nStreamed\r\n'
           b'--b\r\nContent-Disposition: form-data; name="author"\r\n\r\nA\r\n'
           b'--b\r\nContent-Disposition: form-data; name="price"\r\n\r\n2.50\r\n'
           b'--b\r\nContent-Disposition: form-data; name="stock"\r\n\r\n3\r\n'
           b'--b\r\nContent-Disposition: form-data; name="pdf"; filename="s.pdf"\r\n'
           b'Content-Type: application/pdf\r\n\r\n')
    yield head
    while sent["bytes"] < size:
        sent["bytes"] += 65536
        yield b"%" * 65536
    yield b"\r\n--b--\r\n"


def test_a_chunked_upload_over_the_limit_is_413_and_nothing_is_kept(server_url, tokens,
                                                                     settings):
    before = stored_files(settings.data_dir)
    headers = {**tokens.headers(1, admin=True),
               "Content-Type": "multipart/form-data; boundary=b"}
    sent = {"bytes": 0}
    r = httpx.post(f"{server_url}/books", headers=headers, timeout=30,
                   content=_multipart(make_pdf(), 8 * settings.max_upload_bytes, sent))
    assert r.status_code == 413
    assert r.json()["message"] == "File too large"
    assert stored_files(settings.data_dir) == before


def test_a_chunked_upload_under_the_limit_is_stored(server_url, tokens, settings):
    headers = {**tokens.headers(1, admin=True),
               "Content-Type": "multipart/form-data; boundary=b"}
    sent = {"bytes": 0}
    r = httpx.post(f"{server_url}/books", headers=headers, timeout=30,
                   content=_multipart(make_pdf() + b"\n", settings.max_upload_bytes // 2, sent))
    assert r.status_code == 201, r.text
    book = httpx.get(f"{server_url}/books/{r.json()['book_id']}").json()
    assert (book["title"], book["price"], book["stock"]) == ("Streamed", 2.5, 3)
