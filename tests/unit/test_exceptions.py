"""The exceptions queue's pure rules: how a sweep reconciles findings with what is on file, who may
resolve what, and what an exception says. No database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain import exceptions as rules
from app.domain.exceptions import (
    SWEPT_KINDS,
    ExceptionKind,
    Finding,
    Thresholds,
    Tracked,
    plan_sweep,
    subject_key,
)
from app.domain.states import EXCEPTION_TRANSITIONS, ExceptionStatus
from app.policy.exceptions import may_resolve
from app.policy.permissions import Role

K = ExceptionKind
OVERDUE, FAILED, LAG = K.ORDER_FULFILLMENT_OVERDUE, K.WEBHOOK_DELIVERY_FAILED, K.OUTBOX_LAGGING


def found(kind: ExceptionKind, subject_id: int | None, subject_type: str = "EcommerceOrder") -> Finding:
    return Finding(kind, f"{kind} {subject_id}", None if subject_id is None else subject_type, subject_id)


def test_subject_keys_tell_known_unknown_and_no_subject_apart() -> None:
    assert subject_key("EcommerceOrder", 12) == "EcommerceOrder:12"
    assert subject_key("Payment", None, "test:pi_9") == "Payment@test:pi_9"
    assert subject_key(None, None) == ""
    assert found(LAG, None).key == ""


def test_what_is_found_and_not_on_file_opens_in_a_stable_order() -> None:
    plan = plan_sweep([found(OVERDUE, 2), found(OVERDUE, 1), found(LAG, None)], [], limit=10)
    assert [f.key for f in plan.to_open] == ["EcommerceOrder:1", "EcommerceOrder:2", ""]
    assert plan.to_resolve == [] and plan.to_release == []


def test_an_open_exception_is_not_opened_again_and_resolves_when_not_found() -> None:
    tracked = [Tracked(7, OVERDUE, "EcommerceOrder:1", open=True), Tracked(8, OVERDUE, "EcommerceOrder:2", open=True)]
    plan = plan_sweep([found(OVERDUE, 1)], tracked, limit=10)
    assert plan.to_open == []
    assert [t.id for t in plan.to_resolve] == [8]


def test_a_staff_resolution_holds_while_the_condition_lasts_and_is_released_when_it_clears() -> None:
    held = Tracked(9, FAILED, "WebhookDelivery:3", open=False)
    still = plan_sweep([found(FAILED, 3, "WebhookDelivery")], [held], limit=10)
    assert still.to_open == [] and still.to_resolve == [] and still.to_release == []
    cleared = plan_sweep([], [held], limit=10)
    assert cleared.to_resolve == [] and cleared.to_release == [9]


def test_openings_per_sweep_are_bounded() -> None:
    plan = plan_sweep([found(OVERDUE, i) for i in range(1, 8)], [], limit=3)
    assert [f.subject_id for f in plan.to_open] == [1, 2, 3]


def test_refused_notices_are_never_resolved_by_the_sweep() -> None:
    assert K.INTEGRATION_REFERENCE_MISMATCH not in SWEPT_KINDS
    tracked = [Tracked(5, K.INTEGRATION_REFERENCE_MISMATCH, "Payment@test:x", open=True)]
    assert plan_sweep([], tracked, limit=10).to_resolve == []


def test_an_exception_resolves_once() -> None:
    assert EXCEPTION_TRANSITIONS[ExceptionStatus.OPEN] == {ExceptionStatus.RESOLVED}
    assert EXCEPTION_TRANSITIONS[ExceptionStatus.RESOLVED] == frozenset()


@pytest.mark.parametrize(("roles", "kind", "subject_type", "allowed"), [
    ({Role.SUPPORT}, OVERDUE, "EcommerceOrder", True),
    ({Role.FULFILLMENT}, OVERDUE, "EcommerceOrder", True),
    ({Role.FULFILLMENT}, K.STOCK_MISMATCH, "ProductVariant", True),
    ({Role.FULFILLMENT}, K.SETTLEMENT_MISMATCH, "EcommerceOrder", False),
    ({Role.FULFILLMENT}, K.INTEGRATION_REFERENCE_MISMATCH, "Payment", False),
    ({Role.FULFILLMENT}, K.INTEGRATION_REFERENCE_MISMATCH, "Fulfillment", True),
    ({Role.MANAGER}, K.SETTLEMENT_MISMATCH, "EcommerceOrder", True),
    ({Role.ADMIN}, K.INTEGRATION_REFERENCE_MISMATCH, "Payment", True),
    ({Role.MERCHANDISER}, OVERDUE, "EcommerceOrder", False),
    ({Role.CUSTOMER}, OVERDUE, "EcommerceOrder", False),
    (set(), LAG, None, False),
])
def test_who_may_resolve(roles: set[Role], kind: ExceptionKind, subject_type: str | None, allowed: bool) -> None:
    decision = may_resolve(roles, kind, subject_type)
    assert decision.allowed is allowed
    assert allowed or decision.code == "PERMISSION_DENIED"


NOW = datetime(2030, 1, 10, 12, tzinfo=UTC)


def test_summaries_say_what_was_found_in_a_sentence() -> None:
    limits = Thresholds.of(fulfillment_sla_hours=48, return_sla_hours=72, approval_sla_hours=24,
                           outbox_lag_alert_seconds=300)
    assert rules.overdue_order(number="CG-000001", status="CONFIRMED", placed_at=NOW - timedelta(hours=50),
                               now=NOW, sla=limits.fulfillment_sla) == (
        "Order CG-000001 is still CONFIRMED, 50 h after it was placed; orders should ship within 48 h of being "
        "placed.")
    assert "4 d 2 h" in rules.waiting_return(return_id=3, order_number="CG-000001", status="APPROVED",
                                             since=NOW - timedelta(hours=98), now=NOW, sla=limits.return_sla)
    assert rules.settlement_mismatch(number="CG-000002", expected=Decimal("45.00"), settled=Decimal("44.00"),
                                     currency="USD") == (
        "Order CG-000002: the payments hold 44.00 USD captured and not refunded, but the order and its refunded "
        "returns say 45.00 USD.")
    assert rules.outbox_lagging(pending=1, oldest=timedelta(minutes=7), threshold=limits.outbox_lag).startswith(
        "1 outbox event is waiting")


def test_outside_text_is_shown_printable_and_bounded() -> None:
    assert rules.clean("pi_\x1b[31m\u202e9") == "pi_?[31m?9"
    assert len(rules.clean("x" * 500)) == 80
    summary = rules.reference_mismatch(source="payments:test", event_type="payment.refunded",
                                       reference="test:" + "r" * 5000, message="No payment with that reference.")
    assert len(summary) <= rules.SUMMARY_MAX and "\n" not in summary
