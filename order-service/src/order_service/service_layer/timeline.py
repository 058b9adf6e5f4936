"""An order's timeline from the events a unit of work commits: every order event it emits, each
preceded by the event it handled that caused it (an inventory or shipping event that moved the
order). Events that moved no order (late, duplicate, ignored) caused nothing and are not kept."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bookstore_shared.events import Envelope
from bookstore_shared.events.contracts import order_status_said

from ..domain.timeline import OrderEvent

MAX_DETAIL = 200


def _status_after(env: Envelope) -> str:
    return order_status_said(env.type, env.data) or ""


def _title(line: dict) -> str:
    return line.get("title") or f"book {line['book_id']}"


def _detail(env: Envelope) -> str | None:
    data = env.data
    if env.type == "order.placed":
        text = ", ".join(f"{line['quantity']} × {_title(line)}" for line in data.get("items", []))
    elif env.type in ("order.status_changed", "order.cancelled"):
        text = f"was {data['previous_status']}" if data.get("previous_status") else ""
        if data.get("reason"):
            text += f" ({data['reason']})" if text else data["reason"]
    elif env.type == "shipment.updated":
        text = f"shipment {data.get('shipment_id')} {data.get('status')}"
    else:
        text = data.get("reason")
    return text[:MAX_DETAIL] if text else None


def _entry(env: Envelope, order_id: int, status: str) -> OrderEvent:
    return OrderEvent(order_id=order_id, event_id=env.id, type=env.type, producer=env.producer,
                      occurred_at=env.occurred_at, status=status, detail=_detail(env))


def timeline_entries(emitted: Sequence[Envelope],
                     causes: Mapping[str, Envelope]) -> list[OrderEvent]:
    """Timeline entries, in order, for the order events in `emitted`; `causes` are the handled
    events they may name as causation (their status: the order's after the last event they caused)."""
    entries: list[OrderEvent] = []
    cause_at: dict[str, int] = {}
    for env in emitted:
        order_id = env.data.get("order_id")
        if not env.type.startswith("order.") or not isinstance(order_id, int):
            continue
        status = _status_after(env)
        cause = causes.get(env.causation_id) if env.causation_id else None
        if cause is not None and cause.data.get("order_id") == order_id:
            if cause.id in cause_at:
                at = cause_at[cause.id]
                entries[at] = replace(entries[at], status=status)
            else:
                cause_at[cause.id] = len(entries)
                entries.append(_entry(cause, order_id, status))
        entries.append(_entry(env, order_id, status))
    return entries
