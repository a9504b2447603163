"""Cursor pagination: argument checks, opaque cursors, and `Listing`, the one keyset-paged list.

Pages are cut with `(sort key, id) > cursor` on an index, never OFFSET, so a cursor stays valid
and stable while rows are inserted before or after it.
"""

import base64
import binascii
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import ColumnElement, Float, Integer, Row, Select, String, func, literal, select, tuple_

from app.db import Database

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


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool
    has_previous: bool


def cut_page(rows: Sequence[T], page: PageRequest) -> Page[T]:
    """Rows fetched past the cursor (limit + 1) -> the page in display order and its neighbours' flags."""
    more = len(rows) > page.limit
    items = list(rows[: page.limit])
    if page.backward:
        items.reverse()
        return Page(items, has_next=page.has_cursor, has_previous=more)
    return Page(items, has_next=more, has_previous=page.has_cursor)


def _no_filter() -> tuple[ColumnElement[bool], ...]:
    return ()


@dataclass(frozen=True, slots=True, eq=False)
class Listing:
    """One keyset-paged list, declared once: the kind of its cursors (a cursor of another list or
    order is refused), its rows, its sort keys (the last one unique) and direction, and its filter
    (arguments -> conditions). `filtered(...)` binds the filter's arguments; `page` and `count` run
    the list, each on its own short connection.

    The rows of a nested listing (a page per parent) carry an `owner_id` column: `owner_pages` and
    `owner_counts` serve a batch of parents in one statement."""

    kind: str
    rows: Select[Any]
    keys: tuple[ColumnElement[Any], ...]
    descending: bool = False
    where: Callable[..., Iterable[ColumnElement[bool]]] = _no_filter
    conditions: tuple[ColumnElement[bool], ...] = ()
    # What `count` counts, when cheaper than `rows` (a search's rows compute a rank for every match).
    counted: Select[Any] | None = None

    def filtered(self, *args: Any, **kwargs: Any) -> "Listing":
        return replace(self, conditions=tuple(self.where(*args, **kwargs)))

    def request(self, *, first: int | None, after: str | None, last: int | None = None,
                before: str | None = None) -> PageRequest:
        return page_request(first=first, after=after, last=last, before=before, kind=self.kind)

    def cursor(self, row: Any) -> str:
        return encode_cursor(self.kind, [_cursor_value(getattr(row, key.key)) for key in self.keys])

    async def page(self, db: Database, request: PageRequest) -> Page[Row[Any]]:
        stmt = self._after(self.rows.where(*self.conditions), request)
        stmt = stmt.order_by(*self._order(request)).limit(request.limit + 1)
        async with db.read() as conn:
            return cut_page((await conn.execute(stmt)).all(), request)

    async def count(self, db: Database) -> int:
        rows = self.rows if self.counted is None else self.counted
        stmt = rows.where(*self.conditions).with_only_columns(func.count(), maintain_column_froms=True)
        async with db.read() as conn:
            return int(await conn.scalar(stmt) or 0)

    async def owner_pages(self, db: Database, keys: Sequence[tuple[Any, PageRequest]]) -> list[Page[Row[Any]]]:
        """A page per (owner id, request): one windowed statement per distinct request, where
        ROW_NUMBER() per owner cuts each owner's page."""
        owner = self.rows.selected_columns.owner_id
        batches: dict[tuple[Any, ...], tuple[PageRequest, list[Any]]] = {}
        for owner_id, request in keys:
            batches.setdefault(request.key, (request, []))[1].append(owner_id)
        pages: dict[tuple[Any, tuple[Any, ...]], Page[Row[Any]]] = {}
        for request_key, (request, owner_ids) in batches.items():
            stmt = self._after(self.rows.where(owner.in_(owner_ids), *self.conditions), request)
            ranked = stmt.add_columns(func.row_number().over(
                partition_by=owner, order_by=self._order(request)).label("rn")).subquery()
            final = select(ranked).where(ranked.c.rn <= request.limit + 1).order_by(ranked.c.owner_id, ranked.c.rn)
            async with db.read() as conn:
                rows = (await conn.execute(final)).all()
            grouped: dict[Any, list[Row[Any]]] = defaultdict(list)
            for row in rows:
                grouped[row.owner_id].append(row)
            for owner_id in owner_ids:
                pages[(owner_id, request_key)] = cut_page(grouped.get(owner_id, []), request)
        return [pages[(owner_id, request.key)] for owner_id, request in keys]

    def owner_counts(self, owner_ids: Sequence[Any]) -> Select[Any]:
        """(owner id, number of rows) of each of these owners that has rows."""
        owner = self.rows.selected_columns.owner_id
        return (self.rows.where(owner.in_(list(owner_ids)), *self.conditions)
                .with_only_columns(owner, func.count(self.keys[-1])).group_by(owner))

    def _order(self, request: PageRequest) -> list[ColumnElement[Any]]:
        return [key.desc() if self._reverse(request) else key.asc() for key in self.keys]

    def _reverse(self, request: PageRequest) -> bool:
        """Whether the statement walks the list from its end: a descending list, or a `last` page."""
        return self.descending != request.backward

    def _after(self, stmt: Select[Any], request: PageRequest) -> Select[Any]:
        """`stmt` narrowed to the rows after the cursor in the page's direction (before it for `last`)."""
        if request.cursor is None:
            return stmt
        values = _cursor_values(self.keys, request.cursor)
        bound = tuple_(*(literal(value, key.type) for key, value in zip(self.keys, values, strict=True)))
        row = tuple_(*self.keys)
        return stmt.where(row < bound if self._reverse(request) else row > bound)


def _cursor_value(value: Any) -> Any:
    """A sort key's value as a cursor holds it: amounts and moments as text, the rest (ids, names,
    search ranks as floats, which JSON round-trips exactly) as is."""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _cursor_values(keys: Sequence[ColumnElement[Any]], cursor: tuple[Any, ...]) -> tuple[Any, ...]:
    """A cursor's values, typed and checked for their columns: a forged cursor is refused, not a 500."""
    try:
        if len(cursor) != len(keys):
            raise ValueError(cursor)
        return tuple(map(_typed, keys, cursor))
    except (ValueError, InvalidOperation) as exc:
        raise PaginationError("The cursor is not valid.") from exc


def _typed(key: ColumnElement[Any], value: Any) -> Any:
    """A cursor value as its column compares it (amounts and moments are held as text); ValueError
    when it cannot be compared with it."""
    from models.base import Amount, UTCDateTime

    kind = key.type
    if isinstance(kind, Amount):
        value = Decimal(value) if isinstance(value, str) else value
        fits = isinstance(value, Decimal) and value.is_finite() and abs(value) < 10**15
    elif isinstance(kind, UTCDateTime):
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        fits = isinstance(value, datetime) and value.tzinfo is not None
    elif isinstance(kind, Integer):
        fits = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31 - 1
    elif isinstance(kind, String):
        fits = isinstance(value, str) and "\x00" not in value and len(value) <= 1000
    elif isinstance(kind, Float):  # a search rank: JSON keeps a double exactly, so it compares equal
        fits = isinstance(value, float) and math.isfinite(value)
    else:
        fits = False
    if not fits:
        raise ValueError(value)
    return value
