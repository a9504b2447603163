"""Idempotency keys.

A key is scoped to the caller and the operation. The claim is a row inserted in the same
transaction as the effect: a concurrent duplicate blocks on the unique index until the first
commits (PostgreSQL) or waits for the write lock (SQLite), then replays the stored result. The
same key with another input is IDEMPOTENCY_KEY_REUSED. Refusals store nothing: the transaction
that would have held the key rolled back, so a retry runs the checks again.

Signed-in callers' keys are scoped by user. Guests are scoped by what only they hold: the cart's
id for writes on a cart, else the calling client with an unguessable key (`guest_scope`).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.audit_chain import canonical_json
from app.domain.errors import DomainError, ErrorCode
from app.domain.validation import text_problem
from models import IdempotencyKey

KEY_MAX = 200


class IdempotencyRace(Exception):
    """Another request claimed the same key first; replay its result in a new transaction."""


@dataclass(frozen=True, slots=True)
class StoredResult:
    model: str
    key: Any


def fingerprint(operation: str, data: Any) -> str:
    # surrogatepass: input holding a lone surrogate still gets a fingerprint; the write's own
    # checks then refuse it with a userError naming the field (and the claim rolls back).
    return hashlib.sha256(f"{operation}:{canonical_json(data)}".encode("utf-8", "surrogatepass")).hexdigest()


GUEST_KEY_MIN = 22  # 128 bits as base64url; a UUID's 36 characters qualify
GUEST_KEY_MIN_DISTINCT = 8


def check_guest_key(key: str) -> str:
    """A guest's key for a write that no cart scopes (cartCreate): it must be unguessable, so
    that no other guest can come up with it by chance or by trying common keys."""
    check_key(key)
    if len(key) < GUEST_KEY_MIN or len(set(key)) < GUEST_KEY_MIN_DISTINCT:
        raise DomainError.of(ErrorCode.INVALID, f"Without signing in, idempotencyKey must be a random value of at "
                                                f"least {GUEST_KEY_MIN} characters, such as a UUID.",
                             "input", "idempotencyKey")
    return key


def guest_scope(*, cart_id: str | None, client: str) -> str:
    """Where a guest's key lives. A cart's id is the guest's credential for it, so writes on a
    cart are scoped by the cart; other guest writes by the calling client (its address and user
    agent, hashed), so a replay is only ever returned to the client that made the first call."""
    if cart_id:
        return f"guest:{cart_id}"
    return f"guest-client:{client}"


def client_fingerprint(host: str | None, user_agent: str | None) -> str:
    return hashlib.sha256(f"{host or ''}\n{user_agent or ''}".encode()).hexdigest()[:40]


def check_key(key: str) -> str:
    if not key.strip() or len(key) > KEY_MAX or text_problem(key) is not None:
        raise DomainError.of(ErrorCode.INVALID, f"idempotencyKey must be 1 to {KEY_MAX} printable characters.",
                             "input", "idempotencyKey")
    return key


async def claim(session: AsyncSession, *, scope: str, operation: str, key: str, print_: str,
                now: datetime, ttl: timedelta) -> tuple[IdempotencyKey | None, StoredResult | None]:
    """(the new claim, None) for a first call; (None, stored result) for a repeat."""
    existing = await session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.scope == scope, IdempotencyKey.operation == operation, IdempotencyKey.key == key))
    if existing is not None and existing.expires_at <= now:
        await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == existing.id))
        existing = None
    if existing is not None:
        if existing.fingerprint != print_:
            raise DomainError.of(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                                 "This idempotency key was used with a different input; use a new key.",
                                 "input", "idempotencyKey")
        stored = orjson.loads(existing.response or "null")
        return None, StoredResult(stored["model"], stored["key"]) if stored else None
    row = IdempotencyKey(scope=scope, operation=operation, key=key, fingerprint=print_, created_at=now,
                         expires_at=now + ttl)
    try:
        session.add(row)
        await session.flush()
    except IntegrityError as exc:
        raise IdempotencyRace() from exc
    return row, None


def record(row: IdempotencyKey, result: Any) -> None:
    """Keep a reference to what the first call produced, to replay it."""
    if result is None:
        row.response = "null"
        return
    identity = result.__mapper__.primary_key_from_instance(result)
    row.response = canonical_json({"model": type(result).__name__, "key": identity[0]})
