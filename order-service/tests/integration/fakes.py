"""Test doubles that speak real protocols: a catalog HTTP endpoint and RSA-signed tokens."""
from __future__ import annotations

import socket
import threading
import time
import uuid

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from jose import jwk, jwt


class FakeCatalog:
    """`GET /internal/books/{id}` served over HTTP from a dict the test controls."""

    def __init__(self) -> None:
        self.books: dict[int, dict] = {}
        self.requests: list[int] = []
        app = FastAPI()

        @app.get("/internal/books/{book_id}")
        def internal_book(book_id: int):
            self.requests.append(book_id)
            if book_id not in self.books:
                return JSONResponse({"message": "Book not found"}, status_code=404)
            return self.books[book_id]

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                     log_config=None, access_log=False))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def add(self, book_id: int, *, title: str = "A Book", price: str = "10.00",
            stock: int = 100) -> None:
        self.books[book_id] = {"id": book_id, "title": title, "author": "Someone",
                               "price": price, "stock": stock, "stock_version": 1}

    def start(self) -> FakeCatalog:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("fake catalog did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)


class TokenMint:
    """Signs access tokens the way the auth service does, with a key generated for the test."""

    def __init__(self) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-" + uuid.uuid4().hex[:8]
        self._private = key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        self.jwks = {"keys": [{**jwk.construct(public, "RS256").to_dict(), "kid": self.kid,
                               "use": "sig"}]}

    def token(self, user_id: int, *, admin: bool = False) -> str:
        now = int(time.time())
        claims = {"iss": "bookstore-auth", "aud": "bookstore", "sub": str(user_id),
                  "name": f"user{user_id}", "email": f"user{user_id}@example.com", "adm": admin,
                  "sid": uuid.uuid4().hex, "jti": uuid.uuid4().hex, "typ": "access",
                  "iat": now, "exp": now + 600}
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})
