"""The envelope every integration event travels in (ARCHITECTURE.md, "Events")."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from ..context import correlation_id_var


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(UTC)


class Envelope(BaseModel):
    """`id`, `type`, `version`, `occurred_at`, `producer`, `correlation_id`, `causation_id`, `data`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=utcnow)
    producer: str
    correlation_id: str
    causation_id: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(cls, payload: BaseModel, *, producer: str, causation: Envelope | None = None,
             correlation_id: str | None = None) -> Envelope:
        """Wrap a typed payload; the correlation id follows the causing event or the request."""
        from .contracts import event_type_of

        event_type, version = event_type_of(payload)
        corr = (correlation_id or (causation.correlation_id if causation else None)
                or correlation_id_var.get() or str(uuid.uuid4()))
        return cls(type=event_type, version=version, producer=producer, correlation_id=corr,
                   causation_id=causation.id if causation else None,
                   data=payload.model_dump(mode="json"))

    def payload(self) -> BaseModel:
        """The typed, validated payload (unknown fields ignored)."""
        from .contracts import payload_model

        return payload_model(self.type, self.version).model_validate(self.data)

    def to_bytes(self) -> bytes:
        """Compact JSON."""
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        """Parse and validate an envelope; raises ValueError on anything malformed."""
        return cls.model_validate(orjson.loads(body))
