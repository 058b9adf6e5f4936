"""Register, login, /users/me: the contract's exact bodies, at `/` and under `/api`."""
import orjson
import pytest
from argon2 import PasswordHasher

pytestmark = pytest.mark.integration
PREFIXES = ["", "/api"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_registering_answers_201_with_the_new_user_id(client, h, prefix):
    name = h.unique_name()
    r = client.post(f"{prefix}/register", json={"username": name, "email": f"{name}@example.com",
                                                "password": h.PASSWORD})
    assert r.status_code == 201
    body = r.json()
    assert body == {"message": "User registered successfully", "user_id": body["user_id"]}
    assert isinstance(body["user_id"], int) and body["user_id"] > 0
    (row,) = h.sql(client, "SELECT username, email, password_hash, is_admin FROM user WHERE id=:i",
                   i=body["user_id"])
    assert row[:2] == (name, f"{name}@example.com") and row[3] == 0
    assert row[2].startswith("$argon2id$") and h.PASSWORD not in row[2]


def test_registering_writes_user_registered_to_the_outbox(client, h):
    user = h.register(client)
    rows = h.sql(client, "SELECT body FROM outbox WHERE event_type='user.registered'")
    events = [orjson.loads(r[0]) for r in rows]
    (event,) = [e for e in events if e["data"]["user_id"] == user["user_id"]]
    assert event["data"] == {"user_id": user["user_id"], "username": user["username"],
                             "email": user["email"]}
    assert event["producer"] == "auth" and event["version"] == 1


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_duplicate_username_or_email_is_a_400_with_a_readable_reason(client, h, prefix):
    user = h.register(client)
    r = client.post(f"{prefix}/register", json={"username": user["username"],
                                                "email": "other@example.com",
                                                "password": h.PASSWORD})
    assert (r.status_code, r.json()) == (400, {"message": "Error registering user",
                                               "error": "Username already taken"})
    r = client.post(f"{prefix}/register", json={"username": h.unique_name(),
                                                "email": user["email"].upper(),
                                                "password": h.PASSWORD})
    assert (r.status_code, r.json()) == (400, {"message": "Error registering user",
                                               "error": "Email already registered"})


@pytest.mark.parametrize("body,reason", [
    ({"username": "ab", "email": "a@example.com", "password": "password1"},
     "Username must be 3 to 50 characters long"),
    ({"username": "abc def", "email": "a@example.com", "password": "password1"},
     "Username may only contain letters, digits, '.', '_' and '-'"),
    ({"username": "abcdef", "email": "not-an-email", "password": "password1"},
     "Invalid email address"),
    ({"username": "abcdef", "email": "a@example.com", "password": "short"},
     "Password must be at least 8 characters long"),
    ({"username": "abcdef", "email": "a@example.com", "password": "p" * 257},
     "Password must be at most 256 characters long"),
    ({"username": "abcdef", "email": "a@example.com"}, "password: Field required"),
    ({"username": 12345, "email": "a@example.com", "password": "password1"},
     "username: Input should be a valid string"),
])
def test_invalid_registrations_are_400_with_the_reason(client, body, reason):
    r = client.post("/register", json=body)
    assert (r.status_code, r.json()) == (400, {"message": "Error registering user",
                                               "error": reason})


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("by", ["email", "username"])
def test_login_with_email_or_username_returns_tokens_and_an_httponly_cookie(client, h, prefix,
                                                                             by):
    user = h.register(client)
    r = client.post(f"{prefix}/login", json={by: user[by], "password": h.PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"message", "access_token", "token_type", "refresh_token"}
    assert body["message"] == "Logged in successfully" and body["token_type"] == "bearer"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"access_token={body['access_token']};")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    client.cookies.clear()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_wrong_password_and_unknown_accounts_get_the_same_401(client, h, prefix):
    user = h.register(client)
    wrong = client.post(f"{prefix}/login", json={"email": user["email"], "password": "nope-nope"})
    unknown = client.post(f"{prefix}/login", json={"username": "nobody-here",
                                                   "password": h.PASSWORD})
    for r in (wrong, unknown):
        assert (r.status_code, r.json()) == (401, {"message": "Invalid username or password"})
        assert "set-cookie" not in r.headers


@pytest.mark.parametrize("prefix", PREFIXES)
def test_users_me_returns_the_profile_with_a_bearer_token(client, h, prefix):
    user = h.register(client)
    tokens = h.login(client, user)
    r = client.get(f"{prefix}/users/me", headers=h.bearer(tokens["access_token"]))
    assert r.status_code == 200
    body = r.json()
    assert body == {"id": user["user_id"], "username": user["username"], "email": user["email"],
                    "is_admin": False, "created_at": body["created_at"]}
    assert body["created_at"].startswith("20")


def test_users_me_works_with_the_login_cookie_alone(client, h):
    user = h.register(client)
    r = client.post("/login", json={"username": user["username"], "password": h.PASSWORD})
    assert r.status_code == 200
    me = client.get("/users/me")
    client.cookies.clear()
    assert me.status_code == 200 and me.json()["username"] == user["username"]


def test_users_me_without_a_token_is_401(client):
    r = client.get("/users/me")
    assert (r.status_code, r.json()) == (401, {"message": "Authentication required"})


def test_a_hash_made_with_old_parameters_is_upgraded_at_login(client, h):
    user = h.register(client)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(h.PASSWORD)
    h.sql(client, "UPDATE user SET password_hash=:p WHERE id=:i", p=weak, i=user["user_id"])
    h.login(client, user)
    (stored,) = h.sql(client, "SELECT password_hash FROM user WHERE id=:i", i=user["user_id"])
    assert stored[0] != weak and not PasswordHasher().check_needs_rehash(stored[0])
    h.login(client, user)  # the upgraded hash still verifies
