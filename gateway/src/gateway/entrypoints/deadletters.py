"""`/admin/dlq`: dead-lettered messages per service, to read, replay or purge over HTTP (admins).

The same operations as `bookstore dlq`, on whichever bus the gateway runs on: RabbitMQ with
services, the in-process bus standalone (where the CLI cannot reach the messages).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from bookstore_shared.bus import Bus, DeadLetter
from bookstore_shared.errors import ApiError
from bookstore_shared.security import AdminUser
from fastapi import APIRouter, Body, Path, Query
from pika.exceptions import AMQPError
from pydantic import BaseModel, Field

ServiceName = Annotated[str, Path(max_length=40)]


class DeadLetterCount(BaseModel):
    service: str
    count: int


class DeadLetterRead(BaseModel):
    id: str | None
    routing_key: str
    envelope: dict[str, Any] | None
    error: str
    attempts: int
    dead_lettered_at: datetime | None
    body: str | None = Field(None, description="the raw body, when it is not an envelope")

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterRead:
        env = letter.envelope
        return cls(id=letter.id, routing_key=letter.routing_key,
                   envelope=env.model_dump(mode="json") if env is not None else None,
                   error=letter.reason, attempts=letter.attempts,
                   dead_lettered_at=letter.dead_lettered_at,
                   body=None if env is not None else letter.body[:4096].decode("utf-8", "replace"))


class ReplayRequest(BaseModel):
    ids: list[Annotated[str, Field(min_length=1, max_length=128)]] | None = Field(
        None, max_length=1000, description="replay only these letters (default: all)")


@contextmanager
def _broker() -> Iterator[None]:
    try:
        yield
    except (AMQPError, OSError):
        raise ApiError(503, "Service unavailable", error="the broker is not reachable") from None


def dead_letters_router(bus: Bus, service_names: tuple[str, ...]) -> APIRouter:
    """The admin dead-letter endpoints over `bus` for these services (sync routes: pika blocks)."""
    router = APIRouter(prefix="/admin/dlq", tags=["operations"])

    def _known(service: str) -> str:
        if service not in service_names:
            raise ApiError(404, "Unknown service", error=f"one of: {', '.join(service_names)}")
        return service

    @router.get("", response_model=list[DeadLetterCount])
    def counts(_admin: AdminUser) -> list[DeadLetterCount]:
        """How many messages each service has parked."""
        with _broker():
            found = bus.dead_letter_counts(service_names)
        return [DeadLetterCount(service=name, count=count) for name, count in found.items()]

    @router.get("/{service}", response_model=list[DeadLetterRead])
    def letters(_admin: AdminUser, service: ServiceName,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[DeadLetterRead]:
        """A service's parked messages, oldest first, with their error and attempts."""
        with _broker():
            return [DeadLetterRead.of(x) for x in bus.dead_letters(_known(service), limit=limit)]

    @router.post("/{service}/replay")
    def replay(_admin: AdminUser, service: ServiceName,
               request: Annotated[ReplayRequest | None, Body()] = None) -> dict[str, int]:
        """Put parked messages back on the service's queue (the consumer's inbox makes a
        message that already took effect a no-op)."""
        ids = request.ids if request is not None else None
        with _broker():
            return {"replayed": bus.replay_dead_letters(_known(service),
                                                        set(ids) if ids is not None else None)}

    @router.post("/{service}/purge")
    def purge(_admin: AdminUser, service: ServiceName) -> dict[str, int]:
        """Drop a service's parked messages."""
        with _broker():
            return {"purged": bus.purge_dead_letters(_known(service))}

    return router
