"""The operational exceptions queue over GraphQL, on SQLite and PostgreSQL: every kind opened by a
real condition (orders, returns and approvals aged past their SLA by moving the sweep's clock, an
outbox left unpublished, a webhook delivery to a closed port, a refused settlement notice, rows
corrupted behind the API's back) and resolved by the system when it clears or by staff with a note;
never two open for one kind and subject, also with sweeps racing; systemHealth against the rows.

The sweep is `app.main.check_exceptions` (what the background sweep and `commerce sweep` run) with
an explicit `now`: tests move time past an SLA by passing a later `now`, never by sleeping."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from sqlalchemy import func, insert, select, text, update

from app.db import Database
from app.domain.exceptions import ExceptionKind, Finding
from app.ids import encode_id
from app.integrations.signatures import signed_headers
from app.main import check_exceptions
from app.policy.permissions import Role
from app.services import audit as audit_service
from app.services.exceptions import SweepOutcome, open_exception
from app.services.unit_of_work import Actor, UnitOfWork
from app.settings import Settings
from models import (
    AuditEvent,
    OperationalException,
    OutboxEvent,
    Payment,
    Stock,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.api.test_order_lifecycle import (
    APPROVE,
    RECEIVE,
    REFUND,
    REJECT,
    Crew,
    cancel,
    crew,  # noqa: F401 - fixture
    decide,
    delivered_order,
    mutate,
    pk,
    request_return,
    shipment,
    shop,  # noqa: F401 - fixture
)
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET
from tests.support.asgi_ws import subscribe_asgi
from tests.support.client import GraphQLClient
from tests.support.live import free_port
from tests.support.shop import APPROVAL_CREATE, APPROVAL_DECIDE, Shop

PAYMENTS_SECRET = "whsec_" + "exceptio" * 4
WAREHOUSE_SECRET = "whsec_" + "warehous" * 4
SLA = {"fulfillment": 48, "return": 72, "approval": 24}

QUEUE = """
query($first: Int, $after: String, $status: ExceptionStatus, $kind: ExceptionKind) {
  operationalExceptions(first: $first, after: $after, status: $status, kind: $kind) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id kind status subjectId summary detectedAt resolvedAt resolvedBy resolution } }
  }
}
"""
RESOLVE = """
mutation($input: OperationalExceptionResolveInput!) { operationalExceptionResolve(input: $input) {
  exception { id kind status subjectId resolvedAt resolvedBy resolution } userErrors { code message field } } }
