"""Refresh rotation, reuse detection and revocation on the fake unit of work: what each changes
and which `auth.session_revoked` events leave."""
import pytest
from auth_service.domain.commands import CreateAdmin, Login, Logout, RefreshTokens, RegisterUser
from auth_service.domain.exceptions import (
    AdminAlreadyExists,
    DuplicateUser,
    InvalidRefreshToken,
    SessionNotActive,
)
from auth_service.service_layer import accounts, sessions
from bookstore_shared.events.contracts import SessionRevoked, UserRegistered
from jose import jwt

PASSWORD = "correct-horse-battery"


def logged_in(uow, ctx, name: str = "alice") -> sessions.TokenPair:
    accounts.register(uow=uow, ctx=ctx, cmd=RegisterUser(
        username=name, email=f"{name}@example.com", password=PASSWORD))
    return sessions.login(uow=uow, ctx=ctx, cmd=Login(identifier=name, password=PASSWORD,
                                                      client_address="203.0.113.7"))


def refresh(uow, ctx, token: str) -> sessions.TokenPair:
    return sessions.refresh(uow=uow, ctx=ctx, cmd=RefreshTokens(refresh_token=token))


def revocations(uow) -> list[SessionRevoked]:
    return [e for e in uow.published_payloads() if isinstance(e, SessionRevoked)]


def test_refresh_rotates_the_refresh_token_and_keeps_the_session(uow, ctx, clock):
    first = logged_in(uow, ctx)
    clock.advance(60)

    second = refresh(uow, ctx, first.refresh_token)

    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    stored = uow.sessions.sessions[first.session_id]
    assert stored.refresh_jti == jwt.get_unverified_claims(second.refresh_token)["jti"]
    assert int(stored.access_expires_at.timestamp()) == second.access_expires_at
    assert refresh(uow, ctx, second.refresh_token).session_id == first.session_id
    assert revocations(uow) == []


def test_a_reused_refresh_token_revokes_the_session_once(uow, ctx):
    first = logged_in(uow, ctx)
    second = refresh(uow, ctx, first.refresh_token)

    with pytest.raises(InvalidRefreshToken):
        refresh(uow, ctx, first.refresh_token)  # the replay: stolen or resent
    with pytest.raises(InvalidRefreshToken):
        refresh(uow, ctx, first.refresh_token)
    with pytest.raises(InvalidRefreshToken):  # the legitimate holder's newer token died too
        refresh(uow, ctx, second.refresh_token)
    with pytest.raises(SessionNotActive):
        sessions.authenticate(uow=uow, ctx=ctx, token=second.access_token)

    user_id = uow.sessions.sessions[first.session_id].user_id
    assert revocations(uow) == [SessionRevoked(
        session_id=first.session_id, user_id=user_id,
        expires_at=uow.sessions.sessions[first.session_id].access_expires_at)]
    assert uow.sessions.sessions[first.session_id].revoked_reason == "refresh_reuse"


def test_an_access_token_is_not_a_refresh_token(uow, ctx):
    pair = logged_in(uow, ctx)
    with pytest.raises(InvalidRefreshToken):
        refresh(uow, ctx, pair.access_token)


def test_logout_revokes_the_session_and_announces_it_until_the_access_token_expires(uow, ctx,
                                                                                      clock):
    pair = logged_in(uow, ctx)
    other = sessions.login(uow=uow, ctx=ctx, cmd=Login(identifier="alice", password=PASSWORD,
                                                       client_address="203.0.113.7"))

    sessions.logout(uow=uow, ctx=ctx, cmd=Logout(session_id=pair.session_id))

    (event,) = revocations(uow)
    assert (event.session_id, int(event.expires_at.timestamp())) == (
        pair.session_id, pair.access_expires_at)
    assert uow.published[-1].producer == "auth" and uow.published[-1].causation_id is None
    with pytest.raises(SessionNotActive):
        sessions.authenticate(uow=uow, ctx=ctx, token=pair.access_token)
    with pytest.raises(SessionNotActive):  # a second logout changes and announces nothing
        sessions.logout(uow=uow, ctx=ctx, cmd=Logout(session_id=pair.session_id))
    assert len(revocations(uow)) == 1
    assert sessions.authenticate(uow=uow, ctx=ctx, token=other.access_token).session_id == \
        other.session_id

    assert [s.session_id for s in sessions.revoked_sessions(uow=uow, ctx=ctx)] == [
        pair.session_id]
    clock.advance(ctx.settings.access_token_ttl_s)
    assert sessions.revoked_sessions(uow=uow, ctx=ctx) == []


def test_registering_announces_the_user_and_refuses_taken_names(uow, ctx):
    user_id = accounts.register(uow=uow, ctx=ctx, cmd=RegisterUser(
        username="Frank", email="Frank@Example.com", password=PASSWORD))
    assert uow.published_payloads() == [UserRegistered(user_id=user_id, username="Frank",
                                                       email="frank@example.com")]
    with pytest.raises(DuplicateUser, match="Username already taken"):
        accounts.register(uow=uow, ctx=ctx, cmd=RegisterUser(
            username="frank", email="other@example.com", password=PASSWORD))
    assert len(uow.published) == 1


def test_the_first_admin_is_claimed_once(uow, ctx):
    admin = CreateAdmin(username="root", email="root@example.com", password=PASSWORD)
    admin_id = accounts.create_admin(uow=uow, ctx=ctx, cmd=admin)
    assert uow.users.bootstrap_admin == admin_id and uow.users.get(admin_id).is_admin
    with pytest.raises(AdminAlreadyExists):
        accounts.create_admin(uow=uow, ctx=ctx, cmd=CreateAdmin(
            username="root2", email="root2@example.com", password=PASSWORD))
    by_admin = CreateAdmin(username="root3", email="root3@example.com", password=PASSWORD,
                           requested_by_admin=True)
    assert accounts.create_admin(uow=uow, ctx=ctx, cmd=by_admin) != admin_id
