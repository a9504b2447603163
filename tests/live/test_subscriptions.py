"""Live order tracking over graphql-transport-ws against a running server."""

import time

import orjson
import pytest
import websockets.exceptions

from app.integrations.signatures import signed_headers
from app.policy.permissions import Role
from tests.live.conftest import FAST
from tests.support.live import LiveClient
from tests.support.shop import FULFILLMENT_CREATE, FULFILLMENT_UPDATE, Shop
from tests.support.ws import subscribe

FULFILLMENT_UPDATES = """
subscription($id: ID) { fulfillmentUpdated(orderId: $id) {
  fromStatus toStatus occurredAt fulfillment { id status carrier trackingNumber order { number status } } } }
"""
ORDER_UPDATES = "subscription($id: ID!) { orderUpdated(orderId: $id) { fromStatus toStatus order { status } } }"
EVERY_ORDER_UPDATE = ("subscription($id: ID) { orderUpdated(orderId: $id) "
                      "{ fromStatus toStatus order { id number status email } } }")
WAREHOUSE_SECRET = FAST["COMMERCE_WAREHOUSE_WEBHOOK_SECRET"]


async def shipped_order(shop: Shop, live: LiveClient) -> tuple[dict, str, str]:
    """A confirmed order of the customer ann, and a PENDING fulfillment of it."""
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await shop.order({"TEE-0": 1}, key="tracked", token=ann)
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    created = await live.data(FULFILLMENT_CREATE, {"input": {"orderId": order["id"], "idempotencyKey": "f"}},
                              token=staff)
    await live.wait_until_relayed()
    return order, created["fulfillmentCreate"]["fulfillment"]["id"], ann


async def move(live: LiveClient, staff: str, fulfillment_id: str, status: str) -> None:
    result = await live.data(FULFILLMENT_UPDATE, {"input": {
        "fulfillmentId": fulfillment_id, "status": status, "carrier": "UPS", "trackingNumber": "1Z999",
        "idempotencyKey": f"move-{status}"}}, token=staff)
    assert result["fulfillmentUpdate"]["userErrors"] == []


async def test_subscriber_sees_each_fulfillment_step_in_order(shop: Shop, live: LiveClient) -> None:
    order, fulfillment_id, ann = await shipped_order(shop, live)
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    async with subscribe(live.server.base_url, FULFILLMENT_UPDATES, {"id": order["id"]}, token=ann) as sub:
        await live.wait_for_subscriptions(1)
        steps = ["PICKED", "SHIPPED", "IN_TRANSIT", "DELIVERED"]
        for status in steps:
            await move(live, staff, fulfillment_id, status)
        seen = [(await sub.next())["payload"]["data"]["fulfillmentUpdated"] for _ in steps]
    assert [(u["fromStatus"], u["toStatus"]) for u in seen] == [
        ("PENDING", "PICKED"), ("PICKED", "SHIPPED"), ("SHIPPED", "IN_TRANSIT"), ("IN_TRANSIT", "DELIVERED")]
    assert seen[-1]["fulfillment"]["order"]["status"] == "DELIVERED"  # read fresh for each event
    assert seen[1]["fulfillment"]["trackingNumber"] == "1Z999"


async def test_order_updates_follow_the_derived_status(shop: Shop, live: LiveClient) -> None:
    order, fulfillment_id, ann = await shipped_order(shop, live)
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    async with subscribe(live.server.base_url, ORDER_UPDATES, {"id": order["id"]}, token=ann) as sub:
        await live.wait_for_subscriptions(1)
        for status in ("PICKED", "SHIPPED", "DELIVERED"):
            await move(live, staff, fulfillment_id, status)
        seen = [(await sub.next())["payload"]["data"]["orderUpdated"] for _ in range(2)]
    assert [(u["fromStatus"], u["toStatus"]) for u in seen] == [("PROCESSING", "SHIPPED"), ("SHIPPED", "DELIVERED")]


async def test_another_customer_cannot_follow_the_order(shop: Shop, live: LiveClient) -> None:
    order, _, _ = await shipped_order(shop, live)
    bob = await shop.token("bob@example.com", Role.CUSTOMER)
    for token in (bob, None):
        async with subscribe(live.server.base_url, FULFILLMENT_UPDATES, {"id": order["id"]}, token=token) as sub:
            message = await sub.next()
        assert message["type"] in ("error", "next")
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors and "follow" in errors[0]["message"]


async def test_only_staff_may_follow_every_order(shop: Shop, live: LiveClient) -> None:
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    async with subscribe(live.server.base_url, FULFILLMENT_UPDATES, {}, token=ann) as sub:
        message = await sub.next()
    assert "staff" in str(message["payload"])