"""
HEALTH = """{ systemHealth { asOf outboxPending outboxLagSeconds webhookDeliveriesRetrying webhookDeliveriesFailed
                            openExceptions } }"""
CHANGED = "subscription { operationalExceptionChanged { id kind status subjectId resolvedBy resolution } }"
WEBHOOK_CREATE = ("mutation($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) "
                  "{ endpoint { id } userErrors { code message field } } }")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, env="development", run_relay=False,
                    payments_webhook_secret=PAYMENTS_SECRET, warehouse_webhook_secret=WAREHOUSE_SECRET,
                    webhook_allow_private=True, webhook_max_attempts=1)


# --- helpers -----------------------------------------------------------------------------------------


async def sweep(client: GraphQLClient, **later: float) -> SweepOutcome:
    """One sweep of the checks, `later` (hours=, seconds=) from now."""
    return await check_exceptions(client.db, client.settings, datetime.now(UTC) + timedelta(**later))


async def queue(client: GraphQLClient, token: str, **arguments: Any) -> list[dict[str, Any]]:
    body = await client.data(QUEUE, {"first": 100, **arguments}, token=token)
    return [edge["node"] for edge in body["operationalExceptions"]["edges"]]


async def of_kind(client: GraphQLClient, token: str, kind: str, status: str | None = None) -> list[dict[str, Any]]:
    return await queue(client, token, kind=kind, status=status)


async def resolve(client: GraphQLClient, token: str | None, exception_id: str, resolution: str = "Called the carrier",
                  key: str | None = None) -> dict[str, Any]:
    body = await client.data(RESOLVE, {"input": {"exceptionId": exception_id, "resolution": resolution,
                                                 "idempotencyKey": key or uuid.uuid4().hex}}, token=token)
    return body["operationalExceptionResolve"]  # type: ignore[no-any-return]


async def open_per_subject(db: Database) -> dict[tuple[str, str], int]:
    """Open exceptions per (kind, subject), counted in SQL."""
    async with db.read() as conn:
        rows = (await conn.execute(
            select(OperationalException.kind, OperationalException.subject_key, func.count())
            .where(OperationalException.status == "OPEN")
            .group_by(OperationalException.kind, OperationalException.subject_key))).all()
    return {(kind, key): int(n) for kind, key, n in rows}


async def trail(db: Database, exception_id: str) -> list[tuple[str, str | None, str | None, str]]:
    """(action, from, to, actor) of the audit events about one exception."""
    async with db.read() as conn:
        rows = (await conn.execute(
            select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status, AuditEvent.actor)
            .where(AuditEvent.subject_type == "OperationalException", AuditEvent.subject_id == str(pk(exception_id)))
            .order_by(AuditEvent.sequence))).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def topics(db: Database, exception_id: str) -> list[str]:
    async with db.read() as conn:
        return list((await conn.scalars(
            select(OutboxEvent.topic).where(OutboxEvent.subject_type == "OperationalException",
                                            OutboxEvent.subject_id == str(pk(exception_id)))
            .order_by(OutboxEvent.subject_sequence))).all())


async def publish(client: GraphQLClient) -> None:
    relay = client.app.state.runtime["relay"]
    while await relay.publish_pending():
        pass


async def deliver(client: GraphQLClient) -> None:
    """Relay the outbox, then make one attempt at every due webhook delivery."""
    await publish(client)
    dispatcher = client.app.state.runtime["dispatcher"]
    async with dispatcher.client() as http:
        while await dispatcher.deliver_due(http):
            pass


async def place(shop: Shop, crew: Crew, cart: dict[str, int] | None = None) -> dict[str, Any]:
    return await shop.order(cart or {"TEE-0": 1}, key=uuid.uuid4().hex, token=crew.ann)


async def notify(client: GraphQLClient, path: str, secret: str, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    body = orjson.dumps(event)
    response = await client.http.post(path, content=body, headers=signed_headers(
        secret, f"msg_{uuid.uuid4().hex}", int(time.time()), body))
    return response.status_code, response.json()


async def payment_of(client: GraphQLClient, order: dict[str, Any]) -> Any:
    async with client.db.read() as conn:
        return (await conn.execute(select(Payment.id, Payment.reference, Payment.status, Payment.captured_amount,
                                          Payment.refunded_amount).where(Payment.order_id == pk(order["id"])))).one()


# --- SLA checks: the clock moves, the sweep opens once, and resolves when the subject moves on ---------


async def test_an_order_not_shipped_within_the_sla_opens_one_exception_that_resolves_when_it_ships(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await place(shop, crew)
    await sweep(client, hours=SLA["fulfillment"] - 1)
    assert await of_kind(client, crew.support, "ORDER_FULFILLMENT_OVERDUE") == []

    await sweep(client, hours=SLA["fulfillment"] + 1)
    await sweep(client, hours=SLA["fulfillment"] + 2)  # found again: still one
    [opened] = await of_kind(client, crew.support, "ORDER_FULFILLMENT_OVERDUE")
    assert (opened["status"], opened["subjectId"], opened["resolvedBy"]) == ("OPEN", order["id"], None)
    assert f"Order {order['number']} is still CONFIRMED" in opened["summary"]
    assert "placed" in opened["summary"]

    await shipment(client, crew, order, "PICKED", "SHIPPED")
    await sweep(client, hours=SLA["fulfillment"] + 3)
    [resolved] = await of_kind(client, crew.support, "ORDER_FULFILLMENT_OVERDUE")
    assert (resolved["id"], resolved["status"], resolved["resolvedBy"]) == (opened["id"], "RESOLVED", "system")
    assert resolved["resolution"].startswith("Cleared by the system")
    assert [(a, f, t) for a, f, t, _ in await trail(client.db, opened["id"])] == [
        ("exception.open", None, "OPEN"), ("exception.resolve", "OPEN", "RESOLVED")]
    assert await topics(client.db, opened["id"]) == ["exception.opened", "exception.resolved"]


async def test_a_return_waiting_past_its_sla_opens_and_resolves_when_it_moves_on(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await delivered_order(shop, crew, {"TEE-0": 2})
    requested = await request_return(client, crew.ann, order, {"TEE-0": 1})
    return_id = requested["returnRequest"]["id"]
    await sweep(client, hours=SLA["return"] - 1)
    assert await of_kind(client, crew.support, "RETURN_AWAITING_ACTION") == []
    await sweep(client, hours=SLA["return"] + 1)
    [opened] = await of_kind(client, crew.support, "RETURN_AWAITING_ACTION", "OPEN")
    assert opened["subjectId"] == return_id and "REQUESTED" in opened["summary"]

    assert (await decide(client, crew.support, REJECT, return_id))["userErrors"] == []
    await sweep(client, hours=SLA["return"] + 2)
    assert [(e["status"], e["resolvedBy"]) for e in await of_kind(client, crew.support, "RETURN_AWAITING_ACTION")] \
        == [("RESOLVED", "system")]


async def test_an_approval_pending_past_its_sla_opens_and_resolves_when_decided(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await place(shop, crew)
    asked = await mutate(client, APPROVAL_CREATE, crew.support, action="ORDER_CANCEL_AFTER_SHIPMENT",
                         subjectId=order["id"], reason="Parcel lost")
    approval = asked["approvalRequest"]["id"]
    await sweep(client, hours=SLA["approval"] + 1)
    [opened] = await of_kind(client, crew.support, "APPROVAL_AWAITING_DECISION")
    assert opened["subjectId"] == approval and opened["status"] == "OPEN"

    decided = await mutate(client, APPROVAL_DECIDE, crew.manager, approvalId=approval, decision="REJECT",
                           evidence="No")
    assert decided["userErrors"] == []
    await sweep(client, hours=SLA["approval"] + 2)
    [resolved] = await of_kind(client, crew.support, "APPROVAL_AWAITING_DECISION")
    assert (resolved["status"], resolved["resolvedBy"]) == ("RESOLVED", "system")


async def test_an_outbox_left_unpublished_past_the_lag_opens_one_system_wide_exception(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await place(shop, crew)  # its events stay unpublished: no relay runs in these tests
    lag = client.settings.outbox_lag_alert_seconds
    await sweep(client, seconds=lag - 60)
    assert await of_kind(client, crew.support, "OUTBOX_LAGGING") == []
    await sweep(client, seconds=lag + 5)
    await sweep(client, seconds=lag + 10)
    [opened] = await of_kind(client, crew.support, "OUTBOX_LAGGING")
    assert opened["subjectId"] is None and "waiting to be relayed" in opened["summary"]
    assert await open_per_subject(client.db) == {("OUTBOX_LAGGING", ""): 1}

    await publish(client)  # the relay catches up
    await sweep(client, seconds=lag + 15)
    [resolved] = await of_kind(client, crew.support, "OUTBOX_LAGGING")
    assert (resolved["status"], resolved["resolvedBy"]) == ("RESOLVED", "system")


# --- webhook deliveries: a closed port, one attempt -------------------------------------------------


async def register(client: GraphQLClient, crew: Crew, event_types: list[str]) -> str:
    created = (await client.data(WEBHOOK_CREATE, {"input": {
        "url": f"http://127.0.0.1:{free_port()}/hooks", "eventTypes": event_types}},
        token=crew.admin))["webhookEndpointCreate"]
    assert created["userErrors"] == [], created["userErrors"]
    return created["endpoint"]["id"]  # type: ignore[no-any-return]


async def deliveries(db: Database, status: str | None = None) -> list[Any]:
    async with db.read() as conn:
        stmt = select(WebhookDelivery.id, WebhookDelivery.topic, WebhookDelivery.status, WebhookDelivery.last_error)
        if status:
            stmt = stmt.where(WebhookDelivery.status == status)
        return list((await conn.execute(stmt.order_by(WebhookDelivery.id))).all())


async def test_a_failed_delivery_opens_an_exception_and_a_failed_alert_never_opens_another(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await register(client, crew, ["order.created"])
    await register(client, crew, ["exception.opened", "exception.resolved"])  # the alerting endpoint, down too
    await place(shop, crew)
    await deliver(client)
    [failed] = await deliveries(client.db, "FAILED")
    assert (failed.topic, failed.last_error) == ("order.created", "connect_error")

    await sweep(client)
    [opened] = await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")
    assert opened["subjectId"] == encode_id("WebhookDelivery", failed.id)
    assert "order.created" in opened["summary"] and "connect_error" in opened["summary"]

    await deliver(client)  # exception.opened goes to the alerting endpoint, and fails
    assert sorted(d.topic for d in await deliveries(client.db, "FAILED")) == ["exception.opened", "order.created"]
    await sweep(client)
    assert len(await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")) == 1  # no alert loop
    health = (await client.data(HEALTH, token=crew.support))["systemHealth"]
    assert health["webhookDeliveriesFailed"] == 2  # the failed alert still shows here

    # Retried (what webhookDeliveryRetry does: FAILED -> PENDING): the system resolves it.
    async with client.db.write_engine.begin() as conn:
        await conn.execute(update(WebhookDelivery).where(WebhookDelivery.id == failed.id).values(status="PENDING"))
    await sweep(client)
    [resolved] = await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")
    assert (resolved["status"], resolved["resolvedBy"]) == ("RESOLVED", "system")


async def test_a_staff_resolution_stands_while_the_condition_lasts_and_a_new_failure_opens_again(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await register(client, crew, ["order.created"])
    await place(shop, crew)
    await deliver(client)
    [failed] = await deliveries(client.db, "FAILED")
    await sweep(client)
    [opened] = await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")
    resolved = await resolve(client, crew.support, opened["id"], "CRM is being replaced; event re-sent by hand")
    assert resolved["userErrors"] == []

    await sweep(client)  # still FAILED: the staff resolution stands, nothing reopens
    assert [e["status"] for e in await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")] == ["RESOLVED"]

    for status in ("PENDING", "FAILED"):  # retried, and failed again: a new exception
        async with client.db.write_engine.begin() as conn:
            await conn.execute(update(WebhookDelivery).where(WebhookDelivery.id == failed.id).values(status=status))
        await sweep(client)
    statuses = [e["status"] for e in await of_kind(client, crew.support, "WEBHOOK_DELIVERY_FAILED")]
    assert statuses == ["OPEN", "RESOLVED"]  # newest first


# --- reconciliation: rows corrupted behind the API's back ----------------------------------------------


async def orders_in_every_money_state(shop: Shop, crew: Crew) -> dict[str, dict[str, Any]]:
    """Authorized, captured, partly refunded through a return, and voided by a cancellation: the
    payments match each."""
    client = shop.client
    orders = {"authorized": await place(shop, crew), "captured": await place(shop, crew)}
    await shipment(client, crew, orders["captured"], "PICKED", "SHIPPED")
    orders["returned"] = await delivered_order(shop, crew, {"TEE-0": 2})
    requested = await request_return(client, crew.ann, orders["returned"], {"TEE-0": 1})
    for token, document in ((crew.support, APPROVE), (crew.picker, RECEIVE), (crew.support, REFUND)):
        moved = await decide(client, token, document, requested["returnRequest"]["id"])
        assert moved["userErrors"] == [], moved["userErrors"]
    orders["voided"] = await place(shop, crew)
    assert (await cancel(client, crew.support, orders["voided"]))["userErrors"] == []
    return orders


async def test_the_payments_reconcile_with_orders_and_returns_until_a_row_is_corrupted(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    orders = await orders_in_every_money_state(shop, crew)
    await sweep(client)
    assert await of_kind(client, crew.support, "SETTLEMENT_MISMATCH") == []
    assert await of_kind(client, crew.support, "STOCK_MISMATCH") == []

    captured = await payment_of(client, orders["captured"])
    async with client.db.write_engine.begin() as conn:  # a capture booked 1.00 short
        await conn.execute(update(Payment).where(Payment.id == captured.id)
                           .values(captured_amount=captured.captured_amount - Decimal("1.00")))
    await sweep(client)
    [opened] = await of_kind(client, crew.support, "SETTLEMENT_MISMATCH")
    assert opened["subjectId"] == orders["captured"]["id"]
    assert f"hold {captured.captured_amount - Decimal('1.00')} USD" in opened["summary"]
    assert f"say {captured.captured_amount} USD" in opened["summary"]
    assert (await open_per_subject(client.db))[("SETTLEMENT_MISMATCH", f"EcommerceOrder:{pk(opened['subjectId'])}")] == 1

    async with client.db.write_engine.begin() as conn:  # booked right again
        await conn.execute(update(Payment).where(Payment.id == captured.id)
                           .values(captured_amount=captured.captured_amount))
    await sweep(client)
    [resolved] = await of_kind(client, crew.support, "SETTLEMENT_MISMATCH")
    assert (resolved["status"], resolved["resolvedBy"]) == ("RESOLVED", "system")


async def test_stock_reconciles_with_open_orders_allocations_until_a_row_is_corrupted(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await orders_in_every_money_state(shop, crew)
    await place(shop, crew, {"BOOTS-0": 2})
    await sweep(client)
    assert await of_kind(client, crew.support, "STOCK_MISMATCH") == []

    boots = Stock.variant_id == shop.variants["BOOTS-0"]
    async with client.db.write_engine.begin() as conn:  # a lost allocation: 2 held by the order, 1 on the row
        await conn.execute(update(Stock).where(boots).values(allocated=Stock.allocated - 1))
    await sweep(client)
    [opened] = await of_kind(client, crew.support, "STOCK_MISMATCH")
    assert opened["subjectId"] == shop.variant_gid("BOOTS-0")
    assert "BOOTS-0" in opened["summary"] and "allocated 1, while open orders hold 2" in opened["summary"]

    async with client.db.write_engine.begin() as conn:
        await conn.execute(update(Stock).where(boots).values(allocated=Stock.allocated + 1))
    await sweep(client)
    assert [e["status"] for e in await of_kind(client, crew.support, "STOCK_MISMATCH")] == ["RESOLVED"]


# --- refused integration events ------------------------------------------------------------------------


async def test_a_settlement_notice_for_another_amount_is_refused_recorded_and_not_applied(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await place(shop, crew, {"TEE-0": 2})
    await shipment(client, crew, order, "PICKED", "SHIPPED")
    before = await payment_of(client, order)
    event = {"type": "payment.refunded", "reference": before.reference, "amount": "99.00", "currency": "USD"}

    for _ in range(2):  # the gateway sends it again (another webhook id): still one open exception
        status, body = await notify(client, "/webhooks/payments/test", PAYMENTS_SECRET, event)
        assert (status, body["errors"][0]["code"], body["errors"][0]["field"]) == (422, "INVALID", ["amount"])
    assert await payment_of(client, order) == before  # nothing applied
    [opened] = await of_kind(client, crew.support, "INTEGRATION_REFERENCE_MISMATCH")
    assert opened["subjectId"] == encode_id("Payment", before.id)
    assert "payment.refunded" in opened["summary"] and "99.00" in opened["summary"]

    status, _ = await notify(client, "/webhooks/payments/test", PAYMENTS_SECRET,
                             {**event, "reference": "pi_nobody_knows"})
    assert status == 422
    status, _ = await notify(client, "/webhooks/warehouse", WAREHOUSE_SECRET,
                             {"fulfillmentId": encode_id("Fulfillment", 999), "status": "SHIPPED",
                              "carrier": "UPS", "trackingNumber": "1Z"})
    assert status == 422
    mismatches = await of_kind(client, crew.support, "INTEGRATION_REFERENCE_MISMATCH")
    assert [e["subjectId"] for e in mismatches] == [None, None, encode_id("Payment", before.id)]
    assert "pi_nobody_knows" in mismatches[1]["summary"] and "warehouse" in mismatches[0]["summary"]
    async with client.db.read() as conn:
        refused = await conn.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "integration.notice_refused"))
    assert refused == 4  # every refusal is still audited

    await sweep(client)  # a refused notice is an event, not a condition: only staff resolve it
    assert [e["status"] for e in await of_kind(client, crew.support, "INTEGRATION_REFERENCE_MISMATCH")] == ["OPEN"] * 3
    # A payment matter: FULFILLMENT may not resolve it, SUPPORT may; a warehouse one, FULFILLMENT may.
    assert [e["code"] for e in (await resolve(client, crew.picker, mismatches[2]["id"]))["userErrors"]] == [
        "PERMISSION_DENIED"]
    assert (await resolve(client, crew.support, mismatches[2]["id"], "Gateway support ticket 88"))["userErrors"] == []
    assert (await resolve(client, crew.picker, mismatches[0]["id"], "Old test event"))["userErrors"] == []


# --- staff resolution ------------------------------------------------------------------------------------


async def test_staff_resolve_with_a_note_once_audited_and_only_with_their_role(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await place(shop, crew)
    await sweep(client, hours=SLA["fulfillment"] + 1)
    [opened] = await of_kind(client, crew.support, "ORDER_FULFILLMENT_OVERDUE")
    merchandiser = await shop.token("merch@example.com", Role.MERCHANDISER)
    for token in (crew.ann, merchandiser, None):
        refused = await resolve(client, token, opened["id"])
        assert [(e["code"]) for e in refused["userErrors"]] == ["PERMISSION_DENIED"], refused
    for note, code in (("   ", "REQUIRED"), ("x" * 1001, "INVALID"), ("bad\x1b[0m", "INVALID")):
        refused = await resolve(client, crew.support, opened["id"], note)
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [(code, ["input", "resolution"])]

    key = uuid.uuid4().hex
    done = await resolve(client, crew.support, opened["id"], "Customer agreed to wait\nuntil Monday", key=key)
    assert done["userErrors"] == []
    assert done["exception"] | {"resolvedAt": None} == {
        "id": opened["id"], "kind": "ORDER_FULFILLMENT_OVERDUE", "status": "RESOLVED", "subjectId": opened["subjectId"],
        "resolvedAt": None, "resolvedBy": "support@example.com", "resolution": "Customer agreed to wait\nuntil Monday"}
    replay = await resolve(client, crew.support, opened["id"], "Customer agreed to wait\nuntil Monday", key=key)
    assert replay == done  # the same key and input: the first result again
    again = await resolve(client, crew.manager, opened["id"], "Me too")
    assert [(e["code"], e["field"]) for e in again["userErrors"]] == [("INVALID_TRANSITION", ["input", "exceptionId"])]
    unknown = await resolve(client, crew.support, encode_id("OperationalException", 999_999))
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]

    events = await trail(client.db, opened["id"])
    assert [(a, f, t) for a, f, t, _ in events] == [("exception.open", None, "OPEN"),
                                                    ("exception.resolve", "OPEN", "RESOLVED")]
    assert events[1][3].endswith(":support@example.com")
    await sweep(client, hours=SLA["fulfillment"] + 2)  # still unshipped: the resolution stands
    assert [e["status"] for e in await of_kind(client, crew.support, "ORDER_FULFILLMENT_OVERDUE")] == ["RESOLVED"]


# --- the queue and systemHealth -----------------------------------------------------------------------


async def test_the_queue_pages_newest_first_and_filters_by_status_and_kind(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    orders = [await place(shop, crew) for _ in range(4)]
    await sweep(client, hours=SLA["fulfillment"] + 1)  # four overdue orders and the outbox lag
    everything = await queue(client, crew.support)
    assert len(everything) == 5
    assert [pk(e["id"]) for e in everything] == sorted((pk(e["id"]) for e in everything), reverse=True)
    assert {e["subjectId"] for e in everything if e["kind"] == "ORDER_FULFILLMENT_OVERDUE"} == {o["id"] for o in orders}

    seen, after, pages = [], None, 0
    while True:
        page = (await client.data(QUEUE, {"first": 2, "after": after}, token=crew.support))["operationalExceptions"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["id"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert (seen, pages) == ([e["id"] for e in everything], 3)

    await resolve(client, crew.support, everything[0]["id"])
    assert len(await queue(client, crew.support, status="OPEN")) == 4
    assert [e["id"] for e in await queue(client, crew.support, status="RESOLVED")] == [everything[0]["id"]]
    assert len(await queue(client, crew.support, kind="OUTBOX_LAGGING")) == 1
    overdue_open = await client.data(QUEUE, {"first": 10, "status": "OPEN", "kind": "ORDER_FULFILLMENT_OVERDUE"},
                                     token=crew.support)
    assert overdue_open["operationalExceptions"]["totalCount"] == len(
        [e for e in everything[1:] if e["kind"] == "ORDER_FULFILLMENT_OVERDUE"])
    foreign = await client.gql(QUEUE, {"first": 1, "after": "bm9wZQ"}, token=crew.support)
    assert foreign["errors"][0]["extensions"]["code"] == "INVALID_PAGINATION"


async def test_system_health_counts_agree_with_the_rows(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    await register(client, crew, ["order.created"])
    for _ in range(2):
        await place(shop, crew)
    await deliver(client)  # both order.created deliveries fail; everything published
    await place(shop, crew)  # pending again
    await sweep(client, hours=SLA["fulfillment"] + 1)
    async with client.db.write_engine.begin() as conn:  # a delivery waiting for a retry (another issue's status)
        endpoint = await conn.scalar(select(WebhookEndpoint.id))
        await conn.execute(insert(WebhookDelivery).values(
            endpoint_id=endpoint, event_id=str(uuid.uuid4()), topic="order.created", payload="{}", status="RETRYING",
            attempts=1, next_attempt_at=datetime.now(UTC), created_at=datetime.now(UTC)))

    health = (await client.data(HEALTH, token=crew.picker))["systemHealth"]
    async with client.db.read() as conn:
        pending, oldest = (await conn.execute(select(func.count(), func.min(OutboxEvent.created_at))
                                              .where(OutboxEvent.published_at.is_(None)))).one()
        by_status = dict((await conn.execute(select(WebhookDelivery.status, func.count())
                                             .group_by(WebhookDelivery.status))).all())
        open_count = await conn.scalar(select(func.count()).select_from(OperationalException)
                                       .where(OperationalException.status == "OPEN"))
    as_of = datetime.fromisoformat(health["asOf"])
    assert pending > 0 and open_count > 0 and by_status["FAILED"] == 2
    assert health["outboxPending"] == pending
    assert health["outboxLagSeconds"] == pytest.approx((as_of - oldest).total_seconds(), abs=0.01)
    assert health["webhookDeliveriesRetrying"] == by_status["RETRYING"] == 1
    assert health["webhookDeliveriesFailed"] == by_status["FAILED"]
    assert health["openExceptions"] == open_count

    await publish(client)
    assert (await client.data(HEALTH, token=crew.support))["systemHealth"]["outboxLagSeconds"] == 0
    for token, code in ((crew.ann, "PERMISSION_DENIED"), (await shop.token("m@example.com", Role.MERCHANDISER),
                                                          "PERMISSION_DENIED"), (None, "UNAUTHENTICATED")):
        for document in (HEALTH, QUEUE):
            body = await client.gql(document, {"first": 1} if document == QUEUE else {}, token=token)
            assert body["data"] is None and body["errors"][0]["extensions"]["code"] == code


# --- live: operationalExceptionChanged ---------------------------------------------------------------


async def wait_for_subscribers(client: GraphQLClient, count: int) -> None:
    broker = client.app.state.runtime["broker"]

    async def poll() -> None:
        while broker.subscriber_count() < count:
            await asyncio.sleep(0.01)  # polling the broker's own count, not guessing a delay

    await asyncio.wait_for(poll(), 10)


async def test_subscribers_see_exceptions_open_and_resolve(client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    order = await place(shop, crew)
    await publish(client)  # nothing waits in the outbox: the sweep will find only the overdue order
    async with subscribe_asgi(client.app, CHANGED, token=crew.picker) as follower, \
            subscribe_asgi(client.app, CHANGED, token=crew.ann) as customer:
        refused = await customer.next()
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["PERMISSION_DENIED"]
        await wait_for_subscribers(client, 1)
        await sweep(client, hours=SLA["fulfillment"] + 1)
        await publish(client)
        opened = (await follower.next())["payload"]["data"]["operationalExceptionChanged"]
        assert (opened["kind"], opened["status"], opened["subjectId"]) == ("ORDER_FULFILLMENT_OVERDUE", "OPEN",
                                                                           order["id"])
        assert (await resolve(client, crew.support, opened["id"], "Shipping tomorrow"))["userErrors"] == []
        await publish(client)
        resolved = (await follower.next())["payload"]["data"]["operationalExceptionChanged"]
        assert (resolved["id"], resolved["status"], resolved["resolvedBy"], resolved["resolution"]) == (
            opened["id"], "RESOLVED", "support@example.com", "Shipping tomorrow")


# --- never duplicated: sweeps racing on separate connections --------------------------------------------


async def test_racing_sweeps_open_and_resolve_each_exception_exactly_once(
        client: GraphQLClient, shop: Shop, crew: Crew) -> None:
    """Four sweeps at once, each on its own engine (its own connections), several rounds: on
    PostgreSQL they really interleave, and the partial unique index with ON CONFLICT DO NOTHING keeps
    one open exception per kind and subject; the conditional UPDATE resolves each once."""
    databases = [Database(client.settings.database_url, audit_key=TEST_AUDIT_KEY) for _ in range(4)]
    settings = client.settings
    try:
        orders = [await place(shop, crew) for _ in range(3)]
        later = datetime.now(UTC) + timedelta(hours=SLA["fulfillment"] + 1)

        async def race(at: datetime) -> list[SweepOutcome]:
            return list(await asyncio.gather(*(check_exceptions(db, settings, at) for db in databases)))

        first = await race(later)
        assert sum(o.opened for o in first) == 4  # three orders and the outbox lag, each opened by one sweep
        await race(later + timedelta(minutes=1))
        await shipment(client, crew, orders[0], "PICKED", "SHIPPED")
        orders += [await place(shop, crew) for _ in range(2)]
        third = await race(later + timedelta(minutes=2))
        assert sum(o.resolved for o in third) == 1 and sum(o.opened for o in third) == 2
        for _ in range(2):
            await race(later + timedelta(minutes=3))

        per_subject = await open_per_subject(client.db)
        assert set(per_subject.values()) == {1}
        assert set(per_subject) == {("OUTBOX_LAGGING", "")} | {
            ("ORDER_FULFILLMENT_OVERDUE", f"EcommerceOrder:{pk(o['id'])}") for o in orders[1:]}
        async with client.db.read() as conn:
            rows = await conn.scalar(select(func.count()).select_from(OperationalException))
            actions = dict((await conn.execute(
                select(AuditEvent.action, func.count()).where(AuditEvent.subject_type == "OperationalException")
                .group_by(AuditEvent.action))).all())
        assert rows == 6 and actions == {"exception.open": 6, "exception.resolve": 1}
        assert (await audit_service.verify(client.db)).ok  # appends stayed one chain
    finally:
        for db in databases:
            await db.dispose()


async def test_an_insert_racing_an_uncommitted_one_waits_for_it_and_then_inserts_nothing(
        client: GraphQLClient, backend: str) -> None:
    """The mechanism itself, on PostgreSQL: a second sweep inserting the same exception while the
    first has inserted it and not committed blocks on the partial unique index, and once the first
    commits its ON CONFLICT DO NOTHING inserts nothing (a check-then-insert would have found no row
    and inserted a second one)."""
    if backend != "postgres":
        pytest.skip("SQLite has one writer at a time: two uncommitted inserts cannot meet there")
    finding = Finding(ExceptionKind.OUTBOX_LAGGING, "The relay is behind.")
    other = Database(client.settings.database_url, audit_key=TEST_AUDIT_KEY)
    now = datetime.now(UTC)
    try:
        async with UnitOfWork(client.db, Actor(viewer=None, request_id="sweep-1"), now) as first, \
                UnitOfWork(other, Actor(viewer=None, request_id="sweep-2"), now) as second:
            assert await open_exception(first, finding) is not None
            racing = asyncio.create_task(open_exception(second, finding))
            await wait_for_a_lock_wait(client.db)
            assert not racing.done()
            await first.commit()
            assert await racing is None
            await second.commit()
    finally:
        await other.dispose()
    assert await open_per_subject(client.db) == {("OUTBOX_LAGGING", ""): 1}


async def wait_for_a_lock_wait(db: Database) -> None:
    """Until a session of this database waits on a lock (polling PostgreSQL's own view)."""
    waiting = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND wait_event_type = 'Lock'")

    async def poll() -> None:
        while True:
            async with db.read() as conn:
                if await conn.scalar(waiting):
                    return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), 10)


async def test_commerce_sweep_runs_the_checks_and_says_what_it_did(
        client: GraphQLClient, shop: Shop, crew: Crew, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    await place(shop, crew)
    async with client.db.write_engine.begin() as conn:  # a lost allocation
        await conn.execute(update(Stock).where(Stock.variant_id == shop.variants["TEE-0"])
                           .values(allocated=Stock.allocated - 1))
    monkeypatch.setenv("COMMERCE_DATABASE_URL", client.settings.database_url)
    monkeypatch.setenv("COMMERCE_SECRET_KEY", TEST_SECRET)
    assert await asyncio.to_thread(main, ["sweep"]) == 0
    assert capsys.readouterr().out.strip() == (
        "orders completed (return window closed): 0; operational checks: conditions found: 1, "
        "exceptions opened: 1, resolved: 0")
    assert [e["subjectId"] for e in await of_kind(client, crew.support, "STOCK_MISMATCH")] == [
        shop.variant_gid("TEE-0")]
