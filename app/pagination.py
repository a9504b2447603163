"""Cursor pagination: argument checks, opaque cursors and keyset (seek) conditions.

Pages are cut with `(sort key, id) > cursor` on an index, never OFFSET, so a cursor stays valid
and stable while rows are inserted before or after it.
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, Integer, Select, String, literal, tuple_

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


class PaginationError(ValueError):
    """Bad first/last/after/before: reported as a readable top-level GraphQL error."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    cursor: tuple[Any, ...] | None
    backward: bool
    has_cursor: bool

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.limit, self.cursor, self.backward)


def encode_cursor(kind: str, values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([kind, *values])).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> tuple[Any, ...]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise PaginationError("The cursor is not valid.") from exc
    if not isinstance(raw, list) or not raw or raw[0] != kind:
        raise PaginationError("The cursor belongs to another list or sort order; start again without it.")
    return tuple(raw[1:])


def page_request(*, first: int | None, after: str | None, last: int | None, before: str | None,
                 kind: str) -> PageRequest:
    if first is not None and last is not None:
        raise PaginationError("Pass either first or last, not both.")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise PaginationError(f"{name} must be between 0 and {MAX_PAGE_SIZE}.")
    if len(after or "") > 1000 or len(before or "") > 1000:
        raise PaginationError("The cursor is not valid.")
    backward = last is not None or (before is not None and first is None)
    if backward:
        if after is not None:
            raise PaginationError("Use after with first, and before with last.")
        cursor = decode_cursor(before, kind) if before else None
        return PageRequest(last if last is not None else DEFAULT_PAGE_SIZE, cursor, True, cursor is not None)
    if before is not None:
        raise PaginationError("Use after with first, and before with last.")
    cursor = decode_cursor(after, kind) if after else None
    return PageRequest(first if first is not None else DEFAULT_PAGE_SIZE, cursor, False, cursor is not None)


def seek(stmt: Select[Any], keys: Sequence[ColumnElement[Any]], *, descending: bool,
         page: PageRequest) -> Select[Any]:
    """Order by `keys` (the last one unique) and cut the page after or before the cursor."""
    reverse = descending != page.backward
    if page.cursor is not None:
        if len(page.cursor) != len(keys) or not all(map(_fits, keys, page.cursor)):
            raise PaginationError("The cursor is not valid.")
        bound = tuple_(*(literal(value, key.type) for key, value in zip(keys, page.cursor, strict=True)))
        row = tuple_(*keys)
        stmt = stmt.where(row < bound if reverse else row > bound)
    order = [key.desc() if reverse else key.asc() for key in keys]
    return stmt.order_by(*order).limit(page.limit + 1)


def _fits(key: ColumnElement[Any], value: Any) -> bool:
    """Whether a cursor value can be compared with its column (a forged cursor is refused, not a 500)."""
    from models.base import Amount, UTCDateTime

    kind = key.type
    if isinstance(kind, Amount):
        return isinstance(value, Decimal) and value.is_finite() and abs(value) < 10**15
    if isinstance(kind, UTCDateTime):
        return isinstance(value, datetime) and value.tzinfo is not None
    if isinstance(kind, Integer):
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31 - 1
    if isinstance(kind, String):
        return isinstance(value, str) and "\x00" not in value and len(value) <= 1000
    return False


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool


def cut_page(rows: Sequence[T], page: PageRequest) -> Page[T]:
    """Rows fetched with `seek` (limit + 1) -> the page in display order and its neighbours' flags."""
    more = len(rows) > page.limit
    items = list(rows[: page.limit])
    if page.backward:
        items.reverse()
        return Page(items, has_next=page.has_cursor, has_previous=more)
    return Page(items, has_next=more, has_previous=page.has_cursor)
