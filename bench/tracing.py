"""What tracing costs: the saga at one fixed rate on two fresh systems, one exporting every span
(OTLP/HTTP to a local sink that decodes and counts them) and one with no endpoint, side by side;
CPU per order of every process, and the latency to PROCESSING."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from .saga import run_saga
from .system import running_system, seed, wait_idle
from .tap import Tap


class SpanSink:
    """An OTLP/HTTP receiver on 127.0.0.1 that counts the spans it is sent and keeps nothing."""

    def __init__(self) -> None:
        self.spans = 0
        lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ExportTraceServiceRequest.FromString(body)
                with lock:
                    sink.spans += sum(len(scope.spans) for resource in request.resource_spans
                                      for scope in resource.scope_spans)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def run_tracing_overhead(log_dir: str, *, rate: float = 25, seconds: float = 10) -> dict:
    """The same saga run without an endpoint, then with every span exported."""
    sink = SpanSink()
    out: dict = {"rate": rate, "seconds": seconds}
    try:
        # spans leave every second (not every 5 s), so their export falls in the measured time
        on = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "1000",
              "OTEL_TRACES_SAMPLER": "parentbased_always_on"}
        for label, env in (("off", {}), ("on", on)):
            logs = Path(log_dir) / f"tracing-{label}"
            logs.mkdir(parents=True, exist_ok=True)
            with running_system(str(logs), **env) as bench:
                seed(bench, books=10, users=10)
                with Tap(bench.infra.rabbitmq_url, bench.instance) as tap:
                    run_saga(bench, tap, rate=rate, seconds=3, settle_s=20)  # warm-up
                    wait_idle(bench)
                    time.sleep(2.0)  # the warm-up's spans are sent
                    before = sink.spans
                    run = run_saga(bench, tap, rate=rate, seconds=seconds, settle_s=30)
                    time.sleep(2.0)
                cpu = run["cpu_ms_per_order"]
                out[label] = {"cpu_ms_per_order": cpu, "cpu_total": sum(cpu.values()),
                              "placed": run["placed"], "processing": run["processing"],
                              "to_processing_ms": run["to_processing_ms"],
                              "spans_per_order": (sink.spans - before) / max(1, run["placed"])}
    finally:
        sink.stop()
    out["overhead"] = out["on"]["cpu_total"] / out["off"]["cpu_total"] - 1
    return out
