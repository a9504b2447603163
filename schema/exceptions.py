"""Operational exceptions and system health."""

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from app.domain.exceptions import ExceptionKind as DomainExceptionKind
from app.domain.states import ExceptionStatus as DomainExceptionStatus
from app.ids import encode_id
from app.services.health import Health
from schema.common import Node, UserError


@strawberry.enum(name="ExceptionKind", description="What an operational exception is about.")
class ExceptionKind(Enum):
    ORDER_FULFILLMENT_OVERDUE = strawberry.enum_value(
        DomainExceptionKind.ORDER_FULFILLMENT_OVERDUE.value,
        description="CONFIRMED or PROCESSING longer than COMMERCE_FULFILLMENT_SLA_HOURS after it was placed.")
    RETURN_AWAITING_ACTION = strawberry.enum_value(
        DomainExceptionKind.RETURN_AWAITING_ACTION.value,
        description="REQUESTED, APPROVED or RECEIVED, unchanged for longer than COMMERCE_RETURN_SLA_HOURS.")
    APPROVAL_AWAITING_DECISION = strawberry.enum_value(
        DomainExceptionKind.APPROVAL_AWAITING_DECISION.value,
        description="PENDING for longer than COMMERCE_APPROVAL_SLA_HOURS.")
    WEBHOOK_DELIVERY_FAILED = strawberry.enum_value(
        DomainExceptionKind.WEBHOOK_DELIVERY_FAILED.value,
        description="A webhook delivery that reached FAILED (never one of an exception.* event).")
    OUTBOX_LAGGING = strawberry.enum_value(
        DomainExceptionKind.OUTBOX_LAGGING.value,
        description="Events not yet relayed for longer than COMMERCE_OUTBOX_LAG_ALERT_SECONDS (no subject).")
    SETTLEMENT_MISMATCH = strawberry.enum_value(
        DomainExceptionKind.SETTLEMENT_MISMATCH.value,
        description="Captured minus refunded in an order's payments differs from what the order and its "
                    "refunded returns say.")
    STOCK_MISMATCH = strawberry.enum_value(
        DomainExceptionKind.STOCK_MISMATCH.value,
        description="Units allocated in a variant's stock differ from what open orders' allocations hold, or on "
                    "hand fell below allocated.")
    INTEGRATION_REFERENCE_MISMATCH = strawberry.enum_value(
        DomainExceptionKind.INTEGRATION_REFERENCE_MISMATCH.value,
        description="A signed settlement notice or warehouse event that named an unknown payment or fulfillment, "
                    "or an amount that does not fit: refused (422) and not applied.")


ExceptionStatus = strawberry.enum(DomainExceptionStatus, name="ExceptionStatus",
                                  description="OPEN until resolved, by the system when its condition clears or by "
                                              "staff with a note.")


@strawberry.type(description="Something that needs a person: opened by a check of the background sweep (or a "
                             "refused integration event), resolved by the system when its condition clears or by "
                             "staff with a note. At most one is open per kind and subject.")
class OperationalException(Node):
    kind: ExceptionKind = strawberry.field(description="What it is about.")
    status: ExceptionStatus = strawberry.field(description="OPEN or RESOLVED.")  # type: ignore[valid-type]
    subject_id: strawberry.ID | None = strawberry.field(
        description="Global id of the order, return, approval, payment, webhook delivery or variant concerned; "
                    "null for a system-wide condition or an object an integration named that does not exist.")
    summary: str = strawberry.field(description="What was found, in a sentence, as of detectedAt.")
    detected_at: datetime = strawberry.field(description="When it was opened.")
    resolved_at: datetime | None = strawberry.field(description="When it was resolved.")
    resolved_by: str | None = strawberry.field(
        description="\"system\" when the sweep found the condition cleared; else the e-mail of who resolved it.")
    resolution: str | None = strawberry.field(description="The note it was resolved with.")

    @classmethod
    def from_row(cls, row: Any) -> "OperationalException":
        subject = (strawberry.ID(encode_id(row.subject_type, row.subject_id))
                   if row.subject_type and row.subject_id is not None else None)
        return cls(id=strawberry.ID(encode_id("OperationalException", row.id)), kind=ExceptionKind(row.kind),
                   status=DomainExceptionStatus(row.status), subject_id=subject, summary=row.summary,
                   detected_at=row.detected_at, resolved_at=row.resolved_at, resolved_by=row.resolved_by,
                   resolution=row.resolution)


@strawberry.type(description="How the system is doing, read from the database at asOf.")
class SystemHealth:
    as_of: datetime = strawberry.field(description="When these figures were read.")
    outbox_pending: int = strawberry.field(description="Events written and not yet relayed.")
    outbox_lag_seconds: float = strawberry.field(
        description="Age in seconds of the oldest event not yet relayed; 0 when none is pending.")
    webhook_deliveries_retrying: int = strawberry.field(description="Webhook deliveries waiting for a retry.")
    webhook_deliveries_failed: int = strawberry.field(
        description="Webhook deliveries that gave up (FAILED), those of exception.* events included.")
    open_exceptions: int = strawberry.field(description="Operational exceptions OPEN.")

    @classmethod
    def of(cls, health: Health) -> "SystemHealth":
        return cls(as_of=health.as_of, outbox_pending=health.outbox_pending,
                   outbox_lag_seconds=health.outbox_lag_seconds,
                   webhook_deliveries_retrying=health.webhook_deliveries_retrying,
                   webhook_deliveries_failed=health.webhook_deliveries_failed,
                   open_exceptions=health.open_exceptions)


@strawberry.input(description="Resolve an open exception with a note.")
class OperationalExceptionResolveInput:
    exception_id: strawberry.ID = strawberry.field(description="The OPEN exception.")
    resolution: str = strawberry.field(description="What was done or decided (1-1000 characters; line breaks kept).")
    idempotency_key: str | None = strawberry.field(default=None,
                                                   description="Repeats with the same key replay the first result.")


@strawberry.type(description="Result of operationalExceptionResolve.")
class OperationalExceptionPayload:
    exception: OperationalException | None = strawberry.field(default=None, description="The exception, resolved.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description="Why it was refused.")
