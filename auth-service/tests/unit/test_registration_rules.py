"""Registration rules: username, email and password policy (no I/O)."""
import pytest
from auth_service.domain.exceptions import InvalidRegistration
from auth_service.domain.model import login_identifier, new_user


def _user(**overrides):
    data = {"username": "alice_1.b-c", "email": "Alice@Example.COM", "password": "s3cret-pass"}
    return new_user(**{**data, **overrides})


def test_valid_registration_keeps_username_and_lowercases_email():
    user = _user()
    assert (user.username, user.email, user.password) == (
        "alice_1.b-c", "alice@example.com", "s3cret-pass")


@pytest.mark.parametrize("username", ["ab", "a" * 51, "has space", "semi;colon", "' OR 1=1 --",
                                      "émile", "a@b", ""])
def test_usernames_outside_the_policy_are_refused_with_a_reason(username):
    with pytest.raises(InvalidRegistration) as exc:
        _user(username=username)
    assert "Username" in str(exc.value)


@pytest.mark.parametrize("username", ["abc", "a" * 50, "A.b_c-9"])
def test_usernames_of_3_to_50_allowed_characters_pass(username):
    assert _user(username=username).username == username


@pytest.mark.parametrize("email", ["plain", "a@b", "@example.com", "a@.com", "a b@example.com",
                                   "a@example..com", "x" * 250 + "@example.com", "<a>@x.com"])
def test_malformed_emails_are_refused(email):
    with pytest.raises(InvalidRegistration, match="Invalid email address"):
        _user(email=email)


def test_password_shorter_than_8_characters_is_refused():
    with pytest.raises(InvalidRegistration, match="at least 8"):
        _user(password="1234567")


def test_password_longer_than_256_characters_is_refused():
    with pytest.raises(InvalidRegistration, match="at most 256"):
        _user(password="x" * 257)


def test_passwords_of_exactly_8_and_256_characters_pass():
    assert _user(password="x" * 8).password == "x" * 8
    assert _user(password="x" * 256).password == "x" * 256


def test_login_identifiers_compare_trimmed_and_case_insensitively():
    assert login_identifier("  Alice@Example.com ") == "alice@example.com"
