"""Migration 0011 on a database with webhook deliveries and outbox events written before it, on both
databases: a PENDING delivery already attempted becomes RETRYING, payloads not yet delivered take
the new webhook body (no cart id), and each subject's sequence counter starts from its last event."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database
from app.ids import encode_id
from app.migrations import downgrade, upgrade
from models import OutboxEvent, OutboxSubjectSequence, WebhookDelivery, WebhookEndpoint
from tests.conftest import TEST_AUDIT_KEY
from tests.support import factory

CART = "0123456789abcdef0123456789abcdef"


def old_message(event_id: str, sequence: int) -> str:
    """A delivery payload as revision 0008's relay wrote it: the broker message itself."""
    return orjson.dumps({"id": event_id, "topic": "order.created", "subjectType": "EcommerceOrder", "subjectId": "7",
                         "sequence": sequence, "payload": {"number": "R-1", "campaignId": 3, "cartId": CART},
                         "occurredAt": "2026-12-01T10:00:00+00:00"}).decode()


async def test_migration_0011_moves_statuses_payloads_and_sequences(unmigrated_url: str) -> None:
    await asyncio.to_thread(upgrade, unmigrated_url, "0008")
    now = datetime.now(UTC)
    engine = create_async_engine(unmigrated_url)
    rows: list[dict[str, Any]] = [
        {"id": 1, "status": "PENDING", "attempts": 0}, {"id": 2, "status": "PENDING", "attempts": 3},
        {"id": 3, "status": "FAILED", "attempts": 10}, {"id": 4, "status": "DELIVERED", "attempts": 1}]
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(WebhookEndpoint.__table__), [{
                "id": 1, "url": "https://93.184.216.34/hook", "secret": "whsec_x", "event_types": [],
                "is_active": True, "created_at": now}])
            await conn.execute(insert(OutboxEvent.__table__), [
                {"id": f"e{n}", "topic": "order.created", "subject_type": "EcommerceOrder", "subject_id": "7",
                 "subject_sequence": n, "payload": "{}", "created_at": now, "published_at": now} for n in (1, 2, 3)])
            await conn.execute(insert(WebhookDelivery.__table__), [
                {**row, "endpoint_id": 1, "event_id": f"e{row['id']}", "topic": "order.created",
                 "payload": old_message(f"e{row['id']}", row["id"]), "next_attempt_at": now, "created_at": now}
                for row in rows])
    finally:
        await engine.dispose()

    await asyncio.to_thread(upgrade, unmigrated_url, "head", audit_key=TEST_AUDIT_KEY)

    db = Database(unmigrated_url, audit_key=TEST_AUDIT_KEY)
    try:
        async with db.read() as conn:
            moved = {r.id: r for r in (await conn.execute(select(WebhookDelivery.__table__))).all()}
            counters = (await conn.execute(select(OutboxSubjectSequence.__table__))).all()
        assert {pk: row.status for pk, row in moved.items()} == {
            1: "PENDING", 2: "RETRYING", 3: "FAILED", 4: "DELIVERED"}
        for pk in (1, 2, 3):
            body = orjson.loads(moved[pk].payload)
            assert body == {"eventId": f"e{pk}", "topic": "order.created", "subjectType": "EcommerceOrder",
                            "subjectId": encode_id("EcommerceOrder", 7), "sequence": pk,
                            "occurredAt": "2026-12-01T10:00:00+00:00",
                            "payload": {"number": "R-1", "campaignId": encode_id("Campaign", 3)}}
        assert moved[4].payload == old_message("e4", 4)  # delivered: never sent again, left as it was
        assert [tuple(c) for c in counters] == [("EcommerceOrder", "7", 3)]
        async with factory.uow(db) as work:
            work.emit(topic="order.status_changed", subject_type="EcommerceOrder", subject_id=7, payload={})
            await work.commit()
        async with db.read() as conn:
            assert await conn.scalar(select(OutboxEvent.subject_sequence)
                                     .where(OutboxEvent.topic == "order.status_changed")) == 4
    finally:
        await db.dispose()

    await asyncio.to_thread(downgrade, unmigrated_url, "0008", audit_key=TEST_AUDIT_KEY)
    engine = create_async_engine(unmigrated_url)
    try:
        async with engine.connect() as conn:
            statuses = dict((await conn.execute(select(WebhookDelivery.id, WebhookDelivery.status))).all())
    finally:
        await engine.dispose()
    assert statuses == {1: "PENDING", 2: "PENDING", 3: "FAILED", 4: "DELIVERED"}
