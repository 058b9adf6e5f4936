"""Integration events: the envelope and the typed payload contracts."""
from .contracts import REGISTRY, event_type_of, payload_model  # noqa: F401
from .envelope import Envelope, current_trace_context, trace_context_of, utcnow  # noqa: F401
