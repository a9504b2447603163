"""Per-subject sequence numbers of outbox events under concurrent writers, on PostgreSQL (the claim
that matters) and SQLite: unique, gap-free, in emit order within a transaction, and carried into
webhook payloads with the event id and the subject's global id.

The first test writes events with bare units of work (no audit event, no row lock of the subject):
only the per-subject counter keeps them apart. The second runs concurrent GraphQL requests that
each move one return of the same order (they lock the return, not the order)."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from app.db import Database
from app.ids import decode_int_id, encode_id
from app.policy.permissions import Role
from models import OutboxEvent, WebhookDelivery
from tests.conftest import TEST_AUDIT_KEY
from tests.support import factory
from tests.support.client import GraphQLClient
from tests.support.shop import (
    FULFILLMENT_CREATE,
    FULFILLMENT_UPDATE,
    RETURN_CREATE,
    build_shop,
    return_decision,
)

WRITERS = 24


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, audit_key=TEST_AUDIT_KEY)
    yield db
    await db.dispose()


async def sequences(db: Database, subject_type: str, subject_id: str) -> list[tuple[int, str, str]]:
    async with db.read() as conn:
        rows = (await conn.execute(
            select(OutboxEvent.subject_sequence, OutboxEvent.id, OutboxEvent.topic)
            .where(OutboxEvent.subject_type == subject_type, OutboxEvent.subject_id == subject_id)
            .order_by(OutboxEvent.subject_sequence))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_concurrent_writers_to_one_subject_get_unique_gap_free_sequences(database: Database) -> None:
    async def write(n: int) -> None:
        async with factory.uow(database) as work:
            for step in (1, 2):
                work.emit(topic="test.step", subject_type="EcommerceOrder", subject_id="42",
                          payload={"writer": n, "step": step})
            work.emit(topic="test.other", subject_type="Campaign", subject_id=str(n), payload={})
            await work.commit()

    await asyncio.gather(*(write(n) for n in range(WRITERS)))
    async with database.read() as conn:
        rows = (await conn.execute(select(OutboxEvent.subject_sequence, OutboxEvent.payload)
                                   .where(OutboxEvent.subject_type == "EcommerceOrder")
                                   .order_by(OutboxEvent.subject_sequence))).all()
    assert [number for number, _ in rows] == list(range(1, 2 * WRITERS + 1))  # unique, no gap
    number_of = {(p["writer"], p["step"]): number for number, p in ((n, orjson.loads(p)) for n, p in rows)}
    for n in range(WRITERS):  # one transaction's events: consecutive, in the order emitted
        assert number_of[(n, 2)] == number_of[(n, 1)] + 1
        assert [number for number, _, _ in await sequences(database, "Campaign", str(n))] == [1]


async def test_a_rolled_back_writer_leaves_no_gap(database: Database) -> None:
    async with factory.uow(database) as work:
        work.emit(topic="test.step", subject_type="EcommerceOrder", subject_id="7", payload={})
        await work.commit()
    with pytest.raises(RuntimeError):
        async with factory.uow(database) as work:
            work.emit(topic="test.step", subject_type="EcommerceOrder", subject_id="7", payload={})
            await work._number_outbox_events()  # numbered, then the transaction fails before commit
            raise RuntimeError("refused")
    async with factory.uow(database) as work:
        work.emit(topic="test.step", subject_type="EcommerceOrder", subject_id="7", payload={})
        await work.commit()
    assert [number for number, _, _ in await sequences(database, "EcommerceOrder", "7")] == [1, 2]


WEBHOOK_CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) "
                  "{ endpoint { id } userErrors { code message field } } }")
RETURNS = 6


async def test_concurrent_requests_on_one_order_number_its_events_and_webhooks_carry_them(
        client: GraphQLClient) -> None:
    shop = await build_shop(client)
    admin = await shop.token("admin@example.com", Role.ADMIN)
    hook = await client.data(WEBHOOK_CREATE, {"input": {"url": "https://93.184.216.34/hooks"}}, token=admin)
    assert hook["webhookEndpointCreate"]["userErrors"] == []
    ann = await shop.token("ann@example.com", Role.CUSTOMER)
    order = await shop.order({"TEE-0": RETURNS}, key="many", token=ann)
    picker = await shop.token("picker@example.com", Role.FULFILLMENT)
    created = await client.data(FULFILLMENT_CREATE, {"input": {"orderId": order["id"], "idempotencyKey": "f"}},
                                token=picker)
    fulfillment = created["fulfillmentCreate"]["fulfillment"]["id"]
    for status in ("PICKED", "SHIPPED", "DELIVERED"):
        moved = await client.data(FULFILLMENT_UPDATE, {"input": {"fulfillmentId": fulfillment, "status": status,
                                                                 "carrier": "UPS", "trackingNumber": "1Z999",
                                                                 "idempotencyKey": status}}, token=picker)
        assert moved["fulfillmentUpdate"]["userErrors"] == []
    returns = []
    for n in range(RETURNS):
        requested = await client.data(RETURN_CREATE, {"input": {
            "orderId": order["id"], "reason": "Too small", "idempotencyKey": f"r{n}",
            "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]}}, token=ann)
        assert requested["returnRequestCreate"]["userErrors"] == []
        returns.append(requested["returnRequestCreate"]["returnRequest"]["id"])
    before = len(await sequences(client.db, "EcommerceOrder", str(decode_int_id(order["id"], "EcommerceOrder"))))

    support = await shop.token("support@example.com", Role.SUPPORT)

    async def decide(n: int, return_id: str) -> dict[str, Any]:
        name = "returnRequestApprove" if n % 2 else "returnRequestReject"
        data = await client.data(return_decision(name), {"input": {
            "returnRequestId": return_id, "idempotencyKey": uuid.uuid4().hex}}, token=support)
        return data[name]  # type: ignore[no-any-return]

    decided = await asyncio.gather(*(decide(n, r) for n, r in enumerate(returns)))
    assert [d["userErrors"] for d in decided] == [[]] * RETURNS

    order_pk = str(decode_int_id(order["id"], "EcommerceOrder"))
    rows = await sequences(client.db, "EcommerceOrder", order_pk)
    assert [number for number, _, _ in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == before + RETURNS
    assert [topic for _, _, topic in rows[:2]] == ["order.created", "order.status_changed"]

    relay = client.app.state.runtime["relay"]
    while await relay.publish_pending():
        pass
    async with client.db.read() as conn:
        payloads = [orjson.loads(p) for p in (await conn.execute(select(WebhookDelivery.payload))).scalars()]
    carried = {body["eventId"]: body for body in payloads if body["subjectType"] == "EcommerceOrder"}
    assert {event_id: body["sequence"] for event_id, body in carried.items()} == {
        event_id: number for number, event_id, _ in rows}
    assert {body["subjectId"] for body in carried.values()} == {order["id"]}
    decisions = [body for body in carried.values() if body["topic"] == "return.status_changed"
                 and body["payload"]["from"] == "REQUESTED"]
    assert sorted(body["payload"]["returnRequestId"] for body in decisions) == sorted(returns)
    assert {body["payload"]["orderId"] for body in decisions} == {order["id"]}
    assert all(encode_id("EcommerceOrder", order_pk) == body["subjectId"] for body in decisions)
