"""Issue 17: one order placed through the gateway is one trace, from the gateway through order,
inventory, shipping and notification to the email, as an OTLP collector receives it.

The system is the e2e mail system (its traces go to a receiver in the test). The client starts
the trace itself, with a W3C `traceparent` of its own on `POST /orders`: the gateway continues
it, so the order's spans are told apart from those of every other test on that system."""
from __future__ import annotations

import secrets

from bookstore_testing import wait_for

from .otlp_receiver import ReceivedSpan
from .test_orders import add_book, status_of

SAGA_SERVICES = {"gateway", "order", "inventory", "shipping", "notification"}
# (service, span) that must be in the order's trace: each step of the saga, the email, and the
# shipping scheduler's later update (scheduled work, continuing the trace it was created in)
STEPS = {("gateway", "POST order"), ("order", "POST /orders"),
         ("inventory", "process order.placed"), ("order", "process inventory.reserved"),
         ("shipping", "process order.confirmed"), ("notification", "send purchase email"),
         ("shipping", "advance shipment to DELIVERED"), ("order", "process shipment.updated")}


def client_trace() -> tuple[str, str, dict[str, str]]:
    """A trace of the client's own: (trace id, the client's span id, the header carrying it)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, {"traceparent": f"00-{trace_id}-{span_id}-01"}


def one_tree(spans: list[ReceivedSpan], trace_id: str, root_parent: str) -> list[ReceivedSpan]:
    """The spans of the trace, if every one's parent is in it (or is the client's span)."""
    mine = [s for s in spans if s.trace_id == trace_id]
    ids = {s.span_id for s in mine} | {root_parent}
    return mine if all(s.parent_span_id in ids for s in mine) else []


def test_an_order_placed_through_the_gateway_is_one_trace_across_the_saga(mail_system):
    system, receiver = mail_system, mail_system.traces
    upload_trace, upload_parent, upload_header = client_trace()
    book_id = add_book(system, {**system.admin["headers"], **upload_header}, stock=3)
    buyer = system.user()["headers"]
    trace_id, parent, header = client_trace()
    r = system.client.post("/orders", json={"book_id": book_id, "quantity": 1},
                           headers={**buyer, **header})
    assert r.status_code == 201, r.text
    order_id = r.json()["order_id"]
    wait_for(lambda: status_of(system, buyer, order_id) == "DELIVERED", timeout=30,
             what="the order delivered")

    def whole_trace() -> list[ReceivedSpan] | None:
        mine = one_tree(receiver.received(), trace_id, parent)
        return mine if {(s.service, s.name) for s in mine} >= STEPS else None

    spans = wait_for(whole_trace, timeout=30,
                     what=f"one tree of spans in the order's trace with {sorted(STEPS)}")
    assert {s.service for s in spans} >= SAGA_SERVICES
    assert [s.name for s in spans if s.parent_span_id == parent] == ["POST order"]
    # the book's summary, a job queued by ai's consumer, runs in the trace of POST /books
    wait_for(lambda: any(s.service == "ai" and s.name == "summarize book"
                         for s in one_tree(receiver.received(), upload_trace, upload_parent)),
             timeout=30, what="ai's summary job in the trace of the book's upload")
