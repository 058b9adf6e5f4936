"""Integration events: the envelope, the typed payload contracts, the spans of the event path."""
from .contracts import REGISTRY, event_type_of, payload_model  # noqa: F401
from .envelope import Envelope, current_trace_context, trace_context_of, utcnow  # noqa: F401
