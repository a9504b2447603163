"""System health: the outbox backlog and its lag, webhook deliveries retrying and failed, open
exceptions; counted in SQL, in one statement."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.db import Database
from app.domain.states import ExceptionStatus, WebhookDeliveryStatus
from models import OperationalException, OutboxEvent, WebhookDelivery


@dataclass(frozen=True, slots=True)
class Health:
    as_of: datetime
    outbox_pending: int
    outbox_lag_seconds: float  # age of the oldest unpublished event; 0 when none is pending
    webhook_deliveries_retrying: int
    webhook_deliveries_failed: int
    open_exceptions: int


def _deliveries(status: str) -> object:
    return select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == status).scalar_subquery()


async def system_health(db: Database, *, now: datetime) -> Health:
    pending = OutboxEvent.published_at.is_(None)
    stmt = select(
        select(func.count()).select_from(OutboxEvent).where(pending).scalar_subquery(),
        select(func.min(OutboxEvent.created_at)).where(pending).scalar_subquery(),
        _deliveries(WebhookDeliveryStatus.RETRYING),
        _deliveries(WebhookDeliveryStatus.FAILED),
        select(func.count()).select_from(OperationalException)
        .where(OperationalException.status == ExceptionStatus.OPEN).scalar_subquery(),
    )
    async with db.read() as conn:
        outbox_pending, oldest, retrying, failed, open_exceptions = (await conn.execute(stmt)).one()
    lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
    return Health(as_of=now, outbox_pending=int(outbox_pending), outbox_lag_seconds=lag,
                  webhook_deliveries_retrying=int(retrying), webhook_deliveries_failed=int(failed),
                  open_exceptions=int(open_exceptions))
