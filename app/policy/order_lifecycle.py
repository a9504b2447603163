"""The order lifecycle, whole: its statuses, the table of moves, who may make which move
(cancelling included), the status derived from fulfillments, and every named set of statuses the
rest of the code asks about. Pure: no I/O.

It sits in the policy layer because its guard reads the role table (app/policy/permissions.py);
the generic `transition()` guard and the other status machines stay in app/domain/states.py. Other
modules import the statuses and sets from here and never spell an order status as a string.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from enum import StrEnum

from app.domain.errors import ErrorCode
from app.domain.states import FULFILLMENT_TRANSITIONS, FulfillmentStatus, ReturnStatus, Transitions
from app.policy.decisions import ApprovalAction, Decision
from app.policy.permissions import Permission, has_permission


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    CONFIRMED = "CONFIRMED"
    PROCESSING = "PROCESSING"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


S = OrderStatus

ORDER_TRANSITIONS: Transitions[OrderStatus] = {
    S.PLACED: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.PROCESSING, S.CANCELLED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED}),
    # Cancelling from SHIPPED or DELIVERED also needs an approved ORDER_CANCEL_AFTER_SHIPMENT.
    S.SHIPPED: frozenset({S.DELIVERED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Its customer may still cancel (while no fulfillment exists either).
BEFORE_FULFILLMENT = frozenset({S.PLACED, S.CONFIRMED})
# Staff cancel only with an approved ORDER_CANCEL_AFTER_SHIPMENT.
AFTER_SHIPMENT = frozenset({S.SHIPPED, S.DELIVERED})
# May get a new fulfillment; past COMMERCE_FULFILLMENT_SLA_HOURS in one of these, it is overdue.
FULFILLABLE = frozenset({S.CONFIRMED, S.PROCESSING})
# Whose allocations hold stock (units not shipped yet); every other order's allocations are 0.
HOLDING_ALLOCATIONS = frozenset({S.PLACED, S.CONFIRMED, S.PROCESSING})
# A return may be requested (for the units delivered so far).
RETURNABLE = frozenset({S.PROCESSING, S.SHIPPED, S.DELIVERED, S.COMPLETED})
# Moved by the order's fulfillments (derived_status); the others only by an explicit step.
DERIVED_FROM_FULFILLMENTS = frozenset({S.CONFIRMED, S.PROCESSING, S.SHIPPED})
# Becomes COMPLETED once the return window has closed with no open return.
AWAITS_COMPLETION = S.DELIVERED
# Left out of the sales report: no sale.
NOT_A_SALE = frozenset({S.CANCELLED})
# The forward chain after placement; the steps derived moves take, each one audited.
FORWARD = (S.CONFIRMED, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.COMPLETED)

# Fulfillments and returns as the order's rules read them.
SHIPPED_FULFILLMENTS = frozenset({FulfillmentStatus.SHIPPED, FulfillmentStatus.IN_TRANSIT,
                                  FulfillmentStatus.DELIVERED})
# Not shipped yet: their units are still allocated, and they are cancelled with the order.
OPEN_FULFILLMENTS = frozenset({FulfillmentStatus.PENDING, FulfillmentStatus.PICKED})
# An open return keeps a delivered order from completing.
OPEN_RETURNS = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED})


def available_transitions(status: OrderStatus, *, roles: Iterable[str], is_owner: bool) -> list[OrderStatus]:
    """The statuses this viewer may move the order to next. Cancelling after shipment is listed
    for the roles that may cancel: it needs an approved ORDER_CANCEL_AFTER_SHIPMENT as well."""
    roles = set(roles)
    allowed: set[OrderStatus] = set()
    table = ORDER_TRANSITIONS[status]
    may_cancel_now = has_permission(roles, Permission.CANCEL_ANY_ORDER) or (is_owner and status in BEFORE_FULFILLMENT)
    if S.CANCELLED in table and may_cancel_now:
        allowed.add(S.CANCELLED)
    if has_permission(roles, Permission.MANAGE_FULFILLMENT):
        allowed |= table - {S.CANCELLED}
    return [s for s in OrderStatus if s in allowed]


def available_fulfillment_steps(status: FulfillmentStatus, *, roles: Iterable[str]) -> list[FulfillmentStatus]:
    """The statuses a fulfillment may move to next, for a viewer who may manage fulfillments."""
    if not has_permission(set(roles), Permission.MANAGE_FULFILLMENT):
        return []
    return [s for s in FulfillmentStatus if s in FULFILLMENT_TRANSITIONS[status]]


def may_cancel(status: OrderStatus, *, roles: Iterable[str], is_owner: bool,
               fulfillment_started: bool) -> Decision:
    """Its customer before fulfillment starts; SUPPORT, MANAGER, ADMIN before shipment, and after
    shipment only with an approved ORDER_CANCEL_AFTER_SHIPMENT."""
    if S.CANCELLED not in ORDER_TRANSITIONS[status]:
        return Decision.refuse(ErrorCode.INVALID_TRANSITION, f"An order that is {status.lower()} cannot be cancelled.")
    if has_permission(roles, Permission.CANCEL_ANY_ORDER):
        if status in AFTER_SHIPMENT:
            return Decision.with_approval(ApprovalAction.ORDER_CANCEL_AFTER_SHIPMENT,
                                          "Cancelling a shipped order needs a manager's approval.")
        return Decision.allow()
    if is_owner:
        if status in BEFORE_FULFILLMENT and not fulfillment_started:
            return Decision.allow()
        return Decision.refuse(ErrorCode.PERMISSION_DENIED,
                               "Fulfillment has started: contact support to cancel this order.")
    return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Your role does not allow cancelling this order.")


def derived_status(current: OrderStatus, *, line_quantities: Mapping[int, int],
                   fulfilled: Iterable[tuple[str, int, int]]) -> OrderStatus:
    """The order's status from its fulfillments: PROCESSING once one exists, SHIPPED when every
    unit is in shipped fulfillments, DELIVERED when those are all delivered too. `fulfilled` holds
    (fulfillment status, order line, quantity) for each line of the fulfillments not cancelled."""
    if current not in DERIVED_FROM_FULFILLMENTS:
        return current
    rows = list(fulfilled)
    shipped: dict[int, int] = defaultdict(int)
    for status, line, quantity in rows:
        if status in SHIPPED_FULFILLMENTS:
            shipped[line] += quantity
    if line_quantities and all(shipped.get(line, 0) >= qty for line, qty in line_quantities.items()):
        all_delivered = bool(rows) and all(status == FulfillmentStatus.DELIVERED for status, _, _ in rows)
        return S.DELIVERED if all_delivered else S.SHIPPED
    if rows:
        return S.PROCESSING
    return current


def forward_path(current: OrderStatus, target: OrderStatus) -> list[OrderStatus]:
    """The steps from current to target along the order's forward chain (each one audited)."""
    if current == target or current not in FORWARD or target not in FORWARD:
        return []
    start, end = FORWARD.index(current), FORWARD.index(target)
    return list(FORWARD[start + 1:end + 1]) if end > start else []
