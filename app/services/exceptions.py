"""The operational exceptions queue.

The sweep (`sweep_exceptions`, every minute in each API process and in `commerce sweep`) runs the
checks, each one SQL statement, and reconciles what they found with the exceptions on file
(app/domain/exceptions.plan_sweep): it opens what is new and resolves what cleared (resolvedBy
"system"). Opening is INSERT ... ON CONFLICT DO NOTHING against the partial unique index of open
rows, never check-then-insert: of several sweeps racing (processes, `commerce sweep`), one inserts
and the others insert nothing; resolving is a conditional UPDATE of an open row, so it happens
once too. Staff resolve with a note (`resolve_exception`). Every opening and resolution is audited
and emitted through the outbox (topics exception.opened and exception.resolved: the subscription
operationalExceptionChanged and webhooks).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, func, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import exceptions as rules
from app.domain.errors import DomainError, ErrorCode
from app.domain.exceptions import SWEPT_KINDS, ExceptionKind, Finding, Thresholds, Tracked
from app.domain.states import (
    EXCEPTION_TRANSITIONS,
    ExceptionStatus,
    WebhookDeliveryStatus,
    can_transition,
    transition,
)
from app.domain.validation import Checker
from app.ids import encode_id
from app.pagination import Listing
from app.policy.exceptions import may_resolve
from app.policy.order_lifecycle import FULFILLABLE, HOLDING_ALLOCATIONS, OrderStatus
from app.policy.permissions import Permission
from app.services.common import enforce, require
from app.services.unit_of_work import UnitOfWork
from app.settings import Settings
from models import (
    Allocation,
    ApprovalRequest,
    EcommerceOrder,
    OperationalException,
    OutboxEvent,
    Payment,
    ProductVariant,
    ReturnRequest,
    Stock,
    Warehouse,
    WebhookDelivery,
)
from models.exceptions import OPEN_ONLY

OPENED, RESOLVED = "exception.opened", "exception.resolved"
TOPICS = frozenset({OPENED, RESOLVED})
SUBJECT_TYPE = "OperationalException"
# At most this many exceptions open per sweep (one transaction); the rest open at the next one.
OPEN_PER_SWEEP = 500
RESOLUTION_MAX = 1000
EXCEPTION_COLUMNS = tuple(OperationalException.__table__.c)


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds.of(fulfillment_sla_hours=settings.fulfillment_sla_hours,
                         return_sla_hours=settings.return_sla_hours,
                         approval_sla_hours=settings.approval_sla_hours,
                         outbox_lag_alert_seconds=settings.outbox_lag_alert_seconds)


# --- opening and resolving ---------------------------------------------------------------------------


def _subject_gid(subject_type: str | None, subject_id: int | None) -> str | None:
    return encode_id(subject_type, subject_id) if subject_type and subject_id is not None else None


def _announce(uow: UnitOfWork, row: Any, *, previous: ExceptionStatus | None) -> None:
    """Audit the move and emit it (exception.opened / exception.resolved)."""
    status = ExceptionStatus(row.status)
    opened = status == ExceptionStatus.OPEN
    data = {"kind": row.kind, "subject": row.subject_key or None, "summary": row.summary}
    if not opened:
        data |= {"resolvedBy": row.resolved_by, "resolution": row.resolution}
    uow.audit(action="exception.open" if opened else "exception.resolve", subject_type=SUBJECT_TYPE,
              subject_id=row.id, from_status=previous, to_status=status, data=data)
    uow.emit(topic=OPENED if opened else RESOLVED, subject_type=SUBJECT_TYPE, subject_id=row.id,
             payload={"exceptionId": encode_id(SUBJECT_TYPE, row.id), "kind": row.kind, "status": status,
                      "subjectId": _subject_gid(row.subject_type, row.subject_id), "summary": row.summary,
                      "resolvedBy": row.resolved_by, "resolution": row.resolution, "at": uow.now})


async def open_exception(uow: UnitOfWork, finding: Finding) -> int | None:
    """Open an exception for what a check found, unless one is open for its kind and subject
    already: then nothing is written and None comes back. Audited and emitted in the caller's unit
    of work (the caller commits)."""
    insert = postgresql_insert if uow.session.bind.dialect.name == "postgresql" else sqlite_insert
    values = {"kind": finding.kind, "status": ExceptionStatus.OPEN, "subject_type": finding.subject_type,
              "subject_id": finding.subject_id, "subject_key": finding.key,
              "summary": finding.summary[:rules.SUMMARY_MAX], "detected_at": uow.now, "reopen_blocked": False}
    stmt = (insert(OperationalException).values(**values)
            .on_conflict_do_nothing(index_elements=["kind", "subject_key"], index_where=OPEN_ONLY)
            .returning(*EXCEPTION_COLUMNS))
    row = (await uow.session.execute(stmt)).first()
    if row is None:
        return None
    _announce(uow, row, previous=None)
    return int(row.id)


async def _resolve_by_system(uow: UnitOfWork, tracked: Tracked) -> bool:
    """Resolve an open exception whose condition is gone; False when someone resolved it first."""
    to = transition(EXCEPTION_TRANSITIONS, ExceptionStatus.OPEN, ExceptionStatus.RESOLVED,
                    subject="operational exception")
    row = (await uow.session.execute(
        update(OperationalException)
        .where(OperationalException.id == tracked.id, OperationalException.status == ExceptionStatus.OPEN)
        .values(status=to, resolved_at=uow.now, resolved_by=rules.SYSTEM, resolution=rules.cleared(tracked.kind))
        .returning(*EXCEPTION_COLUMNS).execution_options(synchronize_session=False))).first()
    if row is None:
        return False
    _announce(uow, row, previous=ExceptionStatus.OPEN)
    return True


async def resolve_exception(*, uow: UnitOfWork, exception_id: int, resolution: str) -> OperationalException:
    """Staff resolve an exception with a note. While the condition of a swept kind still holds,
    the resolution stands: the sweep opens it again only after the condition has cleared once."""
    check = Checker()
    note = check.text(resolution, "resolution", label="Resolution", max_length=RESOLUTION_MAX, required=True,
                      multiline=True)
    check.raise_if_any()
    require(uow.actor, Permission.RESOLVE_EXCEPTION)
    row = await uow.session.get(OperationalException, exception_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "That exception does not exist.", "input", "exceptionId")
    kind = ExceptionKind(row.kind)
    enforce(may_resolve(uow.actor.roles, kind, row.subject_type), "exceptionId")
    current = ExceptionStatus(row.status)
    if not can_transition(EXCEPTION_TRANSITIONS, current, ExceptionStatus.RESOLVED):
        raise DomainError.of(ErrorCode.INVALID_TRANSITION,
                             f"This exception was resolved already, by {row.resolved_by}.", "input", "exceptionId")
    assert uow.actor.viewer is not None  # require() let a signed-in viewer through only
    row.status = transition(EXCEPTION_TRANSITIONS, current, ExceptionStatus.RESOLVED, subject="operational exception")
    row.resolved_at, row.resolved_by, row.resolution = uow.now, uow.actor.viewer.email, note
    row.reopen_blocked = kind in SWEPT_KINDS
    await uow.session.flush()
    _announce(uow, row, previous=current)
    await uow.commit(row)
    return row


# --- the sweep -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    found: int
    opened: int
    resolved: int


async def sweep_exceptions(*, uow: UnitOfWork, thresholds: Thresholds, limit: int = OPEN_PER_SWEEP) -> SweepOutcome:
    """Run every check as of `uow.now`, open what is new, resolve what cleared; one transaction (on
    SQLite it holds the write lock while the checks read, so what they found is still true when
    the sweep writes)."""
    session = uow.session
    findings = await find_conditions(session, thresholds, uow.now)
    tracked = [Tracked(r.id, ExceptionKind(r.kind), r.subject_key, r.status == ExceptionStatus.OPEN)
               for r in (await session.execute(
                   select(OperationalException.id, OperationalException.kind, OperationalException.subject_key,
                          OperationalException.status)
                   .where(OperationalException.kind.in_(sorted(SWEPT_KINDS)),
                          or_(OperationalException.status == ExceptionStatus.OPEN,
                              OperationalException.reopen_blocked)))).all()]
    plan = rules.plan_sweep(findings, tracked, limit=limit)
    opened = [f for f in plan.to_open if await open_exception(uow, f) is not None]
    resolved = [t for t in plan.to_resolve if await _resolve_by_system(uow, t)]
    if plan.to_release:
        await session.execute(update(OperationalException).where(OperationalException.id.in_(plan.to_release))
                              .values(reopen_blocked=False).execution_options(synchronize_session=False))
    await uow.commit()
    return SweepOutcome(found=len(findings), opened=len(opened), resolved=len(resolved))


async def find_conditions(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    """What every check finds now (each check one statement)."""
    return [finding for check in CHECKS for finding in await check(session, limits, now)]


async def _overdue_orders(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    """Measured from when the order was placed (orders keep created_at; moving to PROCESSING does
    not restart the clock: the promise is to ship within the SLA of the purchase)."""
    rows = (await session.execute(
        select(EcommerceOrder.id, EcommerceOrder.number, EcommerceOrder.status, EcommerceOrder.created_at)
        .where(EcommerceOrder.status.in_(FULFILLABLE), EcommerceOrder.created_at < now - limits.fulfillment_sla)
    )).all()
    return [Finding(ExceptionKind.ORDER_FULFILLMENT_OVERDUE, rules.overdue_order(
        number=r.number, status=r.status, placed_at=r.created_at, now=now, sla=limits.fulfillment_sla),
        "EcommerceOrder", r.id) for r in rows]


async def _waiting_returns(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    """Measured from the return's last change (updated_at): each of these statuses waits on staff."""
    rows = (await session.execute(
        select(ReturnRequest.id, ReturnRequest.status, ReturnRequest.updated_at, EcommerceOrder.number)
        .join(EcommerceOrder, EcommerceOrder.id == ReturnRequest.order_id)
        .where(ReturnRequest.status.in_(rules.AWAITING_RETURNS), ReturnRequest.updated_at < now - limits.return_sla)
    )).all()
    return [Finding(ExceptionKind.RETURN_AWAITING_ACTION, rules.waiting_return(
        return_id=r.id, order_number=r.number, status=r.status, since=r.updated_at, now=now,
        sla=limits.return_sla), "ReturnRequest", r.id) for r in rows]


