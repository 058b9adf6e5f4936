"""What sockets receive and how broadcast text is validated."""
from __future__ import annotations

import orjson
import pytest
from notification_service.domain import messages


def test_an_order_status_message_has_the_contract_shape_and_is_addressed_to_its_owner():
    d = messages.order_status(order_id=4, user_id=9, status="DELIVERED")
    assert orjson.loads(d.text) == {"type": "order_status", "order_id": 4, "status": "DELIVERED"}
    assert d.is_for(9) and not d.is_for(10) and not d.is_broadcast


def test_a_global_message_is_for_everyone():
    d = messages.global_message("Hi \"all\"")
    assert orjson.loads(d.text) == {"type": "global", "message": "Hi \"all\""}
    assert d.is_broadcast and d.is_for(1) and d.is_for(2)


@pytest.mark.parametrize("value", [None, "", "   ", 12, ["x"]])
def test_a_missing_or_blank_broadcast_is_refused(value):
    with pytest.raises(ValueError, match="Message is required"):
        messages.normalise_broadcast(value, max_chars=1000)


def test_a_broadcast_over_the_limit_is_refused_and_one_at_the_limit_accepted():
    assert messages.normalise_broadcast("x" * 1000, max_chars=1000) == "x" * 1000
    with pytest.raises(ValueError, match="too long"):
        messages.normalise_broadcast("x" * 1001, max_chars=1000)
