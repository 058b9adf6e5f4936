from bookstore_shared.eventfeed import EventFilter, render_line
from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import (
    OrderPlaced,
    OrderStatusChanged,
    StockChanged,
    UserRegistered,
)


def placed(order_id: int, corr: str) -> Envelope:
    return Envelope.wrap(OrderPlaced(order_id=order_id, user_id=1,
                                     items=[{"book_id": 1, "quantity": 1}]),
                         producer="order", correlation_id=corr)


def test_following_an_order_keeps_its_saga_and_drops_other_orders():
    f = EventFilter(order_id=42)
    mine, other = placed(42, "c-42"), placed(7, "c-7")
    stock = Envelope.wrap(StockChanged(book_id=1, stock=3), producer="inventory",
                          correlation_id="c-42")
    other_stock = Envelope.wrap(StockChanged(book_id=1, stock=2), producer="inventory",
                                correlation_id="c-7")
    status = Envelope.wrap(OrderStatusChanged(order_id=42, user_id=1, status="PROCESSING"),
                           producer="order", correlation_id="c-42")
    assert [f.accepts(e) for e in (mine, other, stock, other_stock, status)] == \
        [True, False, True, False, True]


def test_patterns_and_correlation_ids_filter():
    user = Envelope.wrap(UserRegistered(user_id=1, username="a", email="a@x.io"), producer="auth",
                         correlation_id="req-1")
    assert EventFilter(patterns=["user.*"]).accepts(user)
    assert not EventFilter(patterns=["order.#"]).accepts(user)
    assert EventFilter(correlation_id="req-1").accepts(user)
    assert not EventFilter(correlation_id="req-2").accepts(user)


def test_a_line_shows_time_key_correlation_producer_and_payload():
    line = render_line(placed(42, "corr-abc"))
    assert "order.placed" in line and "corr=corr-abc" in line and "order" in line
    assert '"order_id":42' in line


def test_a_line_shows_the_trace_id_of_a_traced_event_and_a_dash_for_an_untraced_one():
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traced = placed(42, "corr-abc").model_copy(
        update={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert f"trace={trace_id} " in render_line(traced)
    assert "trace=- " in render_line(placed(42, "corr-abc"))


def test_a_pattern_takes_events_by_their_type_or_their_routing_key():
    shipped = Envelope.wrap(OrderStatusChanged(order_id=1, user_id=1, status="SHIPPED"),
                            producer="order")
    pending = Envelope.wrap(OrderStatusChanged(order_id=1, user_id=1, status="PENDING"),
                            producer="order")
    by_type, by_key = EventFilter(patterns=["order.*"]), EventFilter(patterns=["*.*.SHIPPED"])
    assert [by_type.accepts(shipped), by_type.accepts(pending)] == [True, True]
    assert [by_key.accepts(shipped), by_key.accepts(pending)] == [True, False]
