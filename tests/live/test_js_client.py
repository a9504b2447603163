"""Live order tracking with the client browsers and Node apps use: graphql-ws (as inside Apollo Client,
urql and Relay), run by Node against a real `commerce serve` (tests/js/track-order.mjs)."""

import pytest

from app.policy.permissions import Role
from tests.live.test_subscriptions import move, shipped_order
from tests.support.live import LiveClient
from tests.support.node import install_js_client, track_order
from tests.support.shop import Shop

FULFILLMENT_STEPS = ["PICKED", "SHIPPED", "IN_TRANSIT", "DELIVERED"]


@pytest.fixture(scope="session")
def node() -> str:
    return install_js_client()


async def test_graphql_ws_client_receives_every_status_change_in_order(
        shop: Shop, live: LiveClient, node: str) -> None:
    order, fulfillment_id, ann = await shipped_order(shop, live)
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    async with track_order(node, live.server.base_url, order["id"], token=ann,
                           order_events=2, fulfillment_events=len(FULFILLMENT_STEPS)) as tracker:
        await tracker.wait_until_subscribed(live, 2)
        for status in FULFILLMENT_STEPS:
            await move(live, staff, fulfillment_id, status)
        events = await tracker.events()
    fulfillment = [e for e in events if e["subscription"] == "fulfillmentUpdated"]
    assert [(e["fromStatus"], e["toStatus"]) for e in fulfillment] == [
        ("PENDING", "PICKED"), ("PICKED", "SHIPPED"), ("SHIPPED", "IN_TRANSIT"), ("IN_TRANSIT", "DELIVERED")]
    assert {e["fulfillment"]["id"] for e in fulfillment} == {fulfillment_id}
    assert fulfillment[-1]["fulfillment"]["trackingNumber"] == "1Z999"
    updates = [e for e in events if e["subscription"] == "orderUpdated"]
    assert [(e["fromStatus"], e["toStatus"]) for e in updates] == [("PROCESSING", "SHIPPED"),
                                                                   ("SHIPPED", "DELIVERED")]
    assert updates[-1]["order"] == {"id": order["id"], "status": "DELIVERED"}
