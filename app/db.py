"""Engines and the unit of work.

SQLite (the embedded default) runs in WAL mode with a busy timeout; write transactions start with
`BEGIN IMMEDIATE` so that two writers never both read and then fail to upgrade their lock, and
reads use a separate engine with ordinary deferred transactions. PostgreSQL uses one pool for both.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_engine(url: str, *, begin: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_size=8, max_overflow=8)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Database:
    """The engines of one process, and the key of the audit chain written and verified through
    them (COMMERCE_AUDIT_KEY, kept outside the database). Built in the app lifespan (or a CLI
    command), disposed at exit."""

    def __init__(self, url: str, *, audit_key: str, echo: bool = False) -> None:
        self.url = url
        self.audit_key = audit_key.encode()
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, begin="BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(url, begin="BEGIN")
        else:
            self.write_engine = create_async_engine(url, pool_size=10, max_overflow=20, echo=echo,
                                                    pool_pre_ping=False)
            self.read_engine = self.write_engine

    @property
    def sync_engines(self) -> list[Engine]:
        engines = [self.write_engine.sync_engine]
        if self.read_engine is not self.write_engine:
            engines.append(self.read_engine.sync_engine)
        return engines

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A short read-only connection: one loader batch or one list query."""
        async with self.read_engine.connect() as connection:
            yield connection

    def write_session(self) -> AsyncSession:
        return AsyncSession(self.write_engine, expire_on_commit=False, autoflush=True)

    async def ping(self) -> None:
        async with self.read_engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
