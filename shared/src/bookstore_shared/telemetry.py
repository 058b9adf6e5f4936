"""Tracing (OpenTelemetry), configured only by the standard OTEL_* variables.

Each service has a TracerProvider of its own, handed explicitly to every instrumentation, so
`service.name` is right even when one process hosts every service (standalone). With no OTLP
endpoint configured there is no provider and nothing is instrumented: the API's no-op path.
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from opentelemetry import trace

if TYPE_CHECKING:  # the SDK is imported only when tracing is on
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger(__name__)

SCOPE = "bookstore"
SUPPORTED_PROTOCOL = "http/protobuf"
# Probes and scrapes are polled all day; a trace each would bury the real ones.
DEFAULT_EXCLUDED_URLS = "/healthz,/readyz,/metrics"

_providers: dict[str, TracerProvider | None] = {}
_lock = threading.Lock()
_shared_process = False


def tracing_enabled(env: Mapping[str, str] = os.environ) -> bool:
    """True when an OTLP endpoint is configured and the SDK is not switched off."""
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT")
    return bool(endpoint) and env.get("OTEL_SDK_DISABLED", "").lower() != "true" \
        and env.get("OTEL_TRACES_EXPORTER", "otlp").lower() != "none"


def hosting_many_services() -> None:
    """This process hosts every service (standalone): OTEL_SERVICE_NAME cannot name all of them,
    so each service's provider is named after the service itself."""
    global _shared_process
    _shared_process = True


def provider(service: str) -> TracerProvider | None:
    """The service's provider, made on first use; None when tracing is off."""
    with _lock:
        if service not in _providers:
            _providers[service] = _make_provider(service) if tracing_enabled() else None
        return _providers[service]


def use_provider(service: str, tracer_provider: TracerProvider | None) -> None:
    """Give a service this provider (tests: one with an in-memory exporter)."""
    with _lock:
        _providers[service] = tracer_provider


def tracer(service: str) -> trace.Tracer | None:
    """The service's tracer; None when tracing is off (callers then skip tracing entirely)."""
    found = provider(service)
    return found.get_tracer(SCOPE) if found is not None else None


def _make_provider(service: str) -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    protocol = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or SUPPORTED_PROTOCOL)
    if protocol != SUPPORTED_PROTOCOL:
        raise ValueError(f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol} is not supported: the "
                         f"services export traces over {SUPPORTED_PROTOCOL} (port 4318)")
    # Resource.create reads OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME; an attribute given
    # here wins over both.
    own = _shared_process or not os.environ.get("OTEL_SERVICE_NAME")
    resource = Resource.create({SERVICE_NAME: service} if own else {})
    made = TracerProvider(resource=resource)  # sampler: OTEL_TRACES_SAMPLER(_ARG)
    made.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # OTEL_BSP_* apply
    log.info("tracing enabled", extra={"service": service,
                                       "service_name": resource.attributes[SERVICE_NAME]})
    return made


# ---- instrumentation: each takes the service's provider explicitly ---------------------------

def instrument_app(app, service: str) -> None:
    """Server spans for every HTTP request (and WebSocket) the app serves."""
    found = provider(service)
    if found is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=found, meter_provider=_NO_METRICS,
                                       excluded_urls=_excluded_urls(), exclude_spans=_PER_MESSAGE)


def traced_asgi(app, service: str, *, span_details=None):
    """`app` behind a server span per request (an ASGI app FastAPI's instrumentation cannot
    reach, like the gateway's proxy); `app` itself when tracing is off."""
    found = provider(service)
    if found is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.util.http import parse_excluded_urls

    return OpenTelemetryMiddleware(app, excluded_urls=parse_excluded_urls(_excluded_urls()),
                                   default_span_details=span_details, tracer_provider=found,
                                   meter_provider=_NO_METRICS, exclude_spans=_PER_MESSAGE)


# A span for every ASGI message sent or received would triple a request's spans for nothing.
_PER_MESSAGE = ["receive", "send"]


def _excluded_urls() -> str:
    return os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS",
                          os.environ.get("OTEL_PYTHON_EXCLUDED_URLS", DEFAULT_EXCLUDED_URLS))


def instrument_engine(engine, service: str) -> None:
    """Spans for the SQL statements of a traced request or event (see `_ChildSpansOnly`)."""
    found = provider(service)
    if found is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import __version__
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    sql_tracer = found.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
    usage = _NO_METRICS.get_meter(SCOPE).create_up_down_counter("db.client.connections.usage")
    EngineTracer(_ChildSpansOnly(sql_tracer), engine, usage)


def instrument_httpx(client, service: str) -> None:
    """Client spans (and a `traceparent` header) for the requests of an httpx client."""
    found = provider(service)
    if found is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=found,
                                              meter_provider=_NO_METRICS)


def aiohttp_trace_configs(service: str) -> list:
    """`trace_configs` for an aiohttp ClientSession: client spans and a `traceparent` header."""
    found = provider(service)
    if found is None:
        return []
    from opentelemetry.instrumentation.aiohttp_client import create_trace_config

    return [create_trace_config(tracer_provider=found, meter_provider=_NO_METRICS)]


class _ChildSpansOnly(trace.Tracer):
    """Only spans inside a traced operation: the relay's and the background workers' idle polls
    run a query every second, and each would otherwise be a trace of its own."""

    def __init__(self, inner: trace.Tracer):
        self._inner = inner

    def start_span(self, name, context=None, *args, **kwargs):
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._inner.start_span(name, context, *args, **kwargs)

    def start_as_current_span(self, name, context=None, *args, **kwargs):
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.use_span(trace.INVALID_SPAN)
        return self._inner.start_as_current_span(name, context, *args, **kwargs)


def _no_metrics():
    from opentelemetry.metrics import NoOpMeterProvider

    return NoOpMeterProvider()


# The instrumentations also record OTel metrics; the services' metrics are Prometheus's.
_NO_METRICS = _no_metrics()
