"""`make screenshots`: every page of the storefront and the console at 1280×800, written to
docs/screenshots/ (not part of `make test`: run this file explicitly).

A fresh system is stocked with a few books, a delivered and a cancelled order, live events and a
parked message, then each page is opened as a shopper, an admin or a visitor would see it.
"""
from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from playwright.sync_api import expect

from ..conftest import login
from .conftest import PASSWORD, Account, add_book
from .test_console import _park_twice

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BOOKS = [("The Lighthouse Ledger", "Maren Solvik", "18.40"),
         ("Harbour Letters", "Ines Marlowe", "12.50"),
         ("Salt Roads", "Tomas Vey", "9.90"),
         ("Quiet Tides", "Ines Marlowe", "14.00"),
         ("Northern Orchards", "Ada Lindqvist", "21.00")]


def _snap(page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"))


def _order(system, shopper, book_id: int, quantity: int = 1) -> int:
    r = httpx.post(f"{system.url}/orders", headers=shopper.headers, timeout=10,
                   json={"book_id": book_id, "quantity": quantity})
    assert r.status_code == 201, r.text
    return r.json()["order_id"]


@pytest.mark.integration
def test_every_page_is_photographed(browsing, browser, web_system, admin):
    ids = [add_book(web_system, admin, title=t, author=a, price=p, stock=8)[0]
           for t, a, p in BOOKS]
    page = browsing.open("/shop/")
    _snap(page, "shop-books")
    page.get_by_role("searchbox", name="Search titles and authors").fill("Ines")
    page.get_by_role("button", name="Search").click()
    _snap(page, "shop-search")
    browsing.open("/shop/register")
    _snap(page, "shop-register")
    browsing.open("/shop/login")
    _snap(page, "shop-login")

    shopper = Account("ines", "ines@example.com")
    r = httpx.post(f"{web_system.url}/register", timeout=10, json={
        "username": shopper.username, "email": shopper.email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    shopper.headers = login(web_system.url, shopper.email, PASSWORD)
    browsing.log_in(shopper)
    page = browsing.open(f"/shop/books/{ids[0]}")
    expect(page.get_by_text("being written")).to_have_count(0, timeout=20_000)
    _snap(page, "shop-book")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Buy").click()
    expect(page.get_by_role("status", name="Order status")).to_have_text("Status: DELIVERED",
                                                                          timeout=30_000)
    _snap(page, "shop-order-delivered")
    shipping = web_system.procs.procs["shipping"]
    shipping.send_signal(signal.SIGSTOP)
    try:
        page = browsing.open(f"/shop/books/{ids[2]}")
        page.get_by_role("button", name="Buy").click()
        expect(page.get_by_role("status", name="Order status")).to_have_text(
            "Status: PROCESSING")
        _snap(page, "shop-order-processing")
        page.get_by_role("button", name="Cancel order").click()
        expect(page.get_by_role("status", name="Order status")).to_have_text(
            "Status: CANCELLED")
    finally:
        shipping.send_signal(signal.SIGCONT)
    _snap(page, "shop-order-cancelled")
    browsing.open("/shop/orders")
    _snap(page, "shop-orders")
    browsing.watch.allow(r"status of (403|404)")
    browsing.open("/shop/no-such-page")
    _snap(page, "shop-not-found")
    browsing.open("/console/")
    _snap(page, "console-refused")

    admin_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = admin_context.new_page()
        page.on("console", browsing.watch.console)
        browsing.page = page
        browsing.log_in(admin)
        _snap(page, "shop-books-admin")
        for path, name in [("/console/", "console-home"), ("/console/books", "console-books"),
                           (f"/console/books/{ids[1]}", "console-book-edit"),
                           ("/console/orders", "console-orders"),
                           ("/console/broadcast", "console-broadcast")]:
            browsing.open(path)
            _snap(page, name)
        page = browsing.open("/console/events")
        expect(page.get_by_role("status", name="Feed connection")).to_have_text("Connected, live")
        order_id = _order(web_system, shopper, ids[3])
        expect(page.get_by_role("list", name="Events").get_by_role("listitem").filter(
            has_text="DELIVERED").first).to_be_visible(timeout=30_000)
        _snap(page, "console-events")
        page = browsing.open(f"/console/orders/{order_id}")
        expect(page.get_by_role("status", name="Feed connection")).to_have_text("Connected, live")
        _snap(page, "console-order")
        _park_twice(web_system, Envelope.wrap(UserRegistered(
            user_id=424242, username="late", email="late@example.com"), producer="auth"))
        browsing.open("/console/dlq")
        _snap(page, "console-dlq")
        page = browsing.open("/console/dlq/notification")
        _snap(page, "console-letters")
        page.get_by_role("button", name="Replay all").click()
        _snap(page, "console-confirm")
    finally:
        admin_context.close()
