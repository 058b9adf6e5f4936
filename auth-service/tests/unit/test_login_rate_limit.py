"""Login rate limits on the fake unit of work: per account before the password is checked, per
client address for wrong passwords only, windows that slide with the clock."""
import pytest
from auth_service.domain.commands import Login, RegisterUser
from auth_service.domain.exceptions import InvalidCredentials, TooManyAttempts
from auth_service.service_layer import accounts, sessions

PASSWORD = "correct-horse-battery"
LIMITED = {"login_max_failures_per_account": 3, "login_max_failures_per_ip": 5}


def register(uow, ctx, name: str) -> int:
    return accounts.register(uow=uow, ctx=ctx, cmd=RegisterUser(
        username=name, email=f"{name}@example.com", password=PASSWORD))


def attempt(uow, ctx, identifier: str, password: str, ip: str = "203.0.113.7"):
    return sessions.login(uow=uow, ctx=ctx, cmd=Login(identifier=identifier, password=password,
                                                      client_address=ip))


def test_an_account_is_locked_after_its_limit_even_for_the_right_password(uow, make_ctx):
    ctx = make_ctx(**LIMITED)
    user_id = register(uow, ctx, "alice")
    for i, ident in enumerate(["alice", "alice@example.com", "ALICE"]):
        with pytest.raises(InvalidCredentials):
            attempt(uow, ctx, ident, "wrong-password", ip=f"198.51.100.{i}")

    with pytest.raises(TooManyAttempts) as refused:
        attempt(uow, ctx, "alice@example.com", PASSWORD)

    assert refused.value.retry_after == 900
    # The refused attempt was never checked, so it is no guess: the count stays at the limit.
    assert uow.login_failures.count(f"user:{user_id}") == 3
    assert uow.sessions.sessions == {}


def test_the_lock_lifts_as_the_oldest_failure_leaves_the_window(uow, make_ctx, clock):
    ctx = make_ctx(**LIMITED, login_account_window_s=30)
    register(uow, ctx, "bob")
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            attempt(uow, ctx, "bob", "wrong-password")
        clock.advance(5)

    with pytest.raises(TooManyAttempts) as refused:
        attempt(uow, ctx, "bob", PASSWORD)
    assert refused.value.retry_after == 15  # the first failure, 15 s ago, leaves at 30 s

    clock.advance(15)
    assert attempt(uow, ctx, "bob", PASSWORD).session_id in uow.sessions.sessions


def test_unknown_accounts_are_limited_like_known_ones(uow, make_ctx):
    ctx = make_ctx(**LIMITED)
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        with pytest.raises(InvalidCredentials):
            attempt(uow, ctx, "ghost-user", "whatever", ip=ip)
    with pytest.raises(TooManyAttempts):
        attempt(uow, ctx, " Ghost-User ", "whatever", ip="192.0.2.4")


def test_the_address_limit_refuses_wrong_passwords_only(uow, make_ctx):
    ctx = make_ctx(**LIMITED)
    register(uow, ctx, "carol")
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            attempt(uow, ctx, f"victim{i}", "guess", ip="203.0.113.99")

    with pytest.raises(TooManyAttempts) as refused:
        attempt(uow, ctx, "victim-next", "guess", ip="203.0.113.99")
    assert 1 <= refused.value.retry_after <= 60
    # Someone behind the same address who knows their password still gets in.
    assert attempt(uow, ctx, "carol", PASSWORD, ip="203.0.113.99").access_token
    with pytest.raises(InvalidCredentials):  # another address is not affected
        attempt(uow, ctx, "victim-next", "guess", ip="203.0.113.100")


def test_a_successful_login_clears_the_account_failures_and_opens_a_session(uow, make_ctx):
    ctx = make_ctx(**LIMITED)
    user_id = register(uow, ctx, "dave")
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            attempt(uow, ctx, "dave", "wrong-password")

    pair = attempt(uow, ctx, "dave@example.com", PASSWORD)

    assert uow.login_failures.rows == {}
    opened = uow.sessions.sessions[pair.session_id]
    assert opened.user_id == user_id and opened.revoked_at is None
    assert ctx.verifier.verify(pair.access_token).session_id == pair.session_id


def test_every_step_of_a_login_ends_its_transaction(uow, ctx):
    register(uow, ctx, "erin")
    before = uow.rollbacks
    attempt(uow, ctx, "erin", PASSWORD)
    # find the account, commit the attempt, read the limits, open the session: four steps, each
    # closed (a rollback after commit is a no-op), so argon2 never runs inside a transaction.
    assert uow.rollbacks - before == 4
    assert uow.published_payloads()[1:] == []  # only registration emitted an event
