"""Browser tests: Playwright driving Debian's Chromium against a whole system of their own
(one process per service, real MySQL and RabbitMQ). One system and one browser for the module
set; each test gets a fresh browser context (no shared cookies).

Every page a test opens is watched: a console error, an uncaught script error or a request to any
host but 127.0.0.1 fails the test.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
from bookstore_testing import wait_for

from ..conftest import RunningSystem, login, own_system

CHROMIUM = os.environ.get("BOOKSTORE_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every browser test; missing Chromium fails loudly (never a skip).

    Package-scoped: while Playwright's sync API is open, the main thread has a running event
    loop, and later tests that call asyncio.run() would fail."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: install it with "
                    "`apt-get install chromium` (.ci/run does), or point BOOKSTORE_CHROMIUM at "
                    "one", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def web_system(infra, new_instance, tmp_path_factory) -> Iterator[RunningSystem]:
    """The system the browser tests shop in: short shipping delays, so an order is delivered
    a few seconds after it is placed while its page is open."""
    with own_system(infra, new_instance, tmp_path_factory, "browser",
                    BOOKSTORE_SHIP_AFTER_S="1.5", BOOKSTORE_DELIVER_AFTER_S="1.5") as running:
        yield running


@dataclass
class Account:
    username: str
    email: str
    password: str = PASSWORD
    headers: dict[str, str] = field(default_factory=dict)


def new_account(system: RunningSystem, prefix: str = "shopper") -> Account:
    """A registered user (through the API) with its bearer header."""
    name = prefix + uuid.uuid4().hex[:8]
    account = Account(name, f"{name}@example.com")
    r = httpx.post(f"{system.url}/register", timeout=10, json={
        "username": name, "email": account.email, "password": account.password})
    assert r.status_code == 201, r.text
    account.headers = login(system.url, account.email, account.password)
    return account


@pytest.fixture(scope="package")
def admin(web_system) -> Account:
    """The system's first admin."""
    name = "admin" + uuid.uuid4().hex[:8]
    account = Account(name, f"{name}@example.com")
    r = httpx.post(f"{web_system.url}/create_admin", timeout=10, json={
        "username": name, "email": account.email, "password": account.password})
    assert r.status_code == 201, r.text
    account.headers = login(web_system.url, account.email, account.password)
    return account


def pdf_bytes(text: str) -> bytes:
    """A small real PDF (the catalog checks the bytes, and the AI service reads the text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def add_book(system: RunningSystem, admin: Account, *, title: str, author: str, stock: int = 10,
             price: str = "12.50") -> tuple[int, bytes]:
    """A book with a PDF, through the API; returns its id and the PDF's bytes."""
    pdf = pdf_bytes(f"{title} by {author}. " + "A story of ships and letters. " * 30)
    r = httpx.post(f"{system.url}/books", headers=admin.headers, timeout=15, data={
        "title": title, "author": author, "price": price, "stock": str(stock),
        "description": f"A novel by {author}."}, files={"pdf": ("book.pdf", pdf,
                                                                "application/pdf")})
    assert r.status_code == 201, r.text
    return r.json()["book_id"], pdf


class PageWatch:
    """Console errors, page errors and requests that left 127.0.0.1, for one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Expect a console error matching `pattern` (e.g. the 403 of a refused page)."""
        self.allowed.append(re.compile(pattern))

    def console(self, message) -> None:
        if message.type == "error" and not any(p.search(message.text) for p in self.allowed):
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def websocket(self, socket) -> None:
        if urlsplit(socket.url).hostname != "127.0.0.1":
            self.foreign.append(socket.url)


@dataclass
class Browsing:
    """A fresh browser context on the system: `page`, the watch, and helpers."""

    system: RunningSystem
    context: object
    page: object
    watch: PageWatch

    def open(self, path: str):
        self.page.goto(self.system.url + path)
        return self.page

    def log_in(self, account: Account) -> None:
        """Through the login form, as a person would."""
        page = self.open("/shop/login")
        page.get_by_label("Email or username").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text(f"Signed in as {account.username}").wait_for()


@pytest.fixture
def browsing(browser, web_system) -> Iterator[Browsing]:
    """A new context (its own cookies) at 1280×800; fails the test on console errors and on
    requests leaving 127.0.0.1."""
    watch = PageWatch()
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.errors.append(f"uncaught: {error}"))
    page.on("websocket", watch.websocket)
    try:
        yield Browsing(web_system, context, page, watch)
        assert watch.errors == [], f"console errors: {watch.errors}"
        assert watch.foreign == [], f"requests left 127.0.0.1: {watch.foreign}"
    finally:
        context.close()


class SocketRelay:
    """A page's WebSockets (`page.route_web_socket(url, relay)`), each joined to the real server
    through Playwright, keeping the JSON the server sent on each: passed on to the page, or
    dropped once that socket is `cut()` (as on a network that stopped carrying it while neither
    end noticed). Closing the page's side (`relay.pages[-1].close()`) makes the page reconnect."""

    def __init__(self) -> None:
        self.pages: list = []  # the page's side of each connection
        self.passed: list[list[dict]] = []
        self.dropped: list[dict] = []
        self._cut: set[int] = set()

    def __call__(self, socket) -> None:
        server = socket.connect_to_server()
        index = len(self.pages)
        self.pages.append(socket)
        self.passed.append([])

        def from_server(message) -> None:
            if index in self._cut:
                self.dropped.append(json.loads(message))
            else:
                self.passed[index].append(json.loads(message))
                socket.send(message)

        server.on_message(from_server)
        socket.on_message(server.send)

    def cut(self) -> None:
        self._cut.add(len(self.pages) - 1)

    @staticmethod
    def statuses(messages: list[dict], order_id: int) -> list[str]:
        """The statuses of one order in `/ws` messages."""
        return [m["status"] for m in messages
                if m.get("type") == "order_status" and m.get("order_id") == order_id]


def pump_until(page, check, what: str):
    """Poll `check` through Playwright: its sync API runs callbacks (a SocketRelay's) only while
    it is being called."""
    return wait_for(lambda: page.wait_for_timeout(20) or check(), timeout=15, what=what)