async def test_staff_following_every_order_see_a_customers_new_order_appear(shop: Shop, live: LiveClient) -> None:
    support = await shop.token("support@example.com", Role.SUPPORT)
    async with subscribe(live.server.base_url, EVERY_ORDER_UPDATE, {}, token=support) as sub:
        await live.wait_for_subscriptions(1)
        ann = await shop.token("ann@example.com", Role.CUSTOMER)
        order = await shop.order({"TEE-0": 1}, key="new-order", token=ann)
        update = (await sub.next())["payload"]["data"]["orderUpdated"]
    assert (update["fromStatus"], update["toStatus"]) == ("PLACED", "CONFIRMED")
    assert update["order"] == {"id": order["id"], "number": order["number"], "status": "CONFIRMED",
                               "email": "ann@example.com"}


@pytest.mark.parametrize("who", ["merchandiser", "customer"])
async def test_every_order_is_refused_with_a_code_and_no_data_to_those_who_may_not_read_orders(
        shop: Shop, live: LiveClient, who: str) -> None:
    token = await (shop.token("merchandiser@example.com", Role.MERCHANDISER) if who == "merchandiser"
                   else shop.token("ann@example.com", Role.CUSTOMER))
    async with subscribe(live.server.base_url, EVERY_ORDER_UPDATE, {}, token=token) as sub:
        refused = await sub.next()
    assert refused["type"] == "error" or not refused["payload"].get("data")
    errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["PERMISSION_DENIED"]
    assert "ann@example.com" not in str(refused)


async def test_a_bad_token_is_refused_at_connection_init(live: LiveClient) -> None:
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:  # instead of connection_ack
        async with subscribe(live.server.base_url, FULFILLMENT_UPDATES, {}, token="not-a-token"):
            pass
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def warehouse_post(live: LiveClient, event: dict, *, secret: str = WAREHOUSE_SECRET, age: int = 0,
                   webhook_id: str = "msg_1") -> tuple[str, bytes, dict[str, str]]:
    body = orjson.dumps(event)
    return "/webhooks/warehouse", body, signed_headers(secret, webhook_id, int(time.time()) - age, body)


async def test_signed_warehouse_event_moves_the_fulfillment_and_reaches_the_subscriber(
        shop: Shop, live: LiveClient) -> None:
    order, fulfillment_id, ann = await shipped_order(shop, live)
    async with subscribe(live.server.base_url, FULFILLMENT_UPDATES, {"id": order["id"]}, token=ann) as sub:
        await live.wait_for_subscriptions(1)
        path, body, headers = warehouse_post(live, {"fulfillmentId": fulfillment_id, "status": "PICKED"})
        response = await live.server.http.post(path, content=body, headers=headers)
        assert response.status_code == 200, response.text
        update = (await sub.next())["payload"]["data"]["fulfillmentUpdated"]
    assert (update["fromStatus"], update["toStatus"]) == ("PENDING", "PICKED")
    again = await live.server.http.post(path, content=body, headers=headers)  # a redelivery changes nothing
    assert again.json() == {"status": "already processed"}


@pytest.mark.parametrize(("secret", "age", "why"), [
    ("whsec_d3JvbmctLXNlY3JldC0tLWtleS0tLS0tLS0=", 0, "signature does not match"),
    (WAREHOUSE_SECRET, 3600, "stale or future timestamp"),
])
async def test_bad_signature_or_stale_timestamp_is_refused_and_changes_nothing(
        shop: Shop, live: LiveClient, secret: str, age: int, why: str) -> None:
    order, fulfillment_id, ann = await shipped_order(shop, live)
    path, body, headers = warehouse_post(live, {"fulfillmentId": fulfillment_id, "status": "PICKED"},
                                         secret=secret, age=age)
    response = await live.server.http.post(path, content=body, headers=headers)
    assert (response.status_code, response.json()["error"]) == (401, why)
    staff = await shop.token("picker@example.com", Role.FULFILLMENT)
    node = await live.data("query($id: ID!) { node(id: $id) { ... on Fulfillment { status } } }",
                           {"id": fulfillment_id}, token=staff)
    assert node["node"]["status"] == "PENDING"


async def test_warehouse_event_refused_by_policy_is_a_422_with_its_code(shop: Shop, live: LiveClient) -> None:
    _, fulfillment_id, _ = await shipped_order(shop, live)
    path, body, headers = warehouse_post(live, {"fulfillmentId": fulfillment_id, "status": "DELIVERED"})
    response = await live.server.http.post(path, content=body, headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "INVALID_TRANSITION"


