"""The operations console in a real browser: only admins get in; an admin adds a book with its
PDF, watches events placed elsewhere arrive live, and replays dead letters (one effect)."""
from __future__ import annotations

import email
import json
import re
import signal
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pika
import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import UserRegistered
from bookstore_testing import wait_for
from playwright.sync_api import expect

from .conftest import SocketRelay, add_book, new_account, pdf_bytes, pump_until

pytestmark = pytest.mark.integration


def test_a_user_is_refused_from_the_console_and_a_visitor_is_asked_to_log_in(browsing,
                                                                            web_system):
    browsing.watch.allow(r"status of 403")
    page = browsing.open("/console/orders")
    expect(page).to_have_url(f"{web_system.url}/shop/login?next=/console/orders")
    shopper = new_account(web_system)
    page.get_by_label("Email or username").fill(shopper.email)
    page.get_by_label("Password").fill(shopper.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("The console is for the store's admins.")).to_be_visible()
    expect(page.get_by_role("link", name="Console")).to_have_count(0)
    response = page.request.get(f"{web_system.url}/console/dlq")
    assert response.status == 403 and "Not allowed" in response.text()
    assert "notification" not in response.text()

    token = next(c["value"] for c in browsing.context.cookies() if c["name"] == "access_token")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert "access_token" not in {c["name"] for c in browsing.context.cookies()}
    after = httpx.get(f"{web_system.url}/users/me", timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401  # logging out ended the session in the API too


def test_an_admin_adds_a_book_with_its_pdf_through_the_form(browsing, web_system, admin,
                                                           tmp_path):
    title = f"Lanterns at Dusk {uuid.uuid4().hex[:6]}"
    pdf = pdf_bytes(f"{title}. " + "The lighthouse keeper counted the ships. " * 40)
    upload = tmp_path / "lanterns.pdf"
    upload.write_bytes(pdf)
    browsing.log_in(admin)
    page = browsing.page
    page.get_by_role("link", name="Console").click()
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Books").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Author").fill("Maren Solvik")
    page.get_by_label("Price").fill("18.40")
    page.get_by_label("Stock").fill("3")
    page.get_by_label("Description (optional)").fill("A keeper, a storm, a ledger.")
    page.get_by_label("PDF").set_input_files(str(upload))
    page.get_by_role("button", name="Add book").click()
    notice = page.get_by_role("status").filter(has_text="added")
    expect(notice).to_have_text(f"Book {_added_id(notice)} added.")
    book_id = _added_id(notice)
    expect(page.get_by_role("row", name=title)).to_contain_text("18.40")

    stored = httpx.get(f"{web_system.url}/books/{book_id}/pdf", headers=admin.headers, timeout=10)
    assert stored.status_code == 200 and stored.content == pdf
    page = browsing.open(f"/shop/books/{book_id}")
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_text("A keeper, a storm, a ledger.")).to_be_visible()
    expect(page.get_by_text("3 in stock")).to_be_visible()
    # The summary is written from the uploaded PDF; the page fetches it by itself until it is.
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("lighthouse keeper counted the ships", timeout=30_000)


def _added_id(notice) -> int:
    return int(notice.inner_text().split()[1])


