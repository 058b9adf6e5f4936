"""The RS256 signing key: from configuration, else generated once and shared through the DB."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bookstore_shared.security import ALGORITHM
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .orm import signing_key

log = logging.getLogger(__name__)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    """A private key in PEM and its public JWK (kid = RFC 7638 thumbprint)."""

    private_pem: str
    public_jwk: dict

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        """Parse a PEM RSA private key; ValueError when it is not one."""
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the JWT signing key must be an RSA private key")  # noqa: TRY004 - callers catch ValueError for every unusable key
        numbers = key.public_key().public_numbers()
        members = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
        thumb = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True)
                               .encode()).digest()
        kid = base64.urlsafe_b64encode(thumb).rstrip(b"=").decode()
        return cls(private_pem=pem, public_jwk={**members, "kid": kid, "alg": ALGORITHM,
                                                "use": "sig"})

    @classmethod
    def generate(cls) -> SigningKey:
        """A new 2048-bit RSA key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return cls.from_pem(pem)

    def sign(self, claims: dict) -> str:
        """A compact RS256 JWT with this key's `kid` in the header."""
        return jwt.encode(claims, self.private_pem, algorithm=ALGORITHM,
                          headers={"kid": self.kid})

    def jwks(self) -> dict:
        """The JSON Web Key Set publishing the public half."""
        return {"keys": [dict(self.public_jwk)]}


def load_or_create(factory: sessionmaker[Session], configured_pem: str | None) -> SigningKey:
    """The configured key if given; else the stored key, generating it if none (first wins)."""
    if configured_pem:
        # Environments often carry a PEM on one line with literal "\n" separators.
        return SigningKey.from_pem(configured_pem.replace("\\n", "\n").strip() + "\n")
    with factory() as session:
        stored = session.execute(select(signing_key.c.private_pem)
                                 .where(signing_key.c.id == 1)).scalar_one_or_none()
        if stored:
            return SigningKey.from_pem(stored)
        fresh = SigningKey.generate()
        try:
            session.execute(insert(signing_key).values(
                id=1, kid=fresh.kid, private_pem=fresh.private_pem,
                created_at=datetime.now(UTC)))
            session.commit()
            log.info("generated a new token signing key", extra={"kid": fresh.kid})
            return fresh
        except IntegrityError:
            session.rollback()  # another replica stored its key first: use that one
    with factory() as session:
        return SigningKey.from_pem(session.execute(
            select(signing_key.c.private_pem).where(signing_key.c.id == 1)).scalar_one())
