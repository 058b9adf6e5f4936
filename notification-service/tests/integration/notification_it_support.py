"""Test doubles with real protocols: a JWKS + catalog HTTP server, an SMTP sink, service processes."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt


class SigningKey:
    """An RSA key signing access tokens exactly as the auth service does (RS256 with a kid)."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.private_pem = key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        public = jwk.construct(public_pem, "RS256").to_dict()
        self.jwks = {"keys": [{**{k: v.decode() if isinstance(v, bytes) else v
                                  for k, v in public.items()}, "kid": self.kid, "use": "sig"}]}

    def token(self, user_id: int, *, admin: bool = False, session_id: str | None = None,
              ttl_s: int = 900) -> str:
        now = int(time.time())
        claims = {"iss": "bookstore-auth", "aud": "bookstore", "sub": str(user_id),
                  "name": f"user{user_id}", "email": f"user{user_id}@example.com", "adm": admin,
                  "sid": session_id or uuid.uuid4().hex, "jti": uuid.uuid4().hex,
                  "typ": "access", "iat": now, "exp": now + ttl_s}
        return jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": self.kid})


class Upstream:
    """Serves the auth service's JWKS and the catalog's internal PDF endpoint."""

    def __init__(self, jwks: dict):
        self.jwks = jwks
        self.pdfs: dict[int, bytes] = {}
        self.pdf_requests: list[int] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                match = re.fullmatch(r"/internal/books/(\d+)/pdf", self.path)
                if self.path == "/.well-known/jwks.json":
                    self._reply(200, json.dumps(upstream.jwks).encode(), "application/json")
                elif match and int(match.group(1)) in upstream.pdfs:
                    upstream.pdf_requests.append(int(match.group(1)))
                    self._reply(200, upstream.pdfs[int(match.group(1))], "application/pdf")
                else:
                    self._reply(404, b'{"message": "Book not found"}', "application/json")

            def _reply(self, status, body, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Collector:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.raw.append(envelope.content)
        return "250 Message accepted for delivery"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self.sink.lock:
            self.sink.sessions += 1
        return responses


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    def __init__(self, port: int):
        self.port = port
        self.raw: list[bytes] = []
        self.sessions = 0  # SMTP sessions greeted (EHLO)
        self._parsed: list = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None
        self.start()

    def start(self) -> None:
        self._controller = Controller(_Collector(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self, subject_contains: str = "") -> list:
        with self.lock:
            fresh = self.raw[len(self._parsed):]
        self._parsed.extend(message_from_bytes(r, policy=policy.default) for r in fresh)
        return [m for m in self._parsed if subject_contains in str(m["Subject"])]

    def wait_for(self, subject_contains: str, count: int = 1, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(subject_contains)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} message(s) with {subject_contains!r} not received; "
                             f"got {[str(m['Subject']) for m in self.messages()]}")


class ServiceProcess:
    """`python -m notification_service.main` with an environment, waited for until ready."""

    def __init__(self, env: dict[str, str], log_path: str):
        self.env = env
        self.url = f"http://127.0.0.1:{int(env['BOOKSTORE_PORT_BASE']) + 6}"
        self.ws_url = self.url.replace("http://", "ws://") + "/ws"
        self._log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen([sys.executable, "-m", "notification_service.main"],
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"notification service exited ({self.proc.returncode}); "
                                   f"see {self._log.name}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("notification service not ready")

    def metric(self, name: str) -> float:
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def service_env(infra, instance: str, data_dir: str, *, upstream: Upstream, smtp_port: int,
                port_base: int, **extra: str) -> dict[str, str]:
    """Environment of one notification-service process on the real MySQL and RabbitMQ."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
    env.update({
        "BOOKSTORE_MYSQL_URL": infra.mysql_url, "BOOKSTORE_RABBITMQ_URL": infra.rabbitmq_url,
        "BOOKSTORE_INSTANCE": instance, "BOOKSTORE_DATA_DIR": data_dir,
        "BOOKSTORE_PORT_BASE": str(port_base), "BOOKSTORE_RETRY_DELAYS_MS": "100,200,300",
        "BOOKSTORE_AUTH_URL": upstream.url, "BOOKSTORE_CATALOG_URL": upstream.url,
        "BOOKSTORE_SMTP_HOST": "127.0.0.1", "BOOKSTORE_SMTP_PORT": str(smtp_port),
        "BOOKSTORE_MAIL_RETRY_BASE_S": "0.2", "BOOKSTORE_MAIL_RETRY_MAX_S": "1",
        "BOOKSTORE_LOG_LEVEL": "INFO",
    })
    env.update(extra)
    return env
