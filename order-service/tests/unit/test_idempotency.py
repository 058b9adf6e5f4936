"""The Idempotency-Key rules."""
import pytest
from order_service.domain.exceptions import IdempotencyConflict, InvalidIdempotencyKey
from order_service.domain.idempotency import check_replay, fingerprint, validate_key
from order_service.domain.requests import RequestedItem as R
from order_service.domain.requests import parse_order_request


def test_the_same_order_in_any_shape_has_the_same_fingerprint():
    seed = parse_order_request({"book_id": 3, "quantity": 2})
    multi = parse_order_request({"items": [{"book_id": 3, "quantity": 1},
                                           {"book_id": 3, "quantity": 1}]})
    assert fingerprint(seed) == fingerprint(multi)


def test_line_order_does_not_matter_but_quantities_do():
    assert fingerprint([R(1, 1), R(2, 1)]) == fingerprint([R(2, 1), R(1, 1)])
    assert fingerprint([R(1, 1)]) != fingerprint([R(1, 2)])
    assert fingerprint([R(1, 1)]) != fingerprint([R(2, 1)])


def test_a_replay_with_the_same_request_passes_and_a_different_one_conflicts():
    check_replay(fingerprint([R(1, 1)]), fingerprint([R(1, 1)]))
    with pytest.raises(IdempotencyConflict):
        check_replay(fingerprint([R(1, 1)]), fingerprint([R(1, 2)]))


def test_keys_up_to_200_printable_characters_are_accepted():
    assert validate_key(None) is None
    assert validate_key("k" * 200) == "k" * 200


@pytest.mark.parametrize("key", ["", "   ", "k" * 201, "bad\nkey"])
def test_empty_long_or_unprintable_keys_are_refused(key):
    with pytest.raises(InvalidIdempotencyKey):
        validate_key(key)
