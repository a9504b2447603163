"""Who may move an order where. Pure."""

from collections.abc import Iterable

from app.domain.errors import ErrorCode
from app.domain.states import ORDER_TRANSITIONS, OrderStatus
from app.policy.decisions import ApprovalAction, Decision
from app.policy.permissions import Permission, has_permission

BEFORE_FULFILLMENT = frozenset({OrderStatus.PLACED, OrderStatus.CONFIRMED})
BEFORE_SHIPMENT = BEFORE_FULFILLMENT | {OrderStatus.PROCESSING}
AFTER_SHIPMENT = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def available_transitions(status: OrderStatus, *, roles: Iterable[str], is_owner: bool) -> list[OrderStatus]:
    """The statuses this viewer may move the order to next. Cancelling after shipment is listed
    for the roles that may cancel: it needs an approved ORDER_CANCEL_AFTER_SHIPMENT as well."""
    roles = set(roles)
    allowed: set[OrderStatus] = set()
    table = ORDER_TRANSITIONS[status]
    may_cancel_now = has_permission(roles, Permission.CANCEL_ANY_ORDER) or (is_owner and status in BEFORE_FULFILLMENT)
    if OrderStatus.CANCELLED in table and may_cancel_now:
        allowed.add(OrderStatus.CANCELLED)
    if has_permission(roles, Permission.MANAGE_FULFILLMENT):
        allowed |= table - {OrderStatus.CANCELLED}
    return [s for s in OrderStatus if s in allowed]


def may_cancel(status: OrderStatus, *, roles: Iterable[str], is_owner: bool,
               fulfillment_started: bool) -> Decision:
    """Its customer before fulfillment starts; SUPPORT, MANAGER, ADMIN before shipment, and after
    shipment only with an approved ORDER_CANCEL_AFTER_SHIPMENT."""
    if OrderStatus.CANCELLED not in ORDER_TRANSITIONS[status]:
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


def derived_status(current: OrderStatus, *, line_quantities: dict[int, int], shipped: dict[int, int],
                   any_fulfillment: bool, all_delivered: bool) -> OrderStatus:
    """The order's status from its fulfillments: PROCESSING once one exists, SHIPPED when every
    unit is in shipped fulfillments, DELIVERED when those are all delivered too."""
    if current not in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED):
        return current
    if line_quantities and all(shipped.get(line, 0) >= qty for line, qty in line_quantities.items()):
        return OrderStatus.DELIVERED if all_delivered else OrderStatus.SHIPPED
    if any_fulfillment:
        return OrderStatus.PROCESSING
    return current


FORWARD = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
           OrderStatus.COMPLETED)


def forward_path(current: OrderStatus, target: OrderStatus) -> list[OrderStatus]:
    """The steps from current to target along the order's forward chain (each one audited)."""
    if current == target or current not in FORWARD or target not in FORWARD:
        return []
    start, end = FORWARD.index(current), FORWARD.index(target)
    return list(FORWARD[start + 1:end + 1]) if end > start else []
