"""Four eyes. Pure."""

from collections.abc import Iterable

from app.domain.errors import ErrorCode
from app.policy.decisions import Decision
from app.policy.permissions import Permission, has_permission, is_staff


def may_request(roles: Iterable[str]) -> Decision:
    if is_staff(roles):
        return Decision.allow()
    return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Only staff may request an approval.")


def may_decide(roles: Iterable[str], *, decider_id: int, requester_id: int) -> Decision:
    if not has_permission(roles, Permission.DECIDE_APPROVAL):
        return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Only a manager or an admin may decide approvals.")
    if decider_id == requester_id:
        return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Nobody may decide their own request.")
    return Decision.allow()
