"""Live-server fixtures: a seeded store behind a real `commerce serve`."""

from collections.abc import AsyncIterator

import pytest

from app.db import Database
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET
from tests.support.live import LiveClient, live_server
from tests.support.shop import Shop, build_shop

# Webhook receivers in these tests listen on loopback, which is refused unless private addresses are allowed.
FAST = {"COMMERCE_RELAY_POLL_SECONDS": "0.05", "COMMERCE_WEBHOOK_RETRY_BASE_SECONDS": "0.05",
        "COMMERCE_WAREHOUSE_WEBHOOK_SECRET": "whsec_dGVzdC13YXJlaG91c2Utc2VjcmV0LWtleQ==",
        "COMMERCE_WEBHOOK_ALLOW_PRIVATE": "true"}


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, audit_key=TEST_AUDIT_KEY)
    yield database
    await database.dispose()


@pytest.fixture
async def live(database_url: str, db: Database) -> AsyncIterator[LiveClient]:
    async with live_server(database_url, TEST_SECRET, extra_env=FAST) as server:
        yield LiveClient(server, db, TEST_SECRET)


@pytest.fixture
async def shop(live: LiveClient) -> Shop:
    return await build_shop(live)  # type: ignore[arg-type]
