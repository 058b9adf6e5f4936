"""Racing a user's cancel against the reservation leaves every order in a consistent state."""
import threading

import pytest
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import InventoryReserved, OrderLine
from bookstore_shared.kit import BatchedConsumer
from order_service.adapters.orm import INBOX
from order_service.service_layer.ordering import Caller, cancel_order


@pytest.fixture(params=["mysql", "sqlite"])
def either_harness(request):
    """On MySQL (row locks) and on SQLite as standalone runs (no row locks: conflicts)."""
    return request.getfixturevalue("harness" if request.param == "mysql" else "standalone_harness")


def test_concurrent_cancel_and_reservation_never_interleave_wrongly(either_harness):
    harness = either_harness
    container = harness.app.state.container
    reserve = BatchedConsumer(consumer="order", dispatcher=container.dispatcher,
                              uow=container.uow, inbox=INBOX, batch_size=1)
    orders = []
    for _ in range(12):
        book = harness.new_book()
        orders.append((harness.place(50, {"book_id": book, "quantity": 1}), book))

    def race(order_id, book):
        barrier = threading.Barrier(2)
        env = Envelope.wrap(InventoryReserved(order_id=order_id, items=[
            OrderLine(book_id=book, quantity=1)]), producer="test")

        def do_cancel():
            barrier.wait()
            with container.uow() as uow:
                cancel_order(uow, order_id=order_id, caller=Caller(50))

        def do_reserve():
            barrier.wait()
            reserve(env)

        threads = [threading.Thread(target=do_cancel), threading.Thread(target=do_reserve)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    for order_id, book in orders:
        race(order_id, book)
    for order_id, _ in orders:
        assert harness.order(order_id)["status"] == "CANCELLED"
        kinds = [t for t, _ in harness.outbox(order_id)]
        assert kinds.count("order.cancelled") == 1
        assert harness.statuses(order_id) in (["PENDING", "CANCELLED"],
                                              ["PENDING", "PROCESSING", "CANCELLED"])
        # confirmed only when the reservation won the lock, and then before the cancellation
        assert kinds.count("order.confirmed") == (len(harness.statuses(order_id)) == 3)
