"""A catalog on the real MySQL and RabbitMQ, tokens minted with a test RSA key, PDFs from fpdf2."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from bookstore_shared.bus import RabbitBus
from bookstore_shared.events import Envelope
from bookstore_shared.security import StaticKeys, TokenVerifier
from catalog_service.config import Settings
from catalog_service.main import create_app
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from fpdf import FPDF
from jose import jwk, jwt

pytestmark = pytest.mark.integration


class Tokens:
    """Mints access tokens the way the auth service does, with a key only the test knows."""

    def __init__(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:8]
        self._private = key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        self.jwks = {"keys": [{**jwk.construct(public, "RS256").to_dict(), "kid": self.kid}]}

    def mint(self, user_id: int, *, admin: bool = False) -> str:
        now = int(time.time())
        claims = {"iss": "bookstore-auth", "aud": "bookstore", "sub": str(user_id),
                  "name": f"user{user_id}", "email": f"user{user_id}@example.com", "adm": admin,
                  "sid": uuid.uuid4().hex, "jti": uuid.uuid4().hex, "typ": "access",
                  "iat": now, "exp": now + 600}
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})

    def headers(self, user_id: int, *, admin: bool = False) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(user_id, admin=admin)}"}


class EventLog:
    """Every book.* event that reached the instance's exchange, seen by a test queue."""

    def __init__(self, bus: RabbitBus):
        self.bus = bus
        self.seen: list[Envelope] = []

    def wait_for(self, match: Callable[[Envelope], bool], timeout: float = 10.0) -> Envelope:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for env in list(self.seen):
                if match(env):
                    return env
            time.sleep(0.05)
        raise AssertionError(f"no matching event among {[e.type for e in self.seen]}")


@pytest.fixture(scope="session")
def tokens() -> Tokens:
    return Tokens()


@pytest.fixture(scope="module")
def settings(infra, new_instance, tmp_path_factory) -> Settings:
    return Settings(_env_file=None, mysql_url=infra.mysql_url, rabbitmq_url=infra.rabbitmq_url,
                    instance=new_instance(), data_dir=tmp_path_factory.mktemp("catalog-data"),
                    max_upload_mb=1, retry_delays_ms="100,200")


@pytest.fixture(scope="module")
def events(settings) -> EventLog:
    bus = RabbitBus(settings.rabbitmq_url, instance=settings.instance, retry_delays_ms=[100])
    log = EventLog(bus)
    bus.subscribe("tests", ["book.#"], log.seen.append)
    bus.start()
    deadline = time.monotonic() + 10
    while not bus.is_healthy() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield log
    bus.stop()


@pytest.fixture(scope="module")
def app(settings, tokens, events):
    application = create_app(settings)
    application.state.token_verifier = TokenVerifier(StaticKeys(tokens.jwks))
    return application


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def admin(tokens) -> dict[str, str]:
    return tokens.headers(1, admin=True)


@pytest.fixture
def user(tokens) -> dict[str, str]:
    return tokens.headers(2)


def make_pdf(pages: int = 1, text: str = "A page of a test book.") -> bytes:
    """A real PDF with `pages` pages of text."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 8, f"Page {n + 1}. {text}")
    return bytes(pdf.output())


@pytest.fixture
def new_book(client, admin) -> Callable[..., int]:
    """Add a book through the API; returns its id."""

    def add(title: str = "Dune", author: str = "Frank Herbert", price: str = "19.99",
            stock: str = "10", pdf: bytes | None = None, **extra: str) -> int:
        r = client.post("/books", headers=admin,
                        data={"title": title, "author": author, "price": price, "stock": stock,
                              **extra},
                        files={"pdf": ("book.pdf", pdf or make_pdf(), "application/pdf")})
        assert r.status_code == 201, r.text
        return r.json()["book_id"]

    return add


def stored_files(root: Path) -> set[Path]:
    """Every file under `root` (to prove nothing is written elsewhere)."""
    return {p for p in Path(root).rglob("*") if p.is_file()}