async def _waiting_approvals(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    rows = (await session.execute(
        select(ApprovalRequest.id, ApprovalRequest.action, ApprovalRequest.created_at)
        .where(ApprovalRequest.status.in_(rules.AWAITING_APPROVALS),
               ApprovalRequest.created_at < now - limits.approval_sla))).all()
    return [Finding(ExceptionKind.APPROVAL_AWAITING_DECISION, rules.waiting_approval(
        action=r.action, since=r.created_at, now=now, sla=limits.approval_sla),
        "ApprovalRequest", r.id) for r in rows]


async def _failed_deliveries(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    rows = (await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.topic, WebhookDelivery.event_id, WebhookDelivery.endpoint_id,
               WebhookDelivery.attempts, WebhookDelivery.last_error, WebhookDelivery.last_status_code)
        .where(WebhookDelivery.status == WebhookDeliveryStatus.FAILED,
               ~WebhookDelivery.topic.startswith(rules.EXCEPTION_TOPIC_PREFIX, autoescape=True)))).all()
    return [Finding(ExceptionKind.WEBHOOK_DELIVERY_FAILED, rules.failed_delivery(
        topic=r.topic, event_id=r.event_id, endpoint_id=r.endpoint_id, attempts=r.attempts,
        last_error=r.last_error, last_status_code=r.last_status_code), "WebhookDelivery", r.id) for r in rows]


