"""Sign-in sessions: refresh tokens that rotate within the family of one sign-in.

A refresh token is an opaque random string; only its sha256 is stored. Each sign-in (tokenCreate,
customerRegister) starts a family. tokenRefresh spends the presented token and issues its successor
in the same family; a spent token presented again means two parties hold it (a thief and the user),
so the whole family is revoked and both must sign in again. tokenRevoke (sign-out) revokes the
family; deactivation, a role change or a password change revoke every family of the user
(`revoke_user_sessions`).

Lock order, shared with app/services/accounts.py: the user's row, then their refresh tokens. Every
write here locks the user's row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite writers are
serialised by BEGIN IMMEDIATE), so a sign-in or refresh racing a deactivation either finishes first
(and its new token is revoked with the others) or sees the user inactive.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, func, select, update

from app.auth import Viewer, known_roles
from app.domain.errors import DomainError, ErrorCode
from app.services.unit_of_work import UnitOfWork
from models import Customer, RefreshToken, User

# Issued tokens are 43 characters; anything much longer is not one of ours (and is not hashed).
REFRESH_TOKEN_MAX = 200


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A session's viewer and its current refresh token (the token is shown once, never stored)."""

    viewer: Viewer
    refresh_token: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _invalid() -> DomainError:
    return DomainError.of(ErrorCode.INVALID_TOKEN,
                          "That refresh token is unknown, expired, already used or revoked; sign in again.",
                          "input", "refreshToken")


async def _locked_user(uow: UnitOfWork, user_id: int) -> Row[Any] | None:
    """The user's row, locked against role changes and deactivation until this unit of work ends."""
    return (await uow.session.execute(
        select(User.id, User.email, User.roles, User.is_active, Customer.id.label("customer_id"))
        .outerjoin(Customer, Customer.user_id == User.id)
        .where(User.id == user_id)
        .with_for_update(of=User))).first()


async def _issue(uow: UnitOfWork, *, user_id: int, family_id: str, lifetime: timedelta) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    row = RefreshToken(user_id=user_id, family_id=family_id, token_hash=token_digest(token),
                       created_at=uow.now, expires_at=uow.now + lifetime)
    uow.session.add(row)
    await uow.session.flush()
    return token, row.id


async def start_session(*, uow: UnitOfWork, user_id: int, lifetime: timedelta) -> SignedIn:
    """A new sign-in family for an active user, with its first refresh token. The caller commits
    (signing in and signing up are one unit of work each)."""
    user = await _locked_user(uow, user_id)
    if user is None or not user.is_active:
        raise DomainError.of(ErrorCode.INVALID_CREDENTIALS, "E-mail or password is incorrect.", "input")
    token, _ = await _issue(uow, user_id=user_id, family_id=uuid.uuid4().hex, lifetime=lifetime)
    return SignedIn(_viewer(user), token)


def _viewer(user: Row[Any]) -> Viewer:
    return Viewer(user_id=user.id, email=user.email, roles=known_roles(user.roles),
                  customer_id=user.customer_id)


async def _presented(uow: UnitOfWork, refresh_token: str) -> Row[Any]:
    if not refresh_token or len(refresh_token) > REFRESH_TOKEN_MAX or not refresh_token.isascii():
        raise _invalid()
    row = (await uow.session.execute(
        select(RefreshToken.id, RefreshToken.user_id, RefreshToken.family_id, RefreshToken.expires_at,
               RefreshToken.used_at, RefreshToken.revoked_at)
        .where(RefreshToken.token_hash == token_digest(refresh_token)))).first()
    if row is None:
        raise _invalid()
    return row


async def _revoke_family(uow: UnitOfWork, family_id: str) -> int:
    result = await uow.session.execute(
        update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=uow.now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def _end_family_on_reuse(uow: UnitOfWork, presented: Row[Any]) -> DomainError:
    """A spent token came back: revoke its family, audit it, commit; the caller raises the error."""
    revoked = await _revoke_family(uow, presented.family_id)
    uow.audit(action="session.reuse", subject_type="User", subject_id=presented.user_id,
              data={"family": presented.family_id, "tokensRevoked": revoked})
    await uow.commit()
    return _invalid()


async def refresh_session(*, uow: UnitOfWork, refresh_token: str, lifetime: timedelta) -> SignedIn:
    """Spend a live refresh token for its successor in the same family. The viewer (and so the new
    access token) has the user's current roles. A spent token revokes its family (committed, then
    INVALID_TOKEN); an unknown, expired or revoked one is INVALID_TOKEN and changes nothing."""
    presented = await _presented(uow, refresh_token)
    if presented.revoked_at is not None:
        raise _invalid()
    user = await _locked_user(uow, presented.user_id)
    if presented.used_at is not None:  # expired or not: its successors may still be live
        raise await _end_family_on_reuse(uow, presented)
    if presented.expires_at <= uow.now or user is None or not user.is_active:
        raise _invalid()
    # Only one of two concurrent refreshes of the same token spends it: once the winner has
    # committed, the loser's conditional UPDATE matches no row (PostgreSQL evaluates it against the
    # committed row; SQLite runs one writer at a time), and the loser is a reuse.
    spent = await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == presented.id, RefreshToken.used_at.is_(None),
               RefreshToken.revoked_at.is_(None))
        .values(used_at=uow.now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        now_used = await uow.session.scalar(
            select(RefreshToken.used_at).where(RefreshToken.id == presented.id))
        if now_used is None:  # revoked meanwhile (sign-out, deactivation)
            raise _invalid()
        raise await _end_family_on_reuse(uow, presented)
    token, successor = await _issue(uow, user_id=presented.user_id, family_id=presented.family_id,
                                    lifetime=lifetime)
    await uow.session.execute(
        update(RefreshToken).where(RefreshToken.id == presented.id).values(replaced_by_id=successor)
        .execution_options(synchronize_session=False))
    await uow.commit()
    return SignedIn(_viewer(user), token)


async def revoke_session(*, uow: UnitOfWork, refresh_token: str) -> None:
    """Sign out: revoke the family of a known refresh token (used, expired or revoked ones too, so
    that a retried sign-out succeeds). INVALID_TOKEN for a token that was never issued."""
    presented = await _presented(uow, refresh_token)
    await _locked_user(uow, presented.user_id)
    revoked = await _revoke_family(uow, presented.family_id)
    if revoked:
        uow.audit(action="session.revoke", subject_type="User", subject_id=presented.user_id,
                  data={"family": presented.family_id, "tokensRevoked": revoked})
        await uow.commit()


async def revoke_user_sessions(*, uow: UnitOfWork, user_id: int) -> int:
    """Revoke every refresh token of a user: the one hook for deactivation, role changes and
    password changes. Returns how many sign-ins it ended (live tokens: one per family at most).
    The caller holds the user's row lock (it has just updated it), audits the change with that
    count, and commits."""
    live = await uow.session.scalar(
        select(func.count()).select_from(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.used_at.is_(None),
               RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > uow.now))
    await uow.session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=uow.now).execution_options(synchronize_session=False))
    return int(live or 0)
