"""The storefront in a real browser: a shopper registers, logs in, finds a book, buys it, watches
the order reach DELIVERED without reloading, and downloads the very PDF the store holds; an order
is cancelled while it can be; an order page whose socket dropped learns what it missed when it
reconnects."""
from __future__ import annotations

import re
import signal
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, SocketRelay, add_book, new_account, pump_until

pytestmark = pytest.mark.integration


def test_a_shopper_registers_logs_in_finds_buys_and_downloads_the_delivered_book(
        browsing, web_system, admin):
    title = f"Harbour Letters {uuid.uuid4().hex[:6]}"
    _, pdf = add_book(web_system, admin, title=title, author="Ines Marlowe", stock=7)
    name = "reader" + uuid.uuid4().hex[:8]
    page = browsing.open("/")
    expect(page).to_have_url(f"{web_system.url}/shop/")

    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()

    page.get_by_label("Email or username").fill(f"{name}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    page.get_by_role("searchbox", name="Search titles and authors").fill(title)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 book found")).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_text("7 in stock")).to_be_visible()

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Buy").dblclick()  # still one order (Idempotency-Key)
    expect(page).to_have_url(f"{web_system.url}/shop/orders/{_order_id(page)}")
    page.evaluate("window.stillTheSamePage = true")  # a reload would forget it

    status = page.get_by_role("status", name="Order status")
    expect(status).to_have_text("Status: DELIVERED", timeout=30_000)
    progress = page.get_by_role("list", name="Order progress")
    expect(progress.locator("[aria-current=step]")).to_have_text("DELIVERED")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    sent = httpx.post(f"{web_system.url}/notify", headers=admin.headers, timeout=10,
                      json={"message": "The shop closes early today."})
    assert sent.status_code == 200, sent.text
    expect(page.get_by_role("status", name="Announcements")).to_have_text(
        "The shop closes early today.")

    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download PDF of {title}").click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == pdf

    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("row").filter(has_text=title)).to_have_count(1)
    row = page.get_by_role("row", name=f"Order {_order_id_from(page, title)}")
    expect(row).to_contain_text("DELIVERED")
    expect(row).to_contain_text(f"2 × {title}")
    page.get_by_role("link", name="Books", exact=True).click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_text("5 in stock")).to_be_visible()


def _order_id(page) -> str:
    page.wait_for_url("**/shop/orders/*")
    return page.url.rsplit("/", 1)[1]


def _order_id_from(page, title: str) -> str:
    link = page.get_by_role("row").filter(has_text=title).get_by_role("link").first
    return link.inner_text().removeprefix("Order ")


def test_a_shopper_cancels_an_order_while_it_is_processing(browsing, web_system, admin):
    title = f"Quiet Tides {uuid.uuid4().hex[:6]}"
    book_id, _ = add_book(web_system, admin, title=title, author="Ola Brenn", stock=4)
    shopper = new_account(web_system)
    browsing.log_in(shopper)
    shipping = web_system.procs.procs["shipping"]
    shipping.send_signal(signal.SIGSTOP)  # the order cannot ship while the test decides
    try:
        page = browsing.open(f"/shop/books/{book_id}")
        page.get_by_role("button", name="Buy").click()
        order_id = _order_id(page)
        status = page.get_by_role("status", name="Order status")
        expect(status).to_have_text("Status: PROCESSING")
        page.get_by_role("button", name="Cancel order").click()
        expect(status).to_have_text("Status: CANCELLED")
    finally:
        shipping.send_signal(signal.SIGCONT)
    expect(page.get_by_text("This order was cancelled: you cancelled it.")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Download PDF of {title}")).to_have_count(0)
    order = httpx.get(f"{web_system.url}/orders/{order_id}", headers=shopper.headers).json()
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "cancelled_by_user")
    page = browsing.open(f"/shop/books/{book_id}")
    expect(page.get_by_text("4 in stock")).to_be_visible(timeout=10_000)  # the copy came back


def test_an_order_page_whose_socket_reconnects_fetches_the_status_it_missed(browsing, web_system,
                                                                            admin):
    book_id, _ = add_book(web_system, admin, title=f"Low Water {uuid.uuid4().hex[:6]}",
                          author="Tomas Vey", stock=3)
    shopper = new_account(web_system)
    relay = SocketRelay()
    browsing.page.route_web_socket(re.compile(r"/ws$"), relay)
    browsing.log_in(shopper)
    shipping = web_system.procs.procs["shipping"]
    shipping.send_signal(signal.SIGSTOP)  # nothing moves the order but the test
    try:
        placed = httpx.post(f"{web_system.url}/orders", headers=shopper.headers, timeout=10,
                            json={"book_id": book_id, "quantity": 1})
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["order_id"]
        # The shopper's open socket has carried the order to PROCESSING: nothing more is on its way.
        pump_until(browsing.page, lambda: "PROCESSING" in relay.statuses(relay.passed[-1], order_id),
               "PROCESSING pushed to the shopper")
        with browsing.page.expect_response(f"**/shop/orders/{order_id}/state"):
            page = browsing.open(f"/shop/orders/{order_id}")  # re-read when its socket opened
        page.evaluate("window.stillTheSamePage = true")  # a reload would forget it
        status = page.get_by_role("status", name="Order status")
        expect(status).to_have_text("Status: PROCESSING")
        sockets = len(relay.pages)

        relay.cut()
        cancelled = httpx.post(f"{web_system.url}/orders/{order_id}/cancel",
                               headers=shopper.headers, timeout=10)
        assert cancelled.status_code == 200, cancelled.text
        pump_until(page, lambda: relay.statuses(relay.dropped, order_id) == ["CANCELLED"],
               "CANCELLED pushed on the cut socket (and dropped)")
        expect(status).to_have_text("Status: PROCESSING")  # the page has not heard of it

        with page.expect_request(f"**/shop/orders/{order_id}/state"):
            relay.pages[-1].close(code=1001, reason="going away")  # the page sees it drop
        expect(status).to_have_text("Status: CANCELLED")
    finally:
        shipping.send_signal(signal.SIGCONT)
    expect(page.get_by_text("This order was cancelled: you cancelled it.")).to_be_visible()
    assert len(relay.pages) == sockets + 1  # it reconnected, once
    assert all("CANCELLED" not in relay.statuses(passed, order_id) for passed in relay.passed)
    assert page.evaluate("window.stillTheSamePage") is True
