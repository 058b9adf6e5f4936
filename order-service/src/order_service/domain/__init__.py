"""Pure order model: statuses, the state machine, order requests and idempotency rules."""
