"""Pure shipping rules: the shipment state machine and its schedule."""
