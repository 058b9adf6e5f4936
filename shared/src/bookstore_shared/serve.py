"""Run one service with uvicorn (what `make run` and every container start)."""
from __future__ import annotations

import asyncio
import contextlib
import resource
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .deployment import check_deployment
from .gc_tuning import tune_garbage_collector
from .limits import MAX_HEADER_BYTES, WS_MAX_MESSAGE_BYTES
from .logs import configure_logging
from .settings import BaseServiceSettings

_HEADERS_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                      b"content-type: application/json\r\ncontent-length: 67\r\n"
                      b"connection: close\r\n\r\n"
                      b'{"message":"Request header fields too large","error":"over 32 KiB"}')


# After refusing, what the client still sends is read and dropped for this long (or up to this
# much) before the socket closes: closing with unread input makes the kernel answer with a reset,
# which can destroy the 431 before the client reads it ("lingering close", as nginx does).
LINGER_S = 5.0
LINGER_BYTES = 1 << 20


class BoundedHeadersProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a cap on request line + headers (httptools has none: a
    client could send headers until the process runs out of memory)."""

    _in_headers = False
    _header_bytes = 0
    _too_large = False
    _refused = False
    _discarded = 0

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers, self._header_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_headers = False
        if len(self.url) + sum(len(n) + len(v) for n, v in self.headers) > MAX_HEADER_BYTES:
            self._too_large = True
            raise ValueError("request headers too large")  # stops the parser: a 400 follows
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._refused:  # lingering: drop the rest of the refused request
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self.transport.close()
            return
        super().data_received(data)
        if self._in_headers and not self.transport.is_closing():
            # still inside one request's headers: all of this chunk belongs to them
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            return self._refuse()
        super().send_400_response(msg)

    def eof_received(self) -> bool | None:
        if self._refused:  # the client has sent everything: now the socket closes cleanly
            self.transport.close()
        return super().eof_received()

    def _refuse(self) -> None:
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self.transport.write(_HEADERS_TOO_LARGE)
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client reads the whole answer, then end of stream
            asyncio.get_running_loop().call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()


def uvicorn_config(app, settings: BaseServiceSettings, *, port: int | None = None) -> uvicorn.Config:
    """The one uvicorn configuration the project uses (uvloop, httptools with bounded headers,
    bounded WebSocket messages, no access log)."""
    return uvicorn.Config(app, host=settings.host, port=port or settings.port, log_config=None,
                          access_log=False, proxy_headers=True, server_header=False,
                          http=BoundedHeadersProtocol, ws_max_size=WS_MAX_MESSAGE_BYTES,
                          forwarded_allow_ips=settings.trusted_networks,
                          timeout_graceful_shutdown=5, ws_ping_interval=20, ws_ping_timeout=20)


def raise_open_files_limit() -> int:
    """Raise the soft limit on open files to the hard one and return it: every WebSocket is a
    file (two in the gateway: the client's and the upstream's), and a shell's soft limit of 1,024
    would cap a service at a few hundred sockets. Operators set the hard limit (compose `ulimits`,
    the container runtime)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def serve(app, settings: BaseServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM, then shut down cleanly and exit with status 0.

    Settings unsafe for production stop the process first (status 1; the reason names the
    settings, never their values)."""
    configure_logging(settings.service_name, settings.log_level)
    raise_open_files_limit()
    try:
        check_deployment(settings)
    except ValueError as exc:
        sys.exit(f"{settings.service_name}: refusing to start: {exc}")
    tune_garbage_collector()  # many open sockets must not mean long pauses (gc_tuning)
    ServiceServer(uvicorn_config(app, settings)).run()


class ServiceServer(uvicorn.Server):
    """One service in its process: SIGINT and SIGTERM, however many arrive, mean a graceful stop.

    Ctrl-C on `make run` sends SIGINT to every process and the launcher then sends SIGTERM; plain
    uvicorn re-raises what it caught once stopped (a KeyboardInterrupt traceback) and treats a
    second SIGINT as "skip the lifespan shutdown" (a CancelledError traceback).
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.should_exit = True


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server sharing its process and loop with others (standalone).

    The process owns SIGINT/SIGTERM and tells every server to exit; a server that captured the
    signals itself would leave the others running and, on a second signal, skip its lifespan
    shutdown (a CancelledError traceback at exit).
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
