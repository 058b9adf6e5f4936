"""HTTP routes: `POST /notify` (admin broadcast) and the admin view of outgoing emails."""
from __future__ import annotations

from typing import Annotated, Any

from bookstore_shared.errors import ApiError
from bookstore_shared.events.contracts import NotificationBroadcast
from bookstore_shared.kit.container import UowDep
from bookstore_shared.limits import json_body
from bookstore_shared.security import AdminUser
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError

from ..domain.messages import normalise_broadcast

router = APIRouter()


class NotificationCreate(BaseModel):
    message: Any = None


class EmailRead(BaseModel):
    id: int
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None


# Read by a dependency after the admin check: an anonymous body is refused before it is read.
_NOTIFY_BODY = {"requestBody": {"content": {"application/json": {"schema": {
    "anyOf": [NotificationCreate.model_json_schema(), {"type": "null"}], "title": "Payload"}}}}}


@router.post("/notify", openapi_extra=_NOTIFY_BODY)
def notify(request: Request, user: AdminUser, body: Annotated[Any, Depends(json_body)],
           uow: UowDep) -> dict:
    """Broadcast a message to every connected client on every replica (admin only)."""
    settings = request.app.state.container.settings
    try:
        payload = NotificationCreate.model_validate(body) if body is not None else None
    except ValidationError:
        raise ApiError(400, "Invalid request", error="send a JSON object with a message") from None
    try:
        message = normalise_broadcast(payload.message if payload else None,
                                      max_chars=settings.broadcast_max_chars)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    uow.emit(NotificationBroadcast(message=message))  # every replica's fan-out queue gets it
    uow.commit()
    return {"message": "Notification sent"}


@router.get("/notify/emails")
def list_emails(user: AdminUser, uow: UowDep, status: str | None = None,
                limit: int = 100) -> list[EmailRead]:
    """Outgoing emails, newest first; `?status=dead` lists the dead-lettered ones (admin only)."""
    rows = uow.emails.newest(status=status, limit=min(max(limit, 1), 500))
    return [EmailRead(id=r.id, kind=r.kind, recipient=r.recipient, subject=r.subject,
                      status=r.status, attempts=r.attempts, last_error=r.last_error)
            for r in rows]


@router.post("/notify/emails/replay")
def replay_dead_emails(request: Request, user: AdminUser, uow: UowDep) -> dict:
    """Send every dead-lettered email again with a fresh set of attempts (admin only)."""
    count = uow.emails.replay_dead()
    uow.commit()
    request.app.state.container.mail_sender.wake()
    return {"message": "Dead-lettered emails requeued", "count": count}
