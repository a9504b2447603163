"""Operational exceptions: what the sweep's checks look for, what they say, and how one sweep
reconciles what it found with the exceptions on file. Pure: app/services/exceptions.py reads the
rows and writes the outcome.

One exception per kind and subject may be open at a time (a partial unique index on open rows
enforces it). A swept kind is resolved by the sweep itself once its condition is no longer found.
Staff may resolve one earlier, with a note; such a resolution stands while the condition lasts (the
sweep does not open the same kind and subject again until the condition has cleared once), so that
a failed delivery or an accepted discrepancy is not re-raised every minute.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from app.domain.states import ApprovalStatus, PaymentStatus, ReturnStatus


class ExceptionKind(StrEnum):
    ORDER_FULFILLMENT_OVERDUE = "ORDER_FULFILLMENT_OVERDUE"
    RETURN_AWAITING_ACTION = "RETURN_AWAITING_ACTION"
    APPROVAL_AWAITING_DECISION = "APPROVAL_AWAITING_DECISION"
    WEBHOOK_DELIVERY_FAILED = "WEBHOOK_DELIVERY_FAILED"
    OUTBOX_LAGGING = "OUTBOX_LAGGING"
    SETTLEMENT_MISMATCH = "SETTLEMENT_MISMATCH"
    STOCK_MISMATCH = "STOCK_MISMATCH"
    INTEGRATION_REFERENCE_MISMATCH = "INTEGRATION_REFERENCE_MISMATCH"


# A refused notice is an event, not a condition that lasts: nothing clears it, staff resolve it.
# Every other kind is a condition the sweep looks for, and resolves when it is gone.
SWEPT_KINDS = frozenset(ExceptionKind) - {ExceptionKind.INTEGRATION_REFERENCE_MISMATCH}

# Statuses each check watches (the order's: app/policy/order_lifecycle.py, FULFILLABLE and
# HOLDING_ALLOCATIONS).
AWAITING_RETURNS = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)
AWAITING_APPROVALS = (ApprovalStatus.PENDING,)
# Once the order's payment reached one of these, its total was captured: the payments must then
# hold the total less what its returns refunded (nothing, once the order is cancelled).
CAPTURED = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
# Deliveries of these topics never open an exception: a failing alert must not raise another.
EXCEPTION_TOPIC_PREFIX = "exception."
SYSTEM = "system"  # resolvedBy of the sweep's own resolutions
SUMMARY_MAX = 1000


@dataclass(frozen=True, slots=True)
class Thresholds:
    fulfillment_sla: timedelta
    return_sla: timedelta
    approval_sla: timedelta
    outbox_lag: timedelta

    @classmethod
    def of(cls, *, fulfillment_sla_hours: float, return_sla_hours: float, approval_sla_hours: float,
           outbox_lag_alert_seconds: float) -> "Thresholds":
        return cls(timedelta(hours=fulfillment_sla_hours), timedelta(hours=return_sla_hours),
                   timedelta(hours=approval_sla_hours), timedelta(seconds=outbox_lag_alert_seconds))


def subject_key(subject_type: str | None, subject_id: int | None, reference: str | None = None) -> str:
    """What "the same subject" means for the one-open-exception rule: a known object
    ("EcommerceOrder:12"), an unknown one named by an integration ("Payment@test:pi_9"), or
    nothing (a system-wide condition: "")."""
    if subject_type is None:
        return ""
    if subject_id is not None:
        return f"{subject_type}:{subject_id}"
    return f"{subject_type}@{reference or ''}"


@dataclass(frozen=True, slots=True)
class Finding:
    """A condition a check found (or a refused notice): what an exception opens with."""

    kind: ExceptionKind
    summary: str
    subject_type: str | None = None
    subject_id: int | None = None
    reference: str | None = None  # an integration's name for a subject we do not know

    @property
    def key(self) -> str:
        return subject_key(self.subject_type, self.subject_id, self.reference)


@dataclass(frozen=True, slots=True)
class Tracked:
    """An exception on file that the sweep answers for: open, or resolved by staff while its
    condition held (`open` False: it keeps the kind and subject from opening again)."""

    id: int
    kind: ExceptionKind
    key: str
    open: bool


@dataclass(frozen=True, slots=True)
class SweepPlan:
    to_open: list[Finding]
    to_resolve: list[Tracked]  # open, and their condition is gone
    to_release: list[int]  # staff resolutions whose condition is gone: the subject may open again


def plan_sweep(findings: Iterable[Finding], tracked: Iterable[Tracked], *, limit: int) -> SweepPlan:
    """Open what was found and is neither open nor held by a staff resolution (at most `limit`,
    in a stable order: the rest open at the next sweep); resolve open exceptions of swept kinds
    whose condition was not found; release staff resolutions whose condition was not found."""
    found = {(f.kind, f.key): f for f in findings if f.kind in SWEPT_KINDS}
    tracked = [t for t in tracked if t.kind in SWEPT_KINDS]
    on_file = {(t.kind, t.key) for t in tracked}
    new = [found[k] for k in sorted(found) if k not in on_file]
    gone = [t for t in tracked if (t.kind, t.key) not in found]
    return SweepPlan(to_open=new[:max(0, limit)], to_resolve=sorted((t for t in gone if t.open), key=lambda t: t.id),
                     to_release=sorted(t.id for t in gone if not t.open))


CLEARED = {
    ExceptionKind.ORDER_FULFILLMENT_OVERDUE: "The order is no longer waiting to ship (shipped or cancelled).",
    ExceptionKind.RETURN_AWAITING_ACTION: "The return moved on (or was closed).",
    ExceptionKind.APPROVAL_AWAITING_DECISION: "The approval was decided.",
    ExceptionKind.WEBHOOK_DELIVERY_FAILED: "The delivery is no longer FAILED (retried).",
    ExceptionKind.OUTBOX_LAGGING: "The outbox relay caught up.",
    ExceptionKind.SETTLEMENT_MISMATCH: "The payments now match what the order and its returns say.",
    ExceptionKind.STOCK_MISMATCH: "The stock rows now match the open orders' allocations.",
    ExceptionKind.INTEGRATION_REFERENCE_MISMATCH: "Resolved.",
}


def cleared(kind: ExceptionKind) -> str:
    """The resolution the sweep writes when a condition is no longer found."""
    return f"Cleared by the system: {CLEARED[kind]}"


# --- what an exception says ------------------------------------------------------------------------


def age(delta: timedelta) -> str:
    """A duration as a clerk reads it: "3 d 4 h", "52 h" below three days, "12 min" below an hour."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 72 else f"{hours // 24} d {hours % 24} h"


def hours(delta: timedelta) -> str:
    value = delta.total_seconds() / 3600
    return f"{value:g} h"


def clean(text: object, max_length: int = 80) -> str:
    """Outside text (an integration's reference) made safe to show: printable characters only, cut."""
    shown = "".join(c if c.isprintable() else "?" for c in str(text))
    return shown if len(shown) <= max_length else shown[: max_length - 1] + "…"


def _bounded(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def overdue_order(*, number: str, status: str, placed_at: datetime, now: datetime, sla: timedelta) -> str:
    return (f"Order {number} is still {status}, {age(now - placed_at)} after it was placed; orders should "
            f"ship within {hours(sla)} of being placed.")


def waiting_return(*, return_id: int, order_number: str, status: str, since: datetime, now: datetime,
                   sla: timedelta) -> str:
    return (f"Return {return_id} of order {order_number} has been {status} for {age(now - since)} (since its last "
            f"change); returns should move on within {hours(sla)}.")


def waiting_approval(*, action: str, since: datetime, now: datetime, sla: timedelta) -> str:
    return (f"An approval request for {action} has been PENDING for {age(now - since)}; approvals should be "
            f"decided within {hours(sla)}.")


def failed_delivery(*, topic: str, event_id: str, endpoint_id: int, attempts: int, last_error: str | None,
                    last_status_code: int | None) -> str:
    cause = last_error or (f"HTTP {last_status_code}" if last_status_code else "no answer")
    return (f"Webhook delivery of {topic} (event {event_id}) to endpoint {endpoint_id} FAILED after {attempts} "
            f"attempt{'s' if attempts != 1 else ''} (last: {cause}).")


def outbox_lagging(*, pending: int, oldest: timedelta, threshold: timedelta) -> str:
    return (f"{pending} outbox event{'s are' if pending != 1 else ' is'} waiting to be relayed; the oldest for "
            f"{age(oldest)} (alert after {threshold.total_seconds():g} s): live updates and webhooks lag behind.")


def settlement_mismatch(*, number: str, expected: Decimal, settled: Decimal, currency: str) -> str:
    return (f"Order {number}: the payments hold {settled} {currency} captured and not refunded, but the order "
            f"and its refunded returns say {expected} {currency}.")


@dataclass(frozen=True, slots=True)
class StockRow:
    warehouse: str
    on_hand: int
    allocated: int
    held: int  # units the open orders' allocations hold in this stock row


def stock_mismatch(*, sku: str, rows: Sequence[StockRow]) -> str:
    parts = []
    for row in rows:
        problem = (f"on hand {row.on_hand} is below allocated {row.allocated}" if row.on_hand < row.allocated
                   else f"allocated {row.allocated}, while open orders hold {row.held}")
        parts.append(f"{row.warehouse}: {problem}")
    return _bounded(f"Stock of {sku} does not add up: {'; '.join(parts)}.")


def reference_mismatch(*, source: str, event_type: str | None, reference: str, message: str) -> str:
    what = f"{clean(event_type, 40)} " if event_type else ""
    return _bounded(f"A signed {source} {what}event naming {clean(reference)} was refused and not applied: "
                    f"{message}")
