"""Two `commerce serve` processes on one PostgreSQL and one Redis: a subscriber on one process
sees the updates made through the other."""

import pytest

from app.db import Database
from app.policy.permissions import Role
from tests.conftest import TEST_SECRET
from tests.live.conftest import FAST
from tests.live.test_subscriptions import FULFILLMENT_UPDATES, move
from tests.support.live import LiveClient, live_server
from tests.support.shop import FULFILLMENT_CREATE, build_shop
from tests.support.ws import subscribe

pytestmark = pytest.mark.redis


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_subscriber_on_one_process_sees_updates_made_through_another(
        database_url: str, db: Database, redis_url: str) -> None:
    env = {**FAST, "COMMERCE_REDIS_URL": redis_url}
    async with live_server(database_url, TEST_SECRET, extra_env=env) as writer, \
            live_server(database_url, TEST_SECRET, extra_env=env) as reader:
        live_writer, live_reader = LiveClient(writer, db, TEST_SECRET), LiveClient(reader, db, TEST_SECRET)
        shop = await build_shop(live_writer)  # type: ignore[arg-type]
        ann = await shop.token("ann@example.com", Role.CUSTOMER)
        staff = await shop.token("picker@example.com", Role.FULFILLMENT)
        order = await shop.order({"TEE-0": 1}, key="scaled", token=ann)
        await live_writer.wait_until_relayed()
        async with subscribe(reader.base_url, FULFILLMENT_UPDATES, {"id": order["id"]}, token=ann) as sub:
            await live_reader.wait_for_subscriptions(1)
            created = await live_writer.data(FULFILLMENT_CREATE, {"input": {"orderId": order["id"],
                                                                            "idempotencyKey": "f"}}, token=staff)
            fulfillment_id = created["fulfillmentCreate"]["fulfillment"]["id"]
            await move(live_writer, staff, fulfillment_id, "PICKED")
            seen = [(await sub.next())["payload"]["data"]["fulfillmentUpdated"] for _ in range(2)]
        readiness = (await reader.http.get("/readyz")).json()
    assert [(u["fromStatus"], u["toStatus"]) for u in seen] == [(None, "PENDING"), ("PENDING", "PICKED")]
    assert readiness["broker"] == "ok"
