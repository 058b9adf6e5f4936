"""What a WebSocket client receives, and who receives it (pure; no I/O)."""
from __future__ import annotations

from dataclasses import dataclass

import orjson

# Close codes (RFC 6455): policy violation for bad/revoked tokens, "try again later" when slow.
CLOSE_POLICY_VIOLATION = 1008
CLOSE_SERVICE_RESTART = 1012  # reconnect: updates may have been missed
CLOSE_TRY_AGAIN_LATER = 1013


@dataclass(frozen=True)
class Delivery:
    """One message for the sockets of `user_id`, or for every socket when `user_id` is None."""

    text: str
    user_id: int | None = None

    @property
    def is_broadcast(self) -> bool:
        return self.user_id is None

    def is_for(self, user_id: int) -> bool:
        """True when a connection of `user_id` may receive this message."""
        return self.user_id is None or self.user_id == user_id


def order_status(*, order_id: int, user_id: int, status: str) -> Delivery:
    """`{"type": "order_status", "order_id", "status"}` for the order's owner only."""
    body = {"type": "order_status", "order_id": order_id, "status": status}
    return Delivery(orjson.dumps(body).decode(), user_id=user_id)


def global_message(message: str) -> Delivery:
    """`{"type": "global", "message"}` for everyone connected."""
    return Delivery(orjson.dumps({"type": "global", "message": message}).decode())


def normalise_broadcast(message: object, *, max_chars: int) -> str:
    """The broadcast text to publish; raises ValueError with the client-facing reason."""
    if not isinstance(message, str) or not message.strip():
        raise ValueError("Message is required")
    if len(message) > max_chars:
        raise ValueError(f"Message is too long (at most {max_chars} characters)")
    return message
