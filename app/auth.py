"""Passwords (argon2id), access tokens (JWT, HS256 with COMMERCE_SECRET_KEY) and the cache of
the viewers they name.

An access token says only who the user is (`sub`). Roles, the customer record and the active flag
are read from the users table when the token is used (at most every COMMERCE_USER_CACHE_SECONDS
per user and process), so a demoted or deactivated user loses access within that bound.
"""

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.ids import int_key
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
    """Blocking (tens of milliseconds of CPU): from async code, use `hash_password_off_loop`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Blocking, like `hash_password`. An unknown account (None) is verified against a dummy hash
    so that it takes as long as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# argon2-cffi releases the GIL while it hashes, so worker threads keep the event loop (and every
# other request, /healthz included) responsive during a flood of sign-ins. One thread per core: more
# would only queue the hashes on the CPU and starve the loop; the rest wait their turn in the pool.
@cache
def _hashing_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="argon2")


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool(), hash_password, password)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_hashing_pool(), verify_password,
                                                            password_hash, password)


def known_roles(roles: Iterable[str]) -> frozenset[str]:
    """The roles this code knows, of those stored (a role dropped from the code grants nothing)."""
    return frozenset(r for r in roles if r in Role.__members__)


def issue_token(viewer: Viewer, *, secret: str, now: datetime, lifetime: timedelta) -> str:
    """An access token for `viewer`'s user. It carries no roles: they are read when it is used."""
    claims = {
        "iss": ISSUER,
        "sub": str(viewer.user_id),
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> int:
    """The id of the user an access token was issued to; InvalidToken when it is not a valid,
    unexpired access token of ours."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                            options={"require": ["exp", "sub", "typ"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The access token has expired; sign in again.") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("The access token is not valid.") from exc
    subject = claims.get("sub")
    user_id = int_key(subject) if isinstance(subject, str) else None
    # Roles are read from the users table when a token is used; tokens issued before that carried
    # them as a list of names, ignored now. A token with anything else there is not one of ours.
    roles = claims.get("roles", [])
    well_formed_roles = isinstance(roles, list) and all(isinstance(role, str) for role in roles)
    if claims.get("typ") != "access" or user_id is None or not well_formed_roles:
        raise InvalidToken("The access token is not valid.")
    return user_id


class ViewerCache:
    """The viewers of recent access tokens, by user id: `lookup` reads one from the database (None
    for a deleted or deactivated user) and the answer is kept `ttl_seconds` (0: never kept).
    Per process; entries expire in insertion order, and the oldest go first when it is full."""

    def __init__(self, lookup: Callable[[int], Awaitable[Viewer | None]], *, ttl_seconds: float,
                 max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.lookup = lookup
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[int, tuple[float, Viewer | None]] = {}

    async def get(self, user_id: int) -> Viewer | None:
        if self.ttl <= 0:
            return await self.lookup(user_id)
        now = self.clock()
        entry = self._entries.get(user_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        viewer = await self.lookup(user_id)
        now = self.clock()
        self._entries.pop(user_id, None)
        while self._entries:
            oldest = next(iter(self._entries))
            if self._entries[oldest][0] > now and len(self._entries) < self.max_entries:
                break
            del self._entries[oldest]
        self._entries[user_id] = (now + self.ttl, viewer)
        return viewer
