"""Return eligibility. Pure."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from app.domain.errors import ErrorCode, Problem
from app.policy.decisions import ApprovalAction, Decision
from app.policy.order_lifecycle import RETURNABLE, OrderStatus
from app.policy.permissions import Permission, has_permission


def may_request_return(roles: Iterable[str], *, is_owner: bool) -> Decision:
    if is_owner or has_permission(roles, Permission.CREATE_RETURN_FOR_ANY):
        return Decision.allow()
    return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Only the order's customer or support may request a return.")


def line_problems(requested: Sequence[tuple[int, int]], *, delivered: Mapping[int, int],
                  returned: Mapping[int, int]) -> list[Problem]:
    """Each requested (order line, quantity) must be delivered and not returned already."""
    problems = []
    wanted: dict[int, int] = {}
    for line_id, quantity in requested:
        wanted[line_id] = wanted.get(line_id, 0) + quantity
    for i, (line_id, _) in enumerate(requested):
        left = delivered.get(line_id, 0) - returned.get(line_id, 0)
        if left <= 0:
            problems.append(Problem(ErrorCode.RETURN_NOT_ELIGIBLE, "Nothing of this line can be returned "
                                    "(not delivered, or returned already).", ("input", "lines", str(i))))
        elif wanted[line_id] > left:
            problems.append(Problem(ErrorCode.RETURN_NOT_ELIGIBLE, f"At most {left} of this line can be returned.",
                                    ("input", "lines", str(i), "quantity")))
    return problems


def window_decision(status: OrderStatus, delivered_at: datetime | None, now: datetime, window_days: int) -> Decision:
    """Delivered units may come back within the window from the (last) delivery; a partly
    delivered order's delivered lines too."""
    if status not in RETURNABLE or delivered_at is None:
        return Decision.refuse(ErrorCode.RETURN_NOT_ELIGIBLE, "Only delivered items can be returned.")
    if now > delivered_at + timedelta(days=window_days):
        return Decision(False, ErrorCode.RETURN_WINDOW_EXPIRED,
                        f"The {window_days}-day return window has closed; a manager's approval is needed.",
                        ApprovalAction.RETURN_OUTSIDE_WINDOW)
    return Decision.allow()


def refund_decision(amount: Decimal, limit: Decimal, *, with_shipping: bool = False) -> Decision:
    """Above the limit, or giving back shipping (never implied), needs an approved REFUND_ABOVE_LIMIT."""
    if with_shipping:
        return Decision.with_approval(ApprovalAction.REFUND_ABOVE_LIMIT,
                                      "Refunding shipping needs a manager's approval.")
    if amount > limit:
        return Decision.with_approval(ApprovalAction.REFUND_ABOVE_LIMIT,
                                      f"Refunds above {limit} need a manager's approval.")
    return Decision.allow()
