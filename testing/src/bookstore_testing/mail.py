"""A real SMTP server on 127.0.0.1 (aiosmtpd) keeping what it accepts, and the count of distinct
emails per subject that the system's tests, fault suites and soak assert on."""
from __future__ import annotations

import multiprocessing
import queue
import socket
import threading
import time
from collections import Counter, defaultdict
from email import message_from_bytes, policy
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class SmtpSink:
    """aiosmtpd on 127.0.0.1 keeping every message it accepts."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.raw: list[bytes] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    def wait_for(self, subject: str, timeout: float = 30.0) -> list:
        """The messages whose subject contains `subject`, once there is one (or the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [m for m in (message_from_bytes(r, policy=policy.default)
                                     for r in self.raw) if subject in str(m["Subject"])]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def stop(self) -> None:
        self._controller.stop()


def _serve_in_child(port: int, accepted: multiprocessing.Queue, stop) -> None:
    """The SMTP server of `SmtpSinkProcess`, in a process of its own."""

    class Forward:
        async def handle_DATA(self, server, session, envelope):
            accepted.put(envelope.content)
            return "250 Message accepted for delivery"

    controller = Controller(Forward(), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


class SmtpSinkProcess(SmtpSink):
    """The same sink with its SMTP server in a process of its own, for a harness that is busy
    itself (the soak's load, event log and samplers): in the harness's process the server waits
    for that process's GIL on every SMTP reply, and so would the services' mail senders."""

    def __init__(self) -> None:
        # SmtpSink's port, raw and lock; not its in-process server
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.raw = []
        self._lock = threading.Lock()
        context = multiprocessing.get_context("spawn")
        self._accepted = context.Queue()
        self._stop = context.Event()
        self._server = context.Process(target=_serve_in_child,
                                       args=(self.port, self._accepted, self._stop), daemon=True)
        self._server.start()
        self._collector = threading.Thread(target=self._collect, daemon=True)
        self._collector.start()
        _wait_listening(self.port)

    def _collect(self) -> None:
        while self._server.is_alive() or not self._accepted.empty():
            try:
                content = self._accepted.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._lock:
                self.raw.append(content)

    def stop(self) -> None:
        self._stop.set()
        self._server.join(10)
        self._collector.join(5)


def _wait_listening(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the SMTP sink did not listen on {port}")


class Subjects:
    """The distinct emails the SMTP server accepted per subject (headers parsed once each).

    An email is one Message-ID: a sender killed after the server accepted a message and before it
    marked it sent sends it again after its lease, with the same Message-ID (mail clients show it
    once). Two Message-IDs under one subject would be two emails: that is what must not happen.
    """

    def __init__(self, smtp: SmtpSink):
        self._smtp, self._seen = smtp, 0
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.resent: list[str] = []

    def __call__(self) -> Counter:
        """Distinct emails per subject."""
        fresh = list(self._smtp.raw[self._seen:])
        self._seen += len(fresh)
        for raw in fresh:
            headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
            ids = self.ids[str(headers["Subject"])]
            if headers["Message-ID"] in ids:
                self.resent.append(str(headers["Subject"]))
            ids.add(str(headers["Message-ID"]))
        return Counter({subject: len(ids) for subject, ids in self.ids.items()})
