"""Idempotency-Key rules: keys are per user; a replay must describe the same order and gets the
same answer, an order or a refusal."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .exceptions import IdempotencyConflict, InvalidIdempotencyKey
from .requests import RequestedItem

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a key's first request came to: the order it placed, or the book it was refused for
    as short of stock (`order_id` None)."""

    fingerprint: str
    order_id: int | None
    refused_book_id: int | None = None


def validate_key(key: str | None) -> str | None:
    """None when absent; the key when 1..200 printable characters; else InvalidIdempotencyKey."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters")
    return key


def fingerprint(items: list[RequestedItem]) -> str:
    """A digest of the normalized request: the same order in any accepted shape is the same."""
    canonical = sorted((item.book_id, item.quantity) for item in items)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def check_replay(stored_fingerprint: str, request_fingerprint: str) -> None:
    """A replay with the same key must carry the same request; otherwise IdempotencyConflict."""
    if stored_fingerprint != request_fingerprint:
        raise IdempotencyConflict("Idempotency-Key reused with a different request")
