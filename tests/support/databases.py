"""Test databases: a migrated template per backend, a clean copy for every test.

SQLite: the template file is copied. PostgreSQL: `CREATE DATABASE ... TEMPLATE`, and after the test
the database is emptied and kept for the next test of the same worker (creating and dropping one
costs a checkpoint each, most of a short test's time). A database is only reused when its schema is
still the template's (a test that dropped a trigger or ran a downgrade gets its copy dropped).
Both templates are built by running the real Alembic migrations, so every test run also tests the
migrations.
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


# Everything a test could change about a schema, as one digest: tables, columns, constraints,
# triggers (and whether they are enabled), functions and the migration version.
SCHEMA_DIGEST = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
  SELECT 'rel:' || c.relname || ':' || c.relkind::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'col:' || c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod)
         || ':' || a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con:' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'trg:' || tgname || ':' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL
  SELECT 'fn:' || proname || ':' || md5(prosrc) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'ver:' || version_num FROM alembic_version
) AS schema(item)
"""


class PostgresTemplate:
    def __init__(self) -> None:
        self.name = f"commerce_tpl_{os.getpid()}"
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}"'))
        asyncio.run(_admin(f'CREATE DATABASE "{self.name}"'))
        upgrade(self.url(self.name))
        self.created: list[str] = []
        self.idle: list[str] = []  # emptied copies ready for the next test
        self.digest, self.reset_sql = asyncio.run(self._inspect_template())

    def url(self, database: str) -> str:
        return make_url(postgres_admin_url()).set(database=database).render_as_string(hide_password=False)

    async def _inspect_template(self) -> tuple[str, str]:
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url(), self.name), timeout=5)
        try:
            digest = await conn.fetchval(SCHEMA_DIGEST)
            tables = [row[0] for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            sequences = [row[0] for row in await conn.fetch(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
            if await conn.fetchval("SELECT count(*) FROM (" + " UNION ALL ".join(
                    f'SELECT 1 FROM "{t}"' for t in tables) + ") AS rows_in_template"):
                raise RuntimeError("the migrated template holds rows: emptying a test database would lose them")
        finally:
            await conn.close()
        # Replica mode skips triggers (the audit table refuses DELETE) and foreign-key checks.
        reset = ["SET session_replication_role = replica", *(f'DELETE FROM "{t}"' for t in tables),
                 *(f'ALTER SEQUENCE "{s}" RESTART' for s in sequences), "SET session_replication_role = origin"]
        return digest, ";\n".join(reset)

    async def fresh(self) -> str:
        if self.idle:
            return self.url(self.idle.pop())
        name = f"commerce_t_{uuid.uuid4().hex[:16]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"')
        self.created.append(name)
        return self.url(name)

    async def release(self, url: str) -> None:
        """After a test: empty its database for the next test, or drop it when its schema changed."""
        name = make_url(url).database
        assert name is not None
        conn = await asyncpg.connect(_asyncpg_dsn(postgres_admin_url(), name), timeout=5)
        try:
            # Connections a test left open (a server process, an undisposed engine) go first.
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            reusable = await conn.fetchval(SCHEMA_DIGEST) == self.digest
            if reusable:
                await conn.execute(self.reset_sql)
        finally:
            await conn.close()
        if reusable:
            self.idle.append(name)
        else:
            await self.drop(url)

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
        for name in [*self.idle, self.name]:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
