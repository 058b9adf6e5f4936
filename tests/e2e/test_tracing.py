"""Issue 17: one order placed through the gateway is one trace, from the gateway through order,
inventory, shipping and notification to the email, as an OTLP collector receives it."""
from __future__ import annotations

import pytest
from bookstore_testing import wait_for

from ..conftest import MODES, first_admin, own_system, register_and_login
from .otlp_receiver import OtlpReceiver, ReceivedSpan
from .test_orders import add_book, status_of

SAGA_SERVICES = {"gateway", "order", "inventory", "shipping", "notification"}
# (service, span) that must be in the order's trace: each step of the saga, the email, and the
# shipping scheduler's later update (scheduled work, continuing the trace it was created in)
STEPS = {("gateway", "POST order"), ("order", "POST /orders"),
         ("inventory", "process order.placed"), ("order", "process inventory.reserved"),
         ("shipping", "process order.confirmed"), ("notification", "send purchase email"),
         ("shipping", "advance shipment to DELIVERED"), ("order", "process shipment.updated")}


def trace_of_the_order(spans: list[ReceivedSpan]) -> str | None:
    """The trace id of the gateway's span for POST /orders."""
    return next((s.trace_id for s in spans
                 if s.service == "gateway" and s.name == "POST order" and not s.parent_span_id),
                None)


@pytest.mark.parametrize("mode", MODES)
def test_an_order_placed_through_the_gateway_is_one_trace_across_the_saga(
        mode, infra, new_instance, tmp_path_factory):
    with OtlpReceiver() as receiver, own_system(
            infra, new_instance, tmp_path_factory, "tracing", mode=mode,
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="100",
            OTEL_TRACES_SAMPLER="parentbased_always_on") as system:
        admin = first_admin(system)
        book_id = add_book(system, admin, stock=3)
        buyer = register_and_login(system.url)
        r = system.client.post("/orders", json={"book_id": book_id, "quantity": 1},
                               headers=buyer)
        assert r.status_code == 201, r.text
        order_id = r.json()["order_id"]
        wait_for(lambda: status_of(system, buyer, order_id) == "DELIVERED", timeout=30,
                 what="the order delivered")

        def whole_trace() -> list[ReceivedSpan] | None:
            spans = receiver.received()
            trace_id = trace_of_the_order(spans)
            mine = [s for s in spans if s.trace_id == trace_id]
            ids = {s.span_id for s in mine}
            # one tree: every span but the gateway's first has its parent in the trace
            whole = all(s.parent_span_id in ids for s in mine if s.parent_span_id)
            names = {(s.service, s.name) for s in mine}
            return mine if names >= STEPS and whole else None

        spans = wait_for(whole_trace, timeout=30,
                         what=f"one tree of spans in the order's trace with {sorted(STEPS)}")
        # the book's summary, a job queued by ai's consumer, runs in the trace of POST /books
        wait_for(lambda: summarized_in_the_trace_of_the_upload(receiver.received()), timeout=30,
                 what="ai's summary job in the trace of the book's upload")
    assert {s.service for s in spans} >= SAGA_SERVICES


def summarized_in_the_trace_of_the_upload(spans: list[ReceivedSpan]) -> bool:
    uploads = {s.trace_id for s in spans
               if s.service == "gateway" and s.name == "POST catalog" and not s.parent_span_id}
    return any(s.service == "ai" and s.name == "summarize book" and s.trace_id in uploads
               for s in spans)
