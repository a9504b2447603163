"""Fixtures: every API and service test runs on SQLite and on PostgreSQL.

PostgreSQL is COMMERCE_TEST_POSTGRES_URL (default: the local server). When it is unreachable its
tests are skipped, and say so; with CI=true they fail instead.
"""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.db import Database
from app.settings import Settings
from tests.support.client import GraphQLClient, running_client
from tests.support.databases import PostgresTemplate, SqliteTemplate, postgres_admin_url, postgres_reachable

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
TEST_AUDIT_KEY = "test-audit-key-kept-outside-the-database"


def pytest_configure(config: pytest.Config) -> None:
    # Every Settings() of the run, migrations and the `commerce serve` processes of live tests key
    # the audit chain alike (the processes inherit the environment).
    os.environ["COMMERCE_AUDIT_KEY"] = TEST_AUDIT_KEY
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(Path(tmp_path_factory.mktemp("sqlite")))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    problem = postgres_reachable()
    if problem:
        message = f"PostgreSQL not reachable at {postgres_admin_url()} ({problem})"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(f"{message}; set COMMERCE_TEST_POSTGRES_URL to run the PostgreSQL tests")
    template = PostgresTemplate()
    yield template
    template.close()


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("COMMERCE_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means unreachable
        message = f"Redis not reachable at {url} ({type(exc).__name__}: {exc})"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(f"{message}; set COMMERCE_TEST_REDIS_URL to run the Redis tests")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def template(backend: str, request: pytest.FixtureRequest) -> SqliteTemplate | PostgresTemplate:
    # A sync fixture: templates are built outside the test's event loop.
    return request.getfixturevalue(f"{backend}_template")  # type: ignore[no-any-return]


@pytest.fixture
async def database_url(template: SqliteTemplate | PostgresTemplate) -> AsyncIterator[str]:
    if isinstance(template, SqliteTemplate):
        yield template.fresh()
        return
    url = await template.fresh()
    yield url
    await template.release(url)


@pytest.fixture
async def unmigrated_url(template: SqliteTemplate | PostgresTemplate) -> AsyncIterator[str]:
    """A database no migration has run on, for tests of the migrations themselves."""
    if isinstance(template, SqliteTemplate):
        yield template.empty()
        return
    url = await template.empty()
    yield url
    await template.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No background relay in ASGI tests: its polling would show up in statement counts. Tests of
    # the relay, subscriptions and webhooks run real servers (tests/live).
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with running_client(settings) as c:
        yield c


@pytest.fixture
def db(client: GraphQLClient) -> Database:
    return client.db
