"""webhookDeliveryRetry and the delivery statuses, over GraphQL, on SQLite and PostgreSQL: a delivery
to a closed loopback port reaches FAILED; once a receiver listens on that port, a retry by an ADMIN
delivers it exactly once, signed; anything but a FAILED delivery, or a role that does not manage
integrations, is refused with a code; the retry is audited and idempotent.

The outbox relay and the delivery worker run when the test says (no background tasks in ASGI
tests), against a real HTTP server on 127.0.0.1."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from app.integrations.egress import WebhookEgress
from app.integrations.signatures import verify
from app.integrations.webhooks import RetryPolicy, WebhookDispatcher
from app.policy.permissions import Role
from app.settings import Settings
from models import AuditEvent
from tests.conftest import TEST_SECRET
from tests.support.client import GraphQLClient
from tests.support.live import free_port
from tests.support.receivers import RawReceiver
from tests.support.shop import Shop, build_shop

ENDPOINT_CREATE = """
mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) {
  endpoint { id } secret userErrors { code message field } } }
"""
DELIVERIES = """
query($status: WebhookDeliveryStatus) { webhookDeliveries(first: 10, status: $status) {
  totalCount edges { node { id eventId topic status attempts lastStatusCode nextAttemptAt deliveredAt createdAt
                            attemptLog { statusCode error } } } } }
"""
RETRY = """
mutation($input: WebhookDeliveryRetryInput!) { webhookDeliveryRetry(input: $input) {
  delivery { id eventId status attempts nextAttemptAt } userErrors { code message field } } }
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The receiver listens on loopback, which webhook URLs may name only when private addresses are allowed.
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                    webhook_allow_private=True)


@asynccontextmanager
async def listening(port: int) -> AsyncIterator[RawReceiver]:
    receiver = RawReceiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", port)
    async with server:
        yield receiver


class Hooks:
    def __init__(self, client: GraphQLClient, shop: Shop) -> None:
        self.client = client
        self.shop = shop
        # One attempt allowed: a refused connection fails the delivery at once.
        self.worker = WebhookDispatcher(client.db, egress=WebhookEgress(allow_private=True),
                                        policy=RetryPolicy(max_attempts=1))

    async def admin(self) -> str:
        return await self.shop.token("admin@example.com", Role.ADMIN)

    async def relay(self) -> None:
        relay = self.client.app.state.runtime["relay"]
        while await relay.publish_pending():
            pass

    async def deliver(self) -> int:
        async with self.worker.client() as http:
            return await self.worker.deliver_due(http)

    async def deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        data = await self.client.data(DELIVERIES, {"status": status}, token=await self.admin())
        return [edge["node"] for edge in data["webhookDeliveries"]["edges"]]

    async def retry(self, delivery_id: str, token: str | None, key: str | None = None) -> dict[str, Any]:
        data = await self.client.data(RETRY, {"input": {"deliveryId": delivery_id, "idempotencyKey": key}},
                                      token=token)
        return data["webhookDeliveryRetry"]  # type: ignore[no-any-return]


async def retries_audited(hooks: Hooks) -> list[Any]:
    async with hooks.client.db.read() as conn:
        return list((await conn.execute(select(AuditEvent).where(AuditEvent.action == "webhook_delivery.retry")
                                        .order_by(AuditEvent.sequence))).all())


@pytest.fixture
async def hooks(client: GraphQLClient) -> Hooks:
    return Hooks(client, await build_shop(client))


