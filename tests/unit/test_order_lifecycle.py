"""The order lifecycle (app/policy/order_lifecycle.py): its table, who may move an order where,
the status derived from fulfillments, and the forward chain. No database."""

from itertools import pairwise

import pytest

from app.domain.errors import ErrorCode
from app.domain.states import FULFILLMENT_TRANSITIONS, FulfillmentStatus
from app.domain.states import FulfillmentStatus as F
from app.policy.decisions import ApprovalAction
from app.policy.order_lifecycle import (
    AFTER_SHIPMENT,
    BEFORE_FULFILLMENT,
    DERIVED_FROM_FULFILLMENTS,
    FORWARD,
    FULFILLABLE,
    NOT_A_SALE,
    ORDER_TRANSITIONS,
    RETURNABLE,
    OrderStatus,
    available_fulfillment_steps,
    available_transitions,
    derived_status,
    forward_path,
    may_cancel,
)
from app.policy.permissions import Role

S = OrderStatus


def test_table_matches_the_design() -> None:
    moves = {(a, b) for a, targets in ORDER_TRANSITIONS.items() for b in targets}
    assert moves == {
        (S.PLACED, S.CONFIRMED), (S.CONFIRMED, S.PROCESSING), (S.PROCESSING, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED), (S.DELIVERED, S.COMPLETED),
        *((s, S.CANCELLED) for s in (S.PLACED, S.CONFIRMED, S.PROCESSING, S.SHIPPED, S.DELIVERED))}


def test_forward_chain_follows_the_table() -> None:
    assert all(b in ORDER_TRANSITIONS[a] for a, b in pairwise(FORWARD))
    assert DERIVED_FROM_FULFILLMENTS <= set(FORWARD)
    assert FULFILLABLE <= DERIVED_FROM_FULFILLMENTS
    assert all(S.CANCELLED in ORDER_TRANSITIONS[s] for s in BEFORE_FULFILLMENT | AFTER_SHIPMENT)
    assert NOT_A_SALE == {S.CANCELLED}
    assert S.PLACED not in RETURNABLE and S.CONFIRMED not in RETURNABLE and S.CANCELLED not in RETURNABLE


@pytest.mark.parametrize(("status", "roles", "is_owner", "expected"), [
    (S.PLACED, [Role.CUSTOMER], True, [S.CANCELLED]),
    (S.CONFIRMED, [Role.CUSTOMER], True, [S.CANCELLED]),
    (S.PROCESSING, [Role.CUSTOMER], True, []),
    (S.CONFIRMED, [Role.CUSTOMER], False, []),
    (S.CONFIRMED, [Role.FULFILLMENT], False, [S.PROCESSING]),
    (S.SHIPPED, [Role.SUPPORT], False, [S.CANCELLED]),
    (S.SHIPPED, [Role.ADMIN], False, [S.DELIVERED, S.CANCELLED]),
    (S.DELIVERED, [Role.FULFILLMENT], False, [S.COMPLETED]),
    (S.COMPLETED, [Role.ADMIN], False, []),
    (S.CANCELLED, [Role.ADMIN], False, []),
])
def test_available_transitions_per_viewer(status: OrderStatus, roles: list[Role], is_owner: bool,
                                          expected: list[OrderStatus]) -> None:
    assert available_transitions(status, roles=roles, is_owner=is_owner) == expected


def test_customer_cancels_only_before_fulfillment_starts() -> None:
    assert may_cancel(S.CONFIRMED, roles=[Role.CUSTOMER], is_owner=True, fulfillment_started=False).allowed
    started = may_cancel(S.CONFIRMED, roles=[Role.CUSTOMER], is_owner=True, fulfillment_started=True)
    assert (started.allowed, started.code) == (False, ErrorCode.PERMISSION_DENIED)
    later = may_cancel(S.PROCESSING, roles=[Role.CUSTOMER], is_owner=True, fulfillment_started=True)
    assert (later.allowed, later.code) == (False, ErrorCode.PERMISSION_DENIED)
    other = may_cancel(S.PLACED, roles=[Role.CUSTOMER], is_owner=False, fulfillment_started=False)
    assert (other.allowed, other.code) == (False, ErrorCode.PERMISSION_DENIED)


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.MANAGER, Role.ADMIN])
def test_staff_cancel_before_shipment_and_with_approval_after(role: Role) -> None:
    for status in (S.PLACED, S.CONFIRMED, S.PROCESSING):
        assert may_cancel(status, roles=[role], is_owner=False, fulfillment_started=True).allowed
    for status in AFTER_SHIPMENT:
        decision = may_cancel(status, roles=[role], is_owner=False, fulfillment_started=True)
        assert (decision.allowed, decision.code, decision.needs_approval) == (
            False, ErrorCode.APPROVAL_REQUIRED, ApprovalAction.ORDER_CANCEL_AFTER_SHIPMENT)


