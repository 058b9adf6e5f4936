"""A subscription knows how many deliveries its handler takes at once, found once."""
from bookstore_shared.bus.base import Subscription


class Batched:
    def __init__(self, size: int):
        self.batch_size = size
        self.asked = 0

    def __call__(self, envelope) -> None: ...

    def handle_batch(self, envelopes) -> None: ...

    def __getattribute__(self, name):
        if name == "handle_batch":
            object.__getattribute__(self, "__dict__")["asked"] += 1
        return object.__getattribute__(self, name)


def test_a_batch_handler_takes_its_batch_size_and_a_plain_one_one_delivery():
    assert Subscription("q", ("a.#",), Batched(50)).batch_size == 50
    assert Subscription("q", ("a.#",), Batched(0)).batch_size == 1
    assert Subscription("q", ("a.#",), lambda envelope: None, exclusive=True).batch_size == 1


def test_the_handler_is_looked_at_once_not_per_delivery():
    handler = Batched(10)
    sub = Subscription("q", ("a.#",), handler)
    assert sub.batch_size == 10
    looked = handler.asked
    for _ in range(100):
        assert sub.batch_size == 10
    assert looked > 0 and handler.asked == looked
