"""What every resolver shares: decoding ids from input, running a write as one unit of work."""

import inspect
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import strawberry

from app.context import Context
from app.domain.errors import DomainError, ErrorCode
from app.domain.validation import MOMENT_MAX_YEAR, MOMENT_MIN_YEAR, text_problem, utc_moment
from app.ids import decode_id, decode_int_id
from app.policy.reads import Readable, may_read
from app.services.idempotency import IdempotencyRace, check_guest_key
from app.services.idempotency import guest_scope as idempotency_guest_scope
from app.services.unit_of_work import UnitOfWork
from schema.common import user_errors
from schema.errors import PermissionDenied, PublicError, Unauthenticated

Info = strawberry.Info[Context, None]
TEXT_KEY_RE = re.compile(r"^[0-9a-f]{32}$")  # cart tokens (app/services/carts.new_cart_id)
P = TypeVar("P")


def currency(info: Info) -> str:
    return info.context.settings.currency


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


def query_text(value: str, argument: str, *, max_length: int) -> str:
    """A text argument of a read (a search, a slug); a coded INVALID error when it is too long or
    holds what stored text never holds (app/domain/validation.text_problem)."""
    if len(value) > max_length:
        raise PublicError(f"{argument} must be at most {max_length} characters.", "INVALID")
    problem = text_problem(value)
    if problem is not None:
        raise PublicError(f"{argument} {problem}.", "INVALID")
    return value


def query_moment(value: datetime, argument: str) -> datetime:
    """A point in time argument of a read, in UTC; a coded INVALID error outside the years
    1900 to 2200."""
    moment = utc_moment(value)
    if moment is None:
        raise PublicError(f"{argument} must fall in the years {MOMENT_MIN_YEAR} to {MOMENT_MAX_YEAR}.", "INVALID")
    return moment


async def write(info: Info, payload: Callable[..., P], input: Any, run: Callable[[UnitOfWork], Awaitable[Any]],
                present: Callable[[Any], Any]) -> P:
    """Run one write as one unit of work and show its result with `present`.

    A DomainError becomes the payload's userErrors and leaves nothing behind (the transaction
    rolls back). With an idempotency key, a repeat of the same input replays the first result,
    and a request that lost the race for the key replays the winner's.
    """
    key = getattr(input, "idempotency_key", None)
    data = {k: v for k, v in strawberry.asdict(input).items() if k != "idempotency_key"}
    guest_scope = None
    if info.context.viewer is None and key is not None:
        try:
            if not data.get("cart_id"):
                check_guest_key(key)
        except DomainError as refusal:
            return payload(user_errors=user_errors(refusal))
        guest_scope = idempotency_guest_scope(cart_id=data.get("cart_id"), client=info.context.client)
    ttl = timedelta(hours=info.context.settings.idempotency_ttl_hours)
    for _attempt in range(3):
        try:
            async with info.context.unit_of_work() as uow:
                if key is not None:
                    stored = await uow.claim(operation=info.field_name, key=key, data=data, ttl=ttl,
                                             scope=guest_scope)
                    if stored is not None:
                        return payload(**await _shown(present, await uow.load(stored)))
                return payload(**await _shown(present, await run(uow)))
        except DomainError as refusal:
            return payload(user_errors=user_errors(refusal))
        except IdempotencyRace:
            continue
    raise RuntimeError(f"idempotency key of {info.field_name} kept changing hands")


async def _shown(present: Callable[[Any], Any], entity: Any) -> dict[str, Any]:
    shown = present(entity)
    return await shown if inspect.isawaitable(shown) else shown  # type: ignore[no-any-return]


def input_key(global_id: str, type_name: str, *field: str) -> str:
    """The (text) key inside a global id from mutation input, e.g. a cart's token."""
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] != type_name or not TEXT_KEY_RE.match(decoded[1]):
        raise DomainError.of(ErrorCode.INVALID, f"That is not a valid {type_name} id.", "input", *field)
    return decoded[1]


def require_read(info: Info, what: Readable) -> None:
    """Top-level error for a root field whose whole result the read policy keeps from the viewer."""
    viewer = info.context.viewer
    if may_read(viewer, what):
        return
    if viewer is None:
        raise Unauthenticated()
    raise PermissionDenied()
