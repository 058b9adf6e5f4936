"""Integration events: the envelope, the typed payload contracts, routing keys, the spans of the
event path."""
from .contracts import REGISTRY, event_type_of, payload_model  # noqa: F401
from .envelope import Envelope, current_trace_context, trace_context_of, utcnow  # noqa: F401
from .routing import bindings_for, every_key_of, routed_by, routing_key  # noqa: F401
