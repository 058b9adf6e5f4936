"""A test signing key: its JWKS (served by the fake auth) and access tokens signed with it."""
from __future__ import annotations

import time
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

KID = "gateway-test-key"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PRIVATE_PEM = _KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode()
_PUBLIC_PEM = _KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
JWKS = {"keys": [{**jwk.construct(_PUBLIC_PEM, "RS256").to_dict(), "kid": KID, "use": "sig"}]}


def access_token(*, user_id: int = 1, admin: bool = False, sid: str | None = None,
                 ttl_s: int = 600, token_type: str = "access") -> str:
    """An RS256 token as auth issues it (claims of CONTRACT's access tokens)."""
    now = int(time.time())
    claims = {"iss": "bookstore-auth", "aud": "bookstore", "sub": str(user_id),
              "name": f"user{user_id}", "email": f"user{user_id}@example.com", "adm": admin,
              "sid": sid or uuid.uuid4().hex, "jti": uuid.uuid4().hex, "typ": token_type,
              "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, _PRIVATE_PEM, algorithm="RS256", headers={"kid": KID})
