"""Settings of shipping-service."""
from __future__ import annotations

from datetime import timedelta

from bookstore_shared.settings import BaseServiceSettings, background_linger
from pydantic import Field

from .domain.model import Timings


class Settings(BaseServiceSettings):
    """Simulated delays of a shipment's steps, and how long the scheduler may idle."""

    service_name: str = "shipping"
    # off an order's way to PROCESSING: a shipment starts ~0.1 s later (its steps take seconds)
    batch_linger_ms: int = background_linger()
    ship_after_s: float = Field(5.0, ge=0)
    deliver_after_s: float = Field(10.0, ge=0)
    # The scheduler is woken at once by its own new shipments; this only bounds how late it
    # notices shipments created by another replica that stopped before advancing them.
    scheduler_max_idle_s: float = Field(2.0, gt=0)

    @property
    def timings(self) -> Timings:
        """The delays as the domain uses them."""
        return Timings(ship_after=timedelta(seconds=self.ship_after_s),
                       deliver_after=timedelta(seconds=self.deliver_after_s))