def test_the_live_events_page_shows_an_order_placed_elsewhere(browsing, browser, web_system,
                                                              admin):
    book_id, _ = add_book(web_system, admin, title=f"Salt Roads {uuid.uuid4().hex[:6]}",
                          author="Tomas Vey")
    browsing.log_in(admin)
    page = browsing.open("/console/events?pattern=order.%23")
    expect(page.get_by_label("Routing pattern")).to_have_value("order.#")
    expect(page.get_by_role("status", name="Feed connection")).to_have_text("Connected, live")

    shopper = new_account(web_system)
    placed = httpx.post(f"{web_system.url}/orders", headers=shopper.headers, timeout=10,
                        json={"book_id": book_id, "quantity": 1})
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    events = page.get_by_role("list", name="Events")
    expect(events.get_by_role("listitem").filter(has_text="order.placed")
           .filter(has_text=f"order {order_id}")).to_have_count(1)
    expect(events.get_by_role("listitem").filter(has_text="DELIVERED")
           .filter(has_text=f"order {order_id}")).to_have_count(1, timeout=30_000)
    assert events.get_by_role("listitem").filter(has_text="inventory.").count() == 0

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("navigation", name="Console").get_by_role("link", name="Orders").click()
    page.get_by_label("Status").select_option("DELIVERED")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("row", name=f"Order {order_id}")).to_contain_text("user ")
    expect(page.locator("tbody td:last-child").filter(has_text="PROCESSING")).to_have_count(0)
    page.get_by_role("link", name=f"Order {order_id}").click()
    expect(page.get_by_role("status", name="Order status")).to_contain_text("DELIVERED")
    expect(page.get_by_role("status", name="Feed connection")).to_have_text("Connected, live")
    stored = _stored_timeline(web_system, admin, order_id)
    assert stored[-1]["status"] == "DELIVERED"
    _expect_timeline(page, stored)

    # The stored timeline is the server's page: it is there without JavaScript too.
    plain = browser.new_context(java_script_enabled=False)
    try:
        plain.add_cookies(browsing.context.cookies())
        without_js = plain.new_page()
        without_js.goto(f"{web_system.url}/console/orders/{order_id}")
        _expect_timeline(without_js, stored)
        expect(without_js.get_by_role("status", name="Feed connection")).to_have_text(
            "Live events need JavaScript.")
    finally:
        plain.close()