def test_roles_without_the_cancel_permission_cannot_cancel() -> None:
    decision = may_cancel(S.CONFIRMED, roles=[Role.FULFILLMENT], is_owner=False, fulfillment_started=False)
    assert (decision.allowed, decision.code) == (False, ErrorCode.PERMISSION_DENIED)


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED])
def test_final_orders_cannot_be_cancelled(status: OrderStatus) -> None:
    decision = may_cancel(status, roles=[Role.ADMIN], is_owner=True, fulfillment_started=False)
    assert (decision.allowed, decision.code) == (False, ErrorCode.INVALID_TRANSITION)


LINES = {1: 2, 2: 1}  # order line -> quantity


@pytest.mark.parametrize(("current", "fulfilled", "expected"), [
    (S.CONFIRMED, [], S.CONFIRMED),
    (S.CONFIRMED, [(F.PENDING, 1, 2)], S.PROCESSING),
    (S.CONFIRMED, [(F.SHIPPED, 1, 2)], S.PROCESSING),  # line 2 not shipped yet
    (S.PROCESSING, [(F.SHIPPED, 1, 2), (F.PICKED, 2, 1)], S.PROCESSING),
    (S.PROCESSING, [(F.SHIPPED, 1, 1), (F.IN_TRANSIT, 1, 1), (F.SHIPPED, 2, 1)], S.SHIPPED),
    (S.PROCESSING, [(F.DELIVERED, 1, 2), (F.SHIPPED, 2, 1)], S.SHIPPED),
    (S.SHIPPED, [(F.DELIVERED, 1, 2), (F.DELIVERED, 2, 1)], S.DELIVERED),
    (S.CONFIRMED, [(F.DELIVERED, 1, 2), (F.DELIVERED, 2, 1)], S.DELIVERED),
    (S.PLACED, [(F.DELIVERED, 1, 2), (F.DELIVERED, 2, 1)], S.PLACED),  # not moved by fulfillments
    (S.DELIVERED, [(F.DELIVERED, 1, 2), (F.DELIVERED, 2, 1)], S.DELIVERED),
    (S.CANCELLED, [(F.PENDING, 1, 2)], S.CANCELLED),
])
def test_status_derived_from_fulfillments(current: OrderStatus, fulfilled: list[tuple[str, int, int]],
                                          expected: OrderStatus) -> None:
    assert derived_status(current, line_quantities=LINES, fulfilled=fulfilled) == expected


def test_stored_strings_are_read_like_members() -> None:
    fulfilled = [("DELIVERED", 1, 2), ("DELIVERED", 2, 1)]  # as the database returns them
    assert derived_status(S.SHIPPED, line_quantities=LINES, fulfilled=fulfilled) == S.DELIVERED


@pytest.mark.parametrize(("current", "target", "steps"), [
    (S.CONFIRMED, S.SHIPPED, [S.PROCESSING, S.SHIPPED]),
    (S.CONFIRMED, S.DELIVERED, [S.PROCESSING, S.SHIPPED, S.DELIVERED]),
    (S.PROCESSING, S.PROCESSING, []),
    (S.SHIPPED, S.PROCESSING, []),
    (S.PLACED, S.SHIPPED, []),
    (S.SHIPPED, S.CANCELLED, []),
])
def test_forward_path(current: OrderStatus, target: OrderStatus, steps: list[OrderStatus]) -> None:
    assert forward_path(current, target) == steps


@pytest.mark.parametrize("status", list(FulfillmentStatus))
def test_fulfillment_steps_follow_the_table_for_those_who_fulfil_and_are_empty_for_others(
        status: FulfillmentStatus) -> None:
    for role in Role:
        steps = available_fulfillment_steps(status, roles=[role])
        if role in (Role.FULFILLMENT, Role.ADMIN):
            assert set(steps) == FULFILLMENT_TRANSITIONS[status]
        else:
            assert steps == []