async def test_a_failed_delivery_retried_by_an_admin_reaches_the_receiver_once_signed(hooks: Hooks) -> None:
    port = free_port()  # nothing listens here yet
    created = (await hooks.client.data(ENDPOINT_CREATE, {"input": {
        "url": f"http://127.0.0.1:{port}/hook", "eventTypes": ["order.created"]}},
        token=await hooks.admin()))["webhookEndpointCreate"]
    assert created["userErrors"] == []
    cart_id = await hooks.shop.ready_cart({"TEE-0": 1})  # a guest's cart: its id is its only credential
    order = (await hooks.shop.checkout(cart_id, key="guest-order"))["order"]
    await hooks.relay()
    [queued] = await hooks.deliveries("PENDING")
    assert (queued["topic"], queued["attempts"], queued["nextAttemptAt"] is not None) == ("order.created", 0, True)

    assert await hooks.deliver() == 1
    assert await hooks.deliver() == 0  # the worker leaves a FAILED delivery alone
    [failed] = await hooks.deliveries("FAILED")
    assert (failed["id"], failed["attempts"], failed["lastStatusCode"], failed["nextAttemptAt"]) == (
        queued["id"], 1, None, None)
    assert failed["attemptLog"] == [{"statusCode": None, "error": "connect_error"}]

    async with listening(port) as receiver:
        retried = await hooks.retry(failed["id"], await hooks.admin(), key="retry-1")
        assert retried["userErrors"] == []
        assert (retried["delivery"]["status"], retried["delivery"]["attempts"]) == ("PENDING", 0)
        assert retried["delivery"]["nextAttemptAt"] is not None
        replayed = await hooks.retry(failed["id"], await hooks.admin(), key="retry-1")
        assert replayed == retried  # the same key replays the first result and changes nothing
        assert await hooks.deliver() == 1
        assert await hooks.deliver() == 0
    [(request_line, headers, body)] = receiver.requests
    assert request_line == "POST /hook HTTP/1.1"
    assert verify(created["secret"], headers, body, now=int(time.time())) == failed["eventId"]
    event = orjson.loads(body)
    assert (event["eventId"], event["topic"], event["subjectType"], event["subjectId"], event["sequence"]) == (
        failed["eventId"], "order.created", "EcommerceOrder", order["id"], 1)
    assert event["payload"]["number"] == order["number"]
    assert cart_id not in body.decode() and "cartId" not in event["payload"]

    [delivered] = await hooks.deliveries()
    assert (delivered["status"], delivered["attempts"], delivered["lastStatusCode"], delivered["nextAttemptAt"]) == (
        "DELIVERED", 1, 200, None)
    assert delivered["deliveredAt"] is not None
    assert [a["statusCode"] for a in delivered["attemptLog"]] == [None, 200]  # every attempt, before and after

    [audited] = await retries_audited(hooks)
    assert audited.actor.endswith(":admin@example.com")
    assert (audited.subject_type, audited.from_status, audited.to_status) == ("WebhookDelivery", "FAILED", "PENDING")
    data = orjson.loads(audited.data)
    assert (data["eventId"], data["before"]["status"], data["before"]["attempts"], data["after"]["status"],
            data["after"]["attempts"]) == (failed["eventId"], "FAILED", 1, "PENDING", 0)


async def test_only_a_failed_delivery_may_be_retried(hooks: Hooks) -> None:
    admin = await hooks.admin()
    port = free_port()
    created = (await hooks.client.data(ENDPOINT_CREATE, {"input": {"url": f"http://127.0.0.1:{port}/hook"}},
                                       token=admin))["webhookEndpointCreate"]
    assert created["userErrors"] == []
    await hooks.shop.order({"TEE-0": 1}, key="pending")
    await hooks.relay()
    pending = await hooks.deliveries("PENDING")
    assert pending
    refused = await hooks.retry(pending[0]["id"], admin)
    assert refused["delivery"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("INVALID_TRANSITION", ["input", "deliveryId"])]
    assert "PENDING" in refused["userErrors"][0]["message"]

    async with listening(port):
        await hooks.deliver()
    delivered = await hooks.deliveries("DELIVERED")
    assert len(delivered) == len(pending)
    refused = await hooks.retry(delivered[0]["id"], admin)
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TRANSITION"]
    missing = await hooks.retry("V2ViaG9va0RlbGl2ZXJ5Ojk5OTk5", admin)  # WebhookDelivery:99999
    assert [e["code"] for e in missing["userErrors"]] == ["NOT_FOUND"]
    malformed = await hooks.retry("not-an-id", admin)
    assert [(e["code"], e["field"]) for e in malformed["userErrors"]] == [("INVALID", ["input", "deliveryId"])]
    assert await retries_audited(hooks) == []


async def test_a_role_that_does_not_manage_integrations_may_not_retry(hooks: Hooks) -> None:
    created = (await hooks.client.data(ENDPOINT_CREATE, {"input": {"url": f"http://127.0.0.1:{free_port()}/hook"}},
                                       token=await hooks.admin()))["webhookEndpointCreate"]
    assert created["userErrors"] == []
    await hooks.shop.order({"TEE-0": 1}, key="denied")
    await hooks.relay()
    await hooks.deliver()
    failed = await hooks.deliveries("FAILED")
    assert failed
    for role in (Role.CUSTOMER, Role.SUPPORT, Role.MERCHANDISER, Role.FULFILLMENT, Role.MANAGER, None):
        token = await hooks.shop.token(f"{role.lower()}@example.com", role) if role else None
        refused = await hooks.retry(failed[0]["id"], token, key=uuid.uuid4().hex)
        assert (refused["delivery"], [e["code"] for e in refused["userErrors"]]) == (None, ["PERMISSION_DENIED"]), role
    assert await hooks.deliveries("FAILED") == failed
    assert await retries_audited(hooks) == []
