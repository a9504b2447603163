"""Small steps every service shares: the permission gate and the unique-constraint guard."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError

from app.domain.errors import DomainError, ErrorCode
from app.policy.decisions import Decision
from app.policy.permissions import Permission, has_permission
from app.services.unit_of_work import Actor


def require(actor: Actor, permission: Permission) -> None:
    if actor.viewer is None:
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "Sign in to do this.")
    if not has_permission(actor.roles, permission):
        raise DomainError.of(ErrorCode.PERMISSION_DENIED, "Your role does not allow this.")


@asynccontextmanager
async def unique_guard(message: str, *field: str) -> AsyncIterator[None]:
    """Turn a unique-constraint race (two writers, same slug) into the same INVALID a
    pre-check would have given, instead of a 500."""
    try:
        yield
    except IntegrityError as exc:
        raise DomainError.of(ErrorCode.INVALID, message, "input", *field) from exc


def enforce(decision: Decision, *field: str) -> None:
    """Raise a policy refusal as a DomainError (the input field path is optional)."""
    if not decision.allowed:
        raise DomainError.of(decision.code or ErrorCode.PERMISSION_DENIED, decision.message,
                             *(("input", *field) if field else ()))
