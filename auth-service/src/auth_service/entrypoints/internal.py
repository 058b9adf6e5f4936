"""Routes other services call directly (never through the gateway; not in the OpenAPI)."""
from __future__ import annotations

from bookstore_shared.kit.container import UowDep
from fastapi import APIRouter

from ..service_layer import sessions
from .deps import Ctx
from .schemas import RevokedSessionRead, RevokedSessionsRead

router = APIRouter(prefix="/internal")


@router.get("/revoked-sessions", response_model=RevokedSessionsRead)
def revoked_sessions(uow: UowDep, ctx: Ctx) -> RevokedSessionsRead:
    """Revoked sessions whose access tokens are still unexpired (seeds the gateway's denylist)."""
    return RevokedSessionsRead(sessions=[
        RevokedSessionRead(session_id=s.session_id, user_id=s.user_id, expires_at=s.expires_at)
        for s in sessions.revoked_sessions(uow=uow, ctx=ctx)])