async def _outbox_lag(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    pending, oldest = (await session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.published_at.is_(None)))).one()
    if oldest is None or now - oldest <= limits.outbox_lag:
        return []
    return [Finding(ExceptionKind.OUTBOX_LAGGING, rules.outbox_lagging(
        pending=int(pending), oldest=now - oldest, threshold=limits.outbox_lag))]


def _cents(column: Any) -> Any:
    """A money column as the integer hundredths it is stored as: exact sums on both databases."""
    return type_coerce(column, BigInteger)


async def _settlement_mismatches(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    """Per order: captured minus refunded over its payments, against what the order says it keeps
    (nothing when cancelled or never captured; else its total less what its returns refunded)."""
    settled = (select(Payment.order_id.label("order_id"),
                      func.sum(_cents(Payment.captured_amount) - _cents(Payment.refunded_amount)).label("net"))
               .group_by(Payment.order_id).subquery())
    returned = (select(ReturnRequest.order_id.label("order_id"),
                       func.sum(_cents(ReturnRequest.refund_amount)).label("refunded"))
                .where(ReturnRequest.refund_amount.is_not(None)).group_by(ReturnRequest.order_id).subquery())
    expected = case((EcommerceOrder.status == OrderStatus.CANCELLED, 0),
                    (EcommerceOrder.payment_status.in_(rules.CAPTURED),
                     _cents(EcommerceOrder.total) - func.coalesce(returned.c.refunded, 0)),
                    else_=0)
    net = func.coalesce(settled.c.net, 0)
    rows = (await session.execute(
        select(EcommerceOrder.id, EcommerceOrder.number, EcommerceOrder.currency, expected.label("expected"),
               net.label("net"))
        .outerjoin(settled, settled.c.order_id == EcommerceOrder.id)
        .outerjoin(returned, returned.c.order_id == EcommerceOrder.id)
        .where(expected != net))).all()
    return [Finding(ExceptionKind.SETTLEMENT_MISMATCH, rules.settlement_mismatch(
        number=r.number, expected=Decimal(int(r.expected)).scaleb(-2), settled=Decimal(int(r.net)).scaleb(-2),
        currency=r.currency),
        "EcommerceOrder", r.id) for r in rows]


async def _stock_mismatches(session: AsyncSession, limits: Thresholds, now: datetime) -> list[Finding]:
    """Per stock row: units allocated against the allocations of orders not shipped yet (every
    allocation of a shipped or cancelled order is back to 0), and on hand against allocated."""
    held = (select(Allocation.stock_id.label("stock_id"), func.sum(Allocation.quantity).label("held"))
            .join(EcommerceOrder, EcommerceOrder.id == Allocation.order_id)
            .where(EcommerceOrder.status.in_(HOLDING_ALLOCATIONS)).group_by(Allocation.stock_id).subquery())
    held_units = func.coalesce(held.c.held, 0)
    rows = (await session.execute(
        select(Stock.variant_id, ProductVariant.sku, Warehouse.code, Stock.on_hand, Stock.allocated,
               held_units.label("held"))
        .join(ProductVariant, ProductVariant.id == Stock.variant_id)
        .join(Warehouse, Warehouse.id == Stock.warehouse_id)
        .outerjoin(held, held.c.stock_id == Stock.id)
        .where(or_(Stock.allocated != held_units, Stock.on_hand < Stock.allocated))
        .order_by(Stock.variant_id, Warehouse.code))).all()
    per_variant: dict[tuple[int, str], list[rules.StockRow]] = defaultdict(list)
    for r in rows:
        per_variant[(r.variant_id, r.sku)].append(rules.StockRow(r.code, int(r.on_hand), int(r.allocated), int(r.held)))
    return [Finding(ExceptionKind.STOCK_MISMATCH, rules.stock_mismatch(sku=sku, rows=stock_rows),
                    "ProductVariant", variant_id) for (variant_id, sku), stock_rows in per_variant.items()]


CHECKS = (_overdue_orders, _waiting_returns, _waiting_approvals, _failed_deliveries, _outbox_lag,
          _settlement_mismatches, _stock_mismatches)


# --- the queue, newest first -----------------------------------------------------------------------

def _queue_filter(status: ExceptionStatus | None, kind: ExceptionKind | None) -> list[ColumnElement[bool]]:
    return ([OperationalException.status == status] if status is not None else []) + (
        [OperationalException.kind == kind] if kind is not None else [])


EXCEPTIONS = Listing("exception:id-desc", select(*EXCEPTION_COLUMNS), (OperationalException.id,), descending=True,
                     where=_queue_filter)
