"""Batch functions for aiodataloader: each batch is one statement on its own short connection
(never one session shared by concurrently resolving fields)."""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import ColumnElement, Row, Select

from app.db import Database
from app.pagination import Listing

BatchFn = Callable[[Sequence[Any]], Awaitable[list[Any]]]


def one_per_key(db: Database, query: Callable[[Sequence[Any]], Select[Any]], key: str = "id") -> DataLoader:
    """Row (or None) per key."""

    async def batch(keys: Sequence[Any]) -> list[Row[Any] | None]:
        async with db.read() as conn:
            rows = (await conn.execute(query(keys))).all()
        found = {getattr(row, key): row for row in rows}
        return [found.get(k) for k in keys]

    return DataLoader(batch, max_batch_size=500)


def many_per_key(db: Database, query: Callable[[Sequence[Any]], Select[Any]], key: str) -> DataLoader:
    """List of rows per key, in the statement's order."""

    async def batch(keys: Sequence[Any]) -> list[list[Row[Any]]]:
        async with db.read() as conn:
            rows = (await conn.execute(query(keys))).all()
        groups: dict[Any, list[Row[Any]]] = defaultdict(list)
        for row in rows:
            groups[getattr(row, key)].append(row)
        return [groups.get(k, []) for k in keys]

    return DataLoader(batch, max_batch_size=500)


def value_per_key(db: Database, query: Callable[[Sequence[Any]], Select[Any]], default: Any) -> DataLoader:
    """A scalar per key from a statement yielding (key, value) rows."""

    async def batch(keys: Sequence[Any]) -> list[Any]:
        async with db.read() as conn:
            found = dict((await conn.execute(query(keys))).all())
        return [found.get(k, default) for k in keys]

    return DataLoader(batch, max_batch_size=500)


def page_per_key(db: Database, listing: Listing) -> DataLoader:
    """A page of a nested listing per (owner id, PageRequest) key (Listing.owner_pages)."""
    return DataLoader(partial(listing.owner_pages, db), max_batch_size=500)


def in_keys(column: ColumnElement[Any], keys: Sequence[Any]) -> ColumnElement[bool]:
    return column.in_(list(keys))
