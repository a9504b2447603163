"""Who may move an order where (DESIGN.md Roles and the EcommerceOrder table). Pure."""

from collections.abc import Iterable

from app.domain.states import ORDER_TRANSITIONS, OrderStatus
from app.policy.permissions import Permission, has_permission

BEFORE_FULFILLMENT = frozenset({OrderStatus.PLACED, OrderStatus.CONFIRMED})
BEFORE_SHIPMENT = BEFORE_FULFILLMENT | {OrderStatus.PROCESSING}
AFTER_SHIPMENT = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def may_read_order(roles: Iterable[str], *, viewer_customer_id: int | None, order_customer_id: int | None) -> bool:
    if has_permission(roles, Permission.READ_ANY_ORDER):
        return True
    return viewer_customer_id is not None and viewer_customer_id == order_customer_id


def available_transitions(status: OrderStatus, *, roles: Iterable[str], is_owner: bool) -> list[OrderStatus]:
    """The statuses this viewer may move the order to next. Cancelling after shipment is listed
    for the roles that may cancel: it needs an approved ORDER_CANCEL_AFTER_SHIPMENT as well."""
    roles = set(roles)
    allowed: set[OrderStatus] = set()
    table = ORDER_TRANSITIONS[status]
    if OrderStatus.CANCELLED in table:
        if has_permission(roles, Permission.CANCEL_ANY_ORDER) or (is_owner and status in BEFORE_FULFILLMENT):
            allowed.add(OrderStatus.CANCELLED)
    if has_permission(roles, Permission.MANAGE_FULFILLMENT):
        allowed |= table - {OrderStatus.CANCELLED}
    return [s for s in OrderStatus if s in allowed]
