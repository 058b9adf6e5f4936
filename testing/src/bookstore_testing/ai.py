"""Test doubles for the AI service: a local server speaking OpenAI's chat-completions API, a
catalog serving PDFs on its internal endpoint, and PDF builders."""
from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

DESCRIPTION = "A generated description of the book. It is worth reading."


class ThreadedServer:
    """An aiohttp app served on 127.0.0.1 (a free port) from its own thread."""

    def __init__(self, app: web.Application):
        self._app = app
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def start(self) -> ThreadedServer:
        ready = threading.Event()

        async def _serve() -> None:
            self._runner = web.AppRunner(self._app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]
            ready.set()

        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(_serve(), self._loop)
        if not ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"error": {"message": "scripted failure",
                                                          "type": "test", "code": None}})


class FakeOpenAI:
    """POST /v1/chat/completions: records each request; answers name the marker words
    (`marker_pattern`) found in the prompt, so a summary shows which pages reached the model."""

    def __init__(self, marker_pattern: str = r"\bQX[A-Z]+\b"):
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.answers: list[str] = []
        self.failures: deque[Failure] = deque()
        self.always_fail: Failure | None = None
        self._markers = re.compile(marker_pattern)
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._server = ThreadedServer(app)

    def start(self) -> FakeOpenAI:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return self._server.url + "/v1"

    def fail_next(self, status: int, *, times: int = 1, headers: dict | None = None) -> None:
        """The next `times` requests get this status."""
        self.failures.extend(Failure(status, headers or {}) for _ in range(times))

    def answer_for(self, prompt: str) -> str:
        """What the server says to a prompt."""
        if prompt.startswith("Write a description"):
            return DESCRIPTION
        markers = sorted(set(self._markers.findall(prompt)))
        return f"Generated summary {len(self.requests)} covering {' '.join(markers)}."

    def user_prompts(self) -> list[str]:
        """The user message of every request received."""
        return [m["content"] for r in self.requests for m in r["messages"] if m["role"] == "user"]

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        failure = self.failures.popleft() if self.failures else self.always_fail
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
        content = self.answer_for(prompt)
        self.answers.append(content)
        return web.json_response({
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", "unknown"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4,
                      "total_tokens": (len(prompt) + len(content)) // 4}})


class FakeCatalog:
    """GET /internal/books/{id}/pdf from `pdfs` (404 for others), optionally slow."""

    def __init__(self) -> None:
        self.pdfs: dict[int, bytes] = {}
        self.delay_s: dict[int, float] = {}
        self.fetches: list[int] = []
        app = web.Application()
        app.router.add_get("/internal/books/{book_id}/pdf", self._pdf)
        self._server = ThreadedServer(app)

    def start(self) -> FakeCatalog:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        return self._server.url

    async def _pdf(self, request: web.Request) -> web.Response:
        book_id = int(request.match_info["book_id"])
        self.fetches.append(book_id)
        await asyncio.sleep(self.delay_s.get(book_id, 0))
        if book_id not in self.pdfs:
            return web.json_response({"message": "Book not found"}, status=404)
        return web.Response(body=self.pdfs[book_id], content_type="application/pdf")


def book_pages(markers: list[str], *, sentences_per_page: int = 30) -> list[str]:
    """Prose pages; every sentence of page i names its marker word."""
    return [" ".join(f"Sentence {s} tells how the {m} keeper tended the {m} light on the coast."
                     for s in range(sentences_per_page)) for m in markers]


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with one page per string (fpdf2, core font)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def make_scanned_pdf(pages: int = 2) -> bytes:
    """A PDF whose pages carry only drawings (like a scan): no extractable text."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 120, 80, style="F")
    return bytes(pdf.output())
