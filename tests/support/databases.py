"""Test databases: a migrated template per backend, copied for every test.

SQLite: the template file is copied. PostgreSQL: `CREATE DATABASE ... TEMPLATE`. Both templates are
built by running the real Alembic migrations, so every test run also tests the migrations.
"""

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from app.migrations import upgrade

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def postgres_admin_url() -> str:
    return os.environ.get("COMMERCE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url()), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means unreachable
        return f"{type(exc).__name__}: {exc}"
    return None


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"
        upgrade(f"sqlite+aiosqlite:///{self.template}")

    def fresh(self) -> str:
        path = self.directory / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    def empty(self) -> str:
        """A database no migration has run on (for tests of the migrations themselves)."""
        return f"sqlite+aiosqlite:///{self.directory / f'{uuid.uuid4().hex}.db'}"


class PostgresTemplate:
    def __init__(self) -> None:
        self.name = f"commerce_tpl_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}"'))
        asyncio.run(_admin(f'CREATE DATABASE "{self.name}"'))
        upgrade(self.url(self.name))
        self.created: list[str] = []

    def url(self, database: str) -> str:
        return make_url(postgres_admin_url()).set(database=database).render_as_string(hide_password=False)

    async def fresh(self) -> str:
        name = f"commerce_t_{uuid.uuid4().hex[:16]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        self.created.append(name)
        return self.url(name)

    async def empty(self) -> str:
        """A database no migration has run on (for tests of the migrations themselves)."""
        name = f"commerce_t_{uuid.uuid4().hex[:16]}"
        await _admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url(name)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
