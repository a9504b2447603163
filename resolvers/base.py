"""What every resolver shares: decoding ids from input, running a write as one unit of work."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from app.context import Context
from app.domain.errors import DomainError, ErrorCode
from app.ids import decode_int_id
from app.policy.permissions import Permission, has_permission
from app.services.unit_of_work import UnitOfWork
from schema.common import user_errors
from schema.errors import PermissionDenied, PublicError, Unauthenticated

Info = strawberry.Info[Context, None]
P = TypeVar("P")


def input_pk(global_id: str | None, type_name: str, *field: str) -> int | None:
    """The key inside a global id from mutation input; INVALID (with the field path) when the id
    is not one of ours or names another type."""
    if global_id is None:
        return None
    pk = decode_int_id(global_id, type_name)
    if pk is None:
        raise DomainError.of(ErrorCode.INVALID, f"That is not a valid {type_name} id.", "input", *field)
    return pk


def query_pk(global_id: str, type_name: str, argument: str) -> int:
    pk = decode_int_id(global_id, type_name)
    if pk is None:
        raise PublicError(f"{argument} is not a valid {type_name} id.", "INVALID")
    return pk


async def write(info: Info, payload: Callable[..., P], run: Callable[[UnitOfWork], Awaitable[Any]]) -> P:
    """Run one write as one unit of work; a DomainError becomes the payload's userErrors and
    leaves nothing behind (the transaction is rolled back)."""
    try:
        async with info.context.unit_of_work() as uow:
            return payload(**await run(uow))
    except DomainError as refusal:
        return payload(user_errors=user_errors(refusal))


def require_query(info: Info, permission: Permission) -> None:
    """Top-level error for a query the viewer may not run."""
    viewer = info.context.viewer
    if viewer is None:
        raise Unauthenticated()
    if not has_permission(viewer.roles, permission):
        raise PermissionDenied()


def require_staff(info: Info) -> None:
    viewer = info.context.viewer
    if viewer is None:
        raise Unauthenticated()
    if not viewer.is_staff:
        raise PermissionDenied()
