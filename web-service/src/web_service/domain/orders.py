"""What an order page shows, from the order's status alone (pure)."""
from __future__ import annotations

from dataclasses import dataclass

STEPS: tuple[str, ...] = ("PENDING", "PROCESSING", "SHIPPED", "DELIVERED")
CANCELLABLE = frozenset({"PENDING", "PROCESSING"})
# Confirmed (stock reserved) and not cancelled: the buyer may download the book.
PURCHASED = frozenset({"PROCESSING", "SHIPPED", "DELIVERED"})
FINAL = frozenset({"DELIVERED", "CANCELLED"})
STATUSES: tuple[str, ...] = (*STEPS, "CANCELLED")

CANCEL_REASONS = {
    "insufficient_stock": "there was not enough stock",
    "cancelled_by_user": "you cancelled it",
}


@dataclass(frozen=True)
class Step:
    name: str
    state: str  # "done", "current" or "todo"


def stepper(status: str) -> list[Step]:
    """The four steps with the current one marked; a cancelled order has no current step."""
    if status not in STEPS:
        return [Step(name, "todo") for name in STEPS]
    reached = STEPS.index(status)
    return [Step(name, "done" if i < reached else "current" if i == reached else "todo")
            for i, name in enumerate(STEPS)]


def cancel_reason_text(reason: str | None) -> str:
    """A cancel reason in words (unknown codes shown as they are)."""
    if not reason:
        return "no reason was given"
    return CANCEL_REASONS.get(reason, reason.replace("_", " "))
