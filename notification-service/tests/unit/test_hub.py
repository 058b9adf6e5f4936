"""Fan-out rules of the hub: who receives what, and what happens to a client that falls behind."""
from __future__ import annotations

import asyncio

import orjson
from notification_service.domain import messages
from notification_service.service_layer.hub import Connection, Hub


def _drain(conn: Connection) -> list[dict]:
    out = []
    while not conn.queue.empty():
        out.append(orjson.loads(conn.queue.get_nowait()))
    return out


def run(coro):
    return asyncio.run(coro)


def test_an_order_event_reaches_only_the_owners_connections():
    async def scenario():
        hub = Hub()
        a1, a2 = Connection(user_id=1, session_id="s1"), Connection(user_id=1, session_id="s2")
        b = Connection(user_id=2, session_id="s3")
        for c in (a1, a2, b):
            hub.register(c)
        taken = hub.dispatch(messages.order_status(order_id=7, user_id=1, status="SHIPPED"))
        return taken, _drain(a1), _drain(a2), _drain(b)

    taken, a1, a2, b = run(scenario())
    assert taken == 2
    assert a1 == a2 == [{"type": "order_status", "order_id": 7, "status": "SHIPPED"}]
    assert b == []


def test_a_broadcast_reaches_every_connection():
    async def scenario():
        hub = Hub()
        conns = [Connection(user_id=i, session_id=f"s{i}") for i in range(5)]
        for c in conns:
            hub.register(c)
        hub.dispatch(messages.global_message("Sale today"))
        return [_drain(c) for c in conns]

    assert run(scenario()) == [[{"type": "global", "message": "Sale today"}]] * 5


def test_a_client_whose_queue_is_full_is_closed_with_1013_and_the_others_keep_receiving():
    overflows = []

    async def scenario():
        hub = Hub(on_overflow=lambda: overflows.append(1))
        slow, fast = Connection(user_id=1, session_id="a", max_queue=3), \
            Connection(user_id=2, session_id="b", max_queue=3)
        hub.register(slow)
        hub.register(fast)
        for i in range(5):
            hub.dispatch(messages.global_message(f"m{i}"))
            _drain(fast)  # the fast client keeps up
        return slow, fast

    slow, fast = run(scenario())
    assert slow.close_code == messages.CLOSE_TRY_AGAIN_LATER
    assert slow.closing.is_set() and slow.queue.empty()
    assert fast.close_code is None
    assert overflows == [1]  # counted once, not once per later message


def test_a_connection_that_unregisters_receives_nothing_more():
    async def scenario():
        hub = Hub()
        c = Connection(user_id=1, session_id="s")
        hub.register(c)
        hub.unregister(c)
        hub.dispatch(messages.global_message("hello"))
        return hub.connection_count, _drain(c)

    assert run(scenario()) == (0, [])


def test_revoking_a_session_closes_only_that_sessions_sockets_with_1008():
    async def scenario():
        hub = Hub()
        revoked, other = Connection(user_id=1, session_id="x"), Connection(user_id=1, session_id="y")
        hub.register(revoked)
        hub.register(other)
        closed = hub.close_session("x")
        return closed, revoked, other

    closed, revoked, other = run(scenario())
    assert closed == 1
    assert revoked.close_code == messages.CLOSE_POLICY_VIOLATION
    assert other.close_code is None and not other.closing.is_set()


def test_deliveries_from_another_thread_arrive_on_the_loop():
    async def scenario():
        hub = Hub()
        hub.attach(asyncio.get_running_loop())
        c = Connection(user_id=3, session_id="s")
        hub.register(c)
        await asyncio.to_thread(hub.dispatch_threadsafe,
                                messages.order_status(order_id=1, user_id=3, status="PENDING"))
        return orjson.loads(await asyncio.wait_for(c.queue.get(), 2))

    assert run(scenario()) == {"type": "order_status", "order_id": 1, "status": "PENDING"}


def test_an_update_for_a_user_without_a_socket_here_does_not_wake_the_loop():
    class CountingLoop:
        calls = 0

        def is_closed(self) -> bool:
            return False

        def call_soon_threadsafe(self, fn, arg) -> None:
            self.calls += 1

    hub, loop = Hub(), CountingLoop()
    hub.attach(loop)
    hub.register(Connection(user_id=3, session_id="s"))
    hub.dispatch_threadsafe(messages.order_status(order_id=1, user_id=4, status="PENDING"))
    assert loop.calls == 0
    hub.dispatch_threadsafe(messages.order_status(order_id=2, user_id=3, status="PENDING"))
    hub.dispatch_threadsafe(messages.global_message("Sale"))  # everyone's
    assert loop.calls == 2


def test_sockets_open_across_a_gap_in_the_fan_out_queue_are_closed_with_1012_to_refetch():
    async def scenario():
        hub = Hub()
        hub.attach(asyncio.get_running_loop())
        first, second = Connection(user_id=1, session_id="a"), Connection(user_id=2, session_id="b")
        hub.register(first)
        await asyncio.to_thread(hub.fan_out_connected, True)  # the first start: no gap
        await asyncio.sleep(0.05)
        before = first.closing.is_set()
        await asyncio.to_thread(hub.fan_out_connected, False)  # broker connection lost
        hub.register(second)  # a socket opened while the queue did not exist
        await asyncio.to_thread(hub.fan_out_connected, True)
        await asyncio.wait_for(asyncio.gather(first.closing.wait(), second.closing.wait()), 2)
        third = Connection(user_id=3, session_id="c")
        hub.register(third)  # opened after the queue is back: nothing missed
        await asyncio.to_thread(hub.fan_out_connected, True)
        await asyncio.sleep(0.05)
        return before, first, second, third

    before, first, second, third = run(scenario())
    assert before is False
    assert (first.close_code, second.close_code) == (messages.CLOSE_SERVICE_RESTART,) * 2
    assert third.close_code is None and not third.closing.is_set()
