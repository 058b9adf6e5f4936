"""Large and malformed bodies from outside (issue 14, findings 1 and 7): only the catalog's upload
routes take large multipart bodies; everything else is refused before it is buffered, so the
system's memory stays flat; a multipart body cut short is refused, never stored truncated."""
from __future__ import annotations

import socket
import threading
import uuid
from typing import Self
from urllib.parse import urlsplit

import orjson
import pytest

from ..e2e.test_books import make_pdf
from .helpers import add_book, first_admin
from .test_hostile_inputs import rss_mb

UPLOAD_MB = 64
CHUNK = 256 * 1024
MAX_GROWTH_MB = 24


def _multipart_chunks(boundary: str, total: int):
    """A `multipart/form-data` body of `total` bytes, generated as it is sent."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"pdf\"; "
            f"filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    yield head
    left = total - len(head) - len(tail)
    block = b"%PDF" + b"x" * (CHUNK - 4)
    while left > 0:
        yield block[:min(CHUNK, left)]
        left -= CHUNK
    yield tail


class MemorySampler:
    """Sums the resident memory of every process of the system, every 20 ms, in a thread."""

    def __init__(self, system):
        self.pids = [p.pid for p in system.procs.procs.values()]
        self.baseline = self._total()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> float:
        return sum(rss_mb(pid) for pid in self.pids)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._total())

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def growth_mb(self) -> float:
        return self.peak - self.baseline


@pytest.mark.parametrize("path", ["/orders", "/notify", "/register"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_64_mb_anonymous_multipart_upload_is_refused_and_memory_stays_flat(
        system, figures, path, declared):
    boundary = uuid.uuid4().hex
    total = UPLOAD_MB * 1024 * 1024
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if declared:
        headers["Content-Length"] = str(total)
    with MemorySampler(system) as memory:
        r = system.client.post(path, headers=headers, content=_multipart_chunks(boundary, total),
                               timeout=120)
    figures.cases += 1
    how = "declared length" if declared else "chunked"
    figures.attack(f"anonymous {UPLOAD_MB} MB multipart POST {path} ({how})",
                   f"{r.status_code} {r.json()['message']}; the system's resident memory grew "
                   f"{memory.growth_mb:.1f} MB")
    assert 400 <= r.status_code < 500, r.text[:300]
    assert r.json()["message"] in ("Payload too large", "Authentication required")
    assert memory.growth_mb < MAX_GROWTH_MB, f"{path}: grew {memory.growth_mb:.1f} MB"


def test_an_upload_over_the_catalog_limit_is_refused_at_the_gateway(system, figures):
    admin = first_admin(system)
    boundary = uuid.uuid4().hex
    total = 40 * 1024 * 1024
    with MemorySampler(system) as memory:
        r = system.client.post("/books", headers={
            **admin, "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(total)}, content=_multipart_chunks(boundary, total), timeout=120)
    figures.cases += 1
    figures.attack("an admin's 40 MB upload to POST /books (limit 16 MB)",
                   f"{r.status_code} {r.json()['message']}, memory grew "
                   f"{memory.growth_mb:.1f} MB")
    assert r.status_code == 413
    assert memory.growth_mb < MAX_GROWTH_MB


def _send_raw(url: str, head: bytes, body: bytes) -> tuple[int, bytes]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(head + body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_a_multipart_body_without_its_closing_boundary_is_refused_not_stored(system, figures):
    admin = first_admin(system)
    book = add_book(system, admin, stock=1)
    before = system.client.get(f"/books/{book}/pdf", headers=admin).content
    boundary = "b" + uuid.uuid4().hex
    pdf = make_pdf(2)
    fields = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                     f"{value}\r\n" for name, value in (("title", "Truncated"),))
    body = (fields + f"--{boundary}\r\nContent-Disposition: form-data; name=\"pdf\"; "
            f"filename=\"t.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() \
        + pdf  # the body stops after the file: no closing boundary
    host = urlsplit(system.url).netloc
    head = (f"PATCH /books/{book} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"Authorization: {admin['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    status, answer = _send_raw(system.url, head, body)
    figures.cases += 1
    figures.attack("PATCH /books/{id} with a multipart body that stops without its closing "
                   "boundary", f"{status} {orjson.loads(answer)['message']}: "
                   f"{orjson.loads(answer).get('error')}")
    assert status == 400, answer[:300]
    assert system.client.get(f"/books/{book}").json()["title"] != "Truncated"
    stored = system.client.get(f"/books/{book}/pdf", headers=admin)
    assert stored.content == before  # the book keeps the PDF it had