def _stored_timeline(web_system, admin, order_id: int) -> list[dict]:
    answer = httpx.get(f"{web_system.url}/orders/{order_id}/events", headers=admin.headers,
                       timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _expect_timeline(page, stored: list[dict]) -> None:
    """The page lists exactly the stored events, oldest first, each with what it did."""
    items = page.get_by_role("list", name="Events").get_by_role("listitem")
    expect(items).to_have_count(len(stored))
    assert [item.get_attribute("data-event-id") for item in items.all()] == [
        e["id"] for e in stored]
    expect(items.first).to_contain_text("order.placed")
    expect(items.first).to_contain_text("→ PENDING")
    expect(items.filter(has_text="inventory.reserved")).to_contain_text(
        "→ PROCESSING — from inventory")


def test_an_orders_console_page_appends_what_happens_next_to_its_stored_timeline_once(
        browsing, web_system, admin):
    book_id, _ = add_book(web_system, admin, title=f"Tin Lanterns {uuid.uuid4().hex[:6]}",
                          author="Ada Lindqvist")
    shopper = new_account(web_system)
    feeds = []

    def join_the_gateway(socket):  # the page's feed, as is; the test may add a message to it
        socket.connect_to_server()
        feeds.append(socket)

    browsing.page.route_web_socket(re.compile(r"/admin/events"), join_the_gateway)
    browsing.log_in(admin)
    with _console_page_of_a_confirmed_order(browsing, web_system, admin, shopper,
                                            book_id) as (page, order_id, stored):
        # An event the page already lists, arriving again, is not listed twice.
        reserved = next(e for e in stored if e["type"] == "inventory.reserved")
        feeds[-1].send(json.dumps({"id": reserved["id"], "type": "inventory.reserved",
                                   "producer": "inventory", "occurred_at": reserved["occurred_at"],
                                   "data": {"order_id": order_id}}))

    items = page.get_by_role("list", name="Events").get_by_role("listitem")
    delivered = items.filter(has_text="order.status_changed").filter(has_text="DELIVERED")
    expect(delivered).to_have_count(1, timeout=30_000)
    expect(items.filter(has_text="shipment.updated").filter(has_text="READY")).to_have_count(1)
    expect(items.filter(has_text="inventory.reserved")).to_have_count(1)
    ids = [item.get_attribute("data-event-id") for item in items.all()]
    assert ids[:len(stored)] == [e["id"] for e in stored]  # the stored story first, in order
    assert len(set(ids)) == len(ids)


def test_an_orders_console_page_whose_feed_dropped_rereads_the_stored_timeline_on_reconnecting(
        browsing, web_system, admin):
    book_id, _ = add_book(web_system, admin, title=f"Slow Rivers {uuid.uuid4().hex[:6]}",
                          author="Ines Marlowe")
    shopper = new_account(web_system)
    relay = SocketRelay()
    browsing.page.route_web_socket(re.compile(r"/admin/events"), relay)
    browsing.log_in(admin)
    with _console_page_of_a_confirmed_order(browsing, web_system, admin, shopper,
                                            book_id) as (page, order_id, confirmed):
        relay.cut()  # what happens next reaches the gateway's feed, not this page
    delivered = wait_for(lambda: _timeline_ending(web_system, admin, order_id,
                                                  "order.status_changed", "DELIVERED"),
                         timeout=30, what="delivered")
    pump_until(page, lambda: [m for m in relay.dropped if m["type"] == "order.status_changed"
                              and m["data"]["status"] == "DELIVERED"],
               "DELIVERED sent on the cut feed (and dropped)")
    expect(page.get_by_role("list", name="Events").get_by_role("listitem")).to_have_count(
        len(confirmed))  # the page has not heard of it

    with page.expect_response(f"**/console/orders/{order_id}/timeline"):
        relay.pages[-1].close(code=1001, reason="going away")  # the page reconnects, re-reads
    _expect_timeline(page, delivered)
    assert not [m for passed in relay.passed for m in passed if m["type"].startswith("shipment.")]


@contextmanager
def _console_page_of_a_confirmed_order(browsing, web_system, admin, shopper, book_id: int):
    """(page, order id, stored timeline): the console page of an order just confirmed, opened
    and live while shipping is paused (the order waits at PROCESSING until the block ends)."""
    shipping = web_system.procs.procs["shipping"]
    shipping.send_signal(signal.SIGSTOP)
    try:
        placed = httpx.post(f"{web_system.url}/orders", headers=shopper.headers, timeout=10,
                            json={"book_id": book_id, "quantity": 1})
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["order_id"]
        stored = wait_for(lambda: _timeline_ending(web_system, admin, order_id,
                                                   "order.confirmed"), what="confirmed")
        page = browsing.open(f"/console/orders/{order_id}")
        expect(page.get_by_role("status", name="Feed connection")).to_have_text(
            "Connected, live")
        _expect_timeline(page, stored)
        yield page, order_id, stored
    finally:
        shipping.send_signal(signal.SIGCONT)


def _timeline_ending(web_system, admin, order_id: int, event_type: str,
                     status: str | None = None) -> list[dict] | None:
    timeline = _stored_timeline(web_system, admin, order_id)
    last = timeline[-1]
    return timeline if last["type"] == event_type and status in (None, last["status"]) else None


def _park_twice(web_system, envelope: Envelope) -> None:
    """The same event parked twice in notification's dead-letter queue (as after a redelivery
    while the mail templates were broken)."""
    instance = web_system.env["BOOKSTORE_INSTANCE"]
    connection = pika.BlockingConnection(pika.URLParameters(web_system.env[
        "BOOKSTORE_RABBITMQ_URL"]))
    try:
        channel = connection.channel()
        for _ in range(2):
            channel.basic_publish("", f"{instance}.notification.dlq", envelope.to_bytes(),
                                  pika.BasicProperties(
                                      content_type="application/json", delivery_mode=2,
                                      message_id=envelope.id, type=envelope.type,
                                      headers={"x-bookstore-attempts": 4,
                                               "x-bookstore-error": "KeyError: 'welcome'",
                                               "x-bookstore-dead-lettered-at":
                                                   datetime.now(UTC).isoformat()}))
    finally:
        connection.close()


def _welcome_emails(web_system, address: str) -> list[email.message.Message]:
    folder = Path(web_system.env["BOOKSTORE_DATA_DIR"]) / "mail"
    found = [email.message_from_bytes(f.read_bytes()) for f in folder.glob("*.eml")]
    return [m for m in found if m["To"] == address]


def test_a_dead_letter_replayed_from_the_console_has_one_effect(browsing, web_system, admin):
    name = "late" + uuid.uuid4().hex[:8]
    address = f"{name}@example.com"
    envelope = Envelope.wrap(UserRegistered(user_id=900_000 + int(uuid.uuid4().int % 99_999),
                                            username=name, email=address), producer="auth")
    _park_twice(web_system, envelope)
    browsing.log_in(admin)
    page = browsing.page
    page.get_by_role("link", name="Console").click()
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Dead letters").click()
    expect(page.get_by_role("row", name="notification")).to_be_visible()
    page.get_by_role("link", name="notification").click()
    letters = page.get_by_role("row").filter(has_text=envelope.id)
    expect(letters).to_have_count(2)
    expect(letters.first).to_contain_text("KeyError: 'welcome'")
    expect(letters.first).to_contain_text("user.registered")

    for checkbox in page.get_by_role("checkbox", name=f"Choose user.registered {envelope.id}").all():
        checkbox.check()
    page.get_by_role("button", name="Replay chosen").click()
    expect(page.get_by_role("heading", name="Replay dead letters of notification?")).to_be_visible()
    expect(page.get_by_text("The 2 chosen messages will go back")).to_be_visible()
    page.get_by_role("button", name="Yes, replay").click()
    expect(page.get_by_role("status").filter(has_text="Replayed")).to_have_text(
        "Replayed 2 messages.")
    expect(page.get_by_role("row").filter(has_text=envelope.id)).to_have_count(0)

    wait_for(lambda: _welcome_emails(web_system, address), timeout=15,
             what="the replayed welcome email")
    page.wait_for_timeout(1000)  # room for a second email, were the duplicate to take effect
    assert len(_welcome_emails(web_system, address)) == 1


def test_an_admin_edits_restocks_and_deletes_a_book_and_broadcasts_to_shoppers(
        browsing, browser, web_system, admin):
    title = f"Winter Harbour {uuid.uuid4().hex[:6]}"
    book_id, _ = add_book(web_system, admin, title=title, author="Ola Brenn", stock=2)
    shopper_context = browser.new_context()  # a second person, watched like the first
    shopper_context.route("**/*", browsing.watch.route)
    try:
        shopper_page = shopper_context.new_page()
        shopper_page.on("console", browsing.watch.console)
        shopper_page.on("websocket", browsing.watch.websocket)
        shopper = new_account(web_system)
        shopper_page.goto(f"{web_system.url}/shop/login")
        shopper_page.get_by_label("Email or username").fill(shopper.email)
        shopper_page.get_by_label("Password").fill(shopper.password)
        shopper_page.get_by_role("button", name="Log in").click()
        expect(shopper_page.get_by_text(f"Signed in as {shopper.username}")).to_be_visible()

        browsing.log_in(admin)
        page = browsing.open(f"/console/books/{book_id}")
        page.get_by_label("Price").fill("7.25")
        page.get_by_label("Stock").fill("11")
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_role("status").filter(has_text="saved")).to_have_text("Changes saved.")
        book = httpx.get(f"{web_system.url}/books/{book_id}", timeout=10).json()
        assert (book["price"], book["stock"]) == (7.25, 11)
        page.get_by_role("button", name="Regenerate summary").click()
        expect(page.get_by_role("status").filter(has_text="summary")).to_have_text(
            "A new summary is being written.")

        browsing.open("/console/broadcast")
        page.get_by_label("Message").fill("Winter sale: everything ships today.")
        page.get_by_role("button", name="Send to everyone").click()
        expect(page.get_by_role("status").filter(has_text="sent")).to_be_visible()
        expect(shopper_page.get_by_role("status", name="Announcements")).to_have_text(
            "Winter sale: everything ships today.")

        browsing.open(f"/console/books/{book_id}")
        page.get_by_role("button", name="Delete book").click()
        expect(page.get_by_role("status").filter(has_text="deleted")).to_have_text("Book deleted.")
        gone = httpx.get(f"{web_system.url}/books/{book_id}", timeout=10)
        assert gone.status_code == 404
    finally:
        shopper_context.close()
