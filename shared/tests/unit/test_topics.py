import pytest
from bookstore_shared.bus import topic_matches


@pytest.mark.parametrize("pattern,key,expected", [
    ("order.placed", "order.placed", True),
    ("order.placed", "order.cancelled", False),
    ("order.*", "order.placed", True),
    ("order.*", "order.placed.v2", False),
    ("*.placed", "order.placed", True),
    ("#", "order.placed", True),
    ("#", "x", True),
    ("order.#", "order", True),
    ("order.#", "order.a.b", True),
    ("#.placed", "order.placed", True),
    ("#.placed", "placed", True),
    ("*.b.#", "a.b", True),
    ("*.b.#", "a.c", False),
    ("a.#.z", "a.z", True),
    ("a.#.z", "a.b.c.z", True),
    ("a.#.z", "a.b.c", False),
    ("*", "a.b", False),
])
def test_topic_patterns_follow_amqp_semantics(pattern, key, expected):
    assert topic_matches(pattern, key) is expected
