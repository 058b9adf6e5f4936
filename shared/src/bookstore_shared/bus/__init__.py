"""The message bus: RabbitMQ in production, in-process for standalone mode and unit tests."""
from __future__ import annotations

from .base import Bus, DeadLetter, Handler, Subscription, retry_delays_ms, topic_matches  # noqa: F401
from .memory import InProcessBus  # noqa: F401
from .rabbit import BrokerUnavailable, RabbitBus  # noqa: F401
