"""Passwords (argon2id) and bearer tokens (JWT, HS256 with COMMERCE_SECRET_KEY)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.policy.permissions import Role, is_staff

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when an e-mail is unknown, so that response time does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

ISSUER = "commerce-graph"


class InvalidToken(Exception):
    """A bearer token that is malformed, badly signed, of the wrong kind or expired."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is calling: a signed-in user with roles, and their customer record if any."""

    user_id: int
    email: str
    roles: frozenset[str] = field(default_factory=frozenset)
    customer_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return is_staff(self.roles)

    @property
    def label(self) -> str:
        """How the audit trail names this actor."""
        return f"user:{self.user_id}:{self.email}"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(viewer: Viewer, *, secret: str, now: datetime, lifetime: timedelta,
                kind: str = "access") -> str:
    claims = {
        "iss": ISSUER,
        "sub": str(viewer.user_id),
        "email": viewer.email,
        "roles": sorted(viewer.roles),
        "cid": viewer.customer_id,
        "typ": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str, kind: str = "access") -> Viewer:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                            options={"require": ["exp", "sub", "typ"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The access token has expired; sign in again.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("The access token is not valid.") from exc
    if claims.get("typ") != kind:
        raise InvalidToken("The access token is not valid.")
    roles = frozenset(r for r in claims.get("roles", []) if r in Role.__members__)
    return Viewer(user_id=int(claims["sub"]), email=str(claims.get("email", "")), roles=roles,
                  customer_id=claims.get("cid"))
