"""The admin event feed without a network: query parsing, fan-out, the slow-client policy, SSE."""
import asyncio
import functools
import time

import pytest
from bookstore_shared.bus import InProcessBus
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import OrderStatusChanged, StockChanged
from bookstore_shared.security import Principal, RevokedSessions
from gateway.adapters.eventhub import OVERFLOW, EventHub
from gateway.domain.feedquery import BadFeedQuery, feed_filter
from gateway.entrypoints.eventfeed import EventFeed


def run(test):
    """Run an async test on a fresh event loop."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return wrapper


def status(order_id: int, value: str = "PENDING", corr: str = "c1") -> Envelope:
    return Envelope.wrap(OrderStatusChanged(order_id=order_id, user_id=1, status=value),
                         producer="order", correlation_id=corr)


def stock(corr: str) -> Envelope:
    return Envelope.wrap(StockChanged(book_id=1, stock=3), producer="inventory",
                         correlation_id=corr)


def test_the_query_gives_patterns_correlation_and_order_filters():
    f = feed_filter(b"pattern=order.%23&pattern=inventory.*&correlation_id=abc&order_id=42")
    assert (tuple(f.patterns), f.correlation_id, f.order_id) == (
        ("order.#", "inventory.*"), "abc", 42)
    default = feed_filter(b"")
    assert (tuple(default.patterns), default.correlation_id, default.order_id) == (
        ("#",), None, None)


@pytest.mark.parametrize("query", [b"order_id=x", b"order_id=-1", b"pattern=order..x",
                                   b"pattern=a%20b", b"&".join([b"pattern=a"] * 21)])
def test_a_query_that_is_not_a_filter_is_refused(query):
    with pytest.raises(BadFeedQuery):
        feed_filter(query)


@run
async def test_each_client_gets_only_what_its_filter_accepts():
    hub = EventHub(InProcessBus(), max_clients=5, buffer=10)
    orders = await hub.join(feed_filter(b"order_id=7"))
    everything = await hub.join(feed_filter(b""))
    for env in (status(7, corr="a"), status(8, corr="b"), stock("a"), stock("b")):
        hub.fan_out(env)
    got = [orders.queue.get_nowait().id for _ in range(orders.queue.qsize())]
    assert orders.queue.empty() and len(got) == 2
    assert everything.queue.qsize() == 4


@run
async def test_a_client_that_falls_behind_keeps_only_the_overflow_marker_and_is_dropped():
    hub = EventHub(InProcessBus(), max_clients=5, buffer=3)
    slow, other = await hub.join(feed_filter(b"")), await hub.join(feed_filter(b""))
    for _ in range(3):
        hub.fan_out(status(1))
    other.queue.get_nowait()
    hub.fan_out(status(1))
    assert slow.dropped.is_set() and slow.queue.qsize() == 1
    assert slow.queue.get_nowait() is OVERFLOW
    assert hub.clients == 1 and not other.dropped.is_set() and other.queue.qsize() == 3


@run
async def test_the_hub_refuses_clients_beyond_its_limit_and_frees_slots_on_leave():
    hub = EventHub(InProcessBus(), max_clients=1, buffer=3)
    first = await hub.join(feed_filter(b""))
    assert await hub.join(feed_filter(b"")) is None
    hub.leave(first)
    assert await hub.join(feed_filter(b"")) is not None


class FakeVerifier:
    def __init__(self, *, admin: bool = True):
        self.revoked = RevokedSessions()
        self.admin = admin

    async def verify_on_loop(self, token: str) -> Principal:
        return Principal(1, "ann", "ann@example.com", self.admin, "sid-1", int(time.time()) + 60)


class Connection:
    """An ASGI HTTP connection whose sends can be held back (a client that does not read)."""

    def __init__(self):
        self.sent: list[dict] = []
        self.reading = asyncio.Event()
        self.reading.set()
        self.gone = asyncio.Event()

    async def receive(self):
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        await self.reading.wait()
        self.sent.append(message)

    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")


def scope(query: bytes = b"") -> dict:
    return {"type": "http", "method": "GET", "path": "/admin/events", "query_string": query,
            "headers": [(b"authorization", b"Bearer x")]}


async def wait_until(condition, timeout: float = 2.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        await asyncio.sleep(0.01)


@run
async def test_a_reader_that_stalls_gets_a_final_overflow_event_and_the_stream_ends():
    hub = EventHub(InProcessBus(), max_clients=5, buffer=4)
    feed, conn = EventFeed(hub, FakeVerifier(), heartbeat_s=30), Connection()
    task = asyncio.ensure_future(feed(scope(), conn.receive, conn.send, request_id="r1"))
    await wait_until(lambda: hub.clients == 1 and len(conn.sent) == 2)
    conn.reading.clear()  # the client stops reading: sends block from now on
    hub.fan_out(status(1, "PENDING"))
    await asyncio.sleep(0.05)
    for _ in range(10):
        hub.fan_out(status(1, "PROCESSING"))
    assert hub.clients == 0
    conn.reading.set()
    await asyncio.wait_for(task, 2)
    frames = conn.body().decode().split("\n\n")
    assert frames[-2] == ('event: overflow\n'
                          'data: {"message":"Event feed client too slow; disconnected"}')
    assert sum("event: order.status_changed" in f for f in frames) == 1
    assert conn.sent[-1] == {"type": "http.response.body", "body": conn.sent[-1]["body"]}


@run
async def test_events_are_server_sent_with_their_routing_key_and_heartbeats_fill_the_silence():
    hub = EventHub(InProcessBus(), max_clients=5, buffer=10)
    feed, conn = EventFeed(hub, FakeVerifier(), heartbeat_s=0.05), Connection()
    task = asyncio.ensure_future(feed(scope(b"pattern=order.%23"), conn.receive, conn.send,
                                      request_id="r2"))
    await wait_until(lambda: hub.clients == 1)
    env = status(5)
    hub.fan_out(stock("c1"))
    hub.fan_out(env)
    await wait_until(lambda: b": heartbeat" in conn.body() and b"order.status" in conn.body())
    conn.gone.set()
    await asyncio.wait_for(task, 2)
    start = conn.sent[0]
    assert start["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    assert f"id: {env.id}\nevent: order.status_changed\ndata: {env.to_bytes().decode()}\n\n" \
        in conn.body().decode()
    assert b"inventory.stock_changed" not in conn.body() and hub.clients == 0


@run
async def test_the_stream_ends_when_the_admins_session_is_revoked():
    hub, verifier = EventHub(InProcessBus(), max_clients=5, buffer=10), FakeVerifier()
    feed, conn = EventFeed(hub, verifier, heartbeat_s=0.05), Connection()
    task = asyncio.ensure_future(feed(scope(), conn.receive, conn.send, request_id="r3"))
    await wait_until(lambda: hub.clients == 1)
    verifier.revoked.revoke("sid-1", time.time() + 60)
    await asyncio.wait_for(task, 2)
    assert conn.sent[-1] == {"type": "http.response.body", "body": b""} and hub.clients == 0


@run
async def test_a_non_admin_is_refused_with_403_and_never_joins():
    hub = EventHub(InProcessBus(), max_clients=5, buffer=10)
    conn = Connection()
    await EventFeed(hub, FakeVerifier(admin=False))(scope(), conn.receive, conn.send,
                                                    request_id="r4")
    assert conn.sent[0]["status"] == 403
    assert conn.body() == b'{"message":"Admin access required"}' and hub.clients == 0
