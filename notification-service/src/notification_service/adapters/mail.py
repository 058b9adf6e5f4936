"""Mail transports: SMTP (smtplib; none/starttls/ssl, optional login) or `.eml` files on disk."""
from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from email.message import Message
from pathlib import Path
from typing import Protocol


class MailTransport(Protocol):
    def send(self, message: Message) -> None:
        """Hand the message over, or raise."""


class SmtpTransport:
    """One SMTP session per message (a sender thread sends a handful per second at most)."""

    def __init__(self, *, host: str, port: int, security: str = "none", user: str | None = None,
                 password: str | None = None, timeout_s: float = 30.0):
        self.host, self.port, self.security = host, port, security
        self._user, self._password, self._timeout = user, password, timeout_s
        self._tls: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        """Made on first use and reused: each new context loads the CA store (~18 ms of CPU)."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def send(self, message: Message) -> None:
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout,
                                      context=self._tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=self._tls_context())
            if self._user:
                client.login(self._user, self._password or "")
            client.send_message(message)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, {self.security})"


class FileTransport:
    """Writes each message to `<directory>/<hash of Message-ID>.eml` (standalone mode).

    Named after the Message-ID, so sending the same email twice leaves one file.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, message: Message) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:32]
        target = self.directory / f"{key}.eml"
        tmp = target.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes())
        os.replace(tmp, target)

    def __repr__(self) -> str:
        return f"FileTransport({self.directory})"
