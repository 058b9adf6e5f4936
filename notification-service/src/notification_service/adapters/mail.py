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

    def close(self) -> None:
        """End the session the last messages went through, if one is open."""


# What a session that was open before may fail with once the server has dropped it (an idle
# timeout, a restart): the message is sent again on a new session.
_STALE_SESSION = (smtplib.SMTPServerDisconnected, ConnectionResetError, BrokenPipeError)


class SmtpTransport:
    """Sends a burst of messages through one SMTP session (login once, RSET-free: every
    message is a complete MAIL/RCPT/DATA transaction); the sender closes it when the burst ends.
    Used by one thread (the mail sender)."""

    def __init__(self, *, host: str, port: int, security: str = "none", user: str | None = None,
                 password: str | None = None, timeout_s: float = 30.0):
        self.host, self.port, self.security = host, port, security
        self._user, self._password, self._timeout = user, password, timeout_s
        self._tls: ssl.SSLContext | None = None
        self._client: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        """Made on first use and reused: each new context loads the CA store (~18 ms of CPU)."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def _open(self) -> smtplib.SMTP:
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout,
                                      context=self._tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=self._tls_context())
            if self._user:
                client.login(self._user, self._password or "")
        except BaseException:
            _quietly_close(client)
            raise
        return client

    def send(self, message: Message) -> None:
        reused = self._client is not None
        if self._client is None:
            self._client = self._open()
        try:
            self._client.send_message(message)
        except _STALE_SESSION:
            self.close()
            if not reused:
                raise
            self._client = self._open()  # a session left from earlier had gone stale
            self._client.send_message(message)
        except BaseException:
            self.close()  # the session's state is unknown: the next message starts afresh
            raise

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(client)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host}:{self.port}, {self.security})"


def _quietly_close(client: smtplib.SMTP) -> None:
    try:
        client.close()
    except OSError:
        pass


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

    def close(self) -> None:
        """Nothing stays open between messages."""

    def __repr__(self) -> str:
        return f"FileTransport({self.directory})"
