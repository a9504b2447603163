"""The transactional outbox relay: events committed with their state change are published after
commit to the broker (live subscriptions) and queued for webhook endpoints, at least once.

Several relays (API processes, `commerce worker`s) share the work on PostgreSQL with
FOR UPDATE SKIP LOCKED. A relay that dies between publishing and marking leaves the rows
unpublished, so they go out again after restart; consumers de-duplicate on the event id.
"""

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select, update

from app.db import Database
from app.domain.states import WebhookDeliveryStatus
from app.pubsub import Broker
from models import OutboxEvent, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("commerce.outbox")
BATCH = 100
# Fault injection for the crash-safety test: die right before publishing a committed event.
KILL_BEFORE_PUBLISH_ENV = "COMMERCE_FAULT_KILL_BEFORE_PUBLISH"


def event_message(row: Any) -> dict[str, Any]:
    return {"id": row.id, "topic": row.topic, "subjectType": row.subject_type, "subjectId": row.subject_id,
            "sequence": row.subject_sequence, "payload": orjson.loads(row.payload),
            "occurredAt": row.created_at.isoformat()}


def channels_for(message: dict[str, Any]) -> list[str]:
    if message["subjectType"] == "EcommerceOrder":
        return [f"order:{message['subjectId']}", "orders"]
    return ["events"]


class OutboxRelay:
    def __init__(self, db: Database, broker: Broker, *, poll_seconds: float = 1.0,
                 on_published: Callable[[], None] | None = None) -> None:
        self.db = db
        self.broker = broker
        self.poll_seconds = poll_seconds
        self.on_published = on_published
        self._wake = asyncio.Event()
        self._kill_before_publish = os.environ.get(KILL_BEFORE_PUBLISH_ENV) == "1"

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                while await self.publish_pending() == BATCH:
                    pass
            except Exception:
                logger.exception("publishing outbox events failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish one batch of pending events; the number published."""
        async with self.db.write_session() as session, session.begin():
            rows = (await session.execute(
                select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.created_at, OutboxEvent.id).limit(BATCH)
                .with_for_update(skip_locked=True))).scalars().all()
            if not rows:
                return 0
            endpoints = (await session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.event_types)
                .where(WebhookEndpoint.is_active.is_(True)))).all()
            now = datetime.now(UTC)
            for row in rows:
                message = event_message(row)
                session.add_all(
                    WebhookDelivery(endpoint_id=endpoint_id, event_id=row.id, topic=row.topic,
                                    payload=orjson.dumps(message).decode(), status=WebhookDeliveryStatus.PENDING,
                                    attempts=0, next_attempt_at=now, created_at=now)
                    for endpoint_id, types in endpoints if not types or row.topic in types)
                if self._kill_before_publish:
                    os.kill(os.getpid(), signal.SIGKILL)
                for channel in channels_for(message):
                    await self.broker.publish(channel, message)
            await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows]))
                                  .values(published_at=now).execution_options(synchronize_session=False))
        if self.on_published is not None and any(endpoints):
            self.on_published()
        return len(rows)
