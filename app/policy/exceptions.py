"""Who may resolve an operational exception. Pure."""

from collections.abc import Iterable

from app.domain.errors import ErrorCode
from app.domain.exceptions import ExceptionKind
from app.policy.decisions import Decision
from app.policy.permissions import Permission, has_permission


def about_money(kind: ExceptionKind, subject_type: str | None) -> bool:
    """Settlement matters: a settlement mismatch, or a refused notice about a payment."""
    return kind == ExceptionKind.SETTLEMENT_MISMATCH or (
        kind == ExceptionKind.INTEGRATION_REFERENCE_MISMATCH and subject_type == "Payment")


def may_resolve(roles: Iterable[str], kind: ExceptionKind, subject_type: str | None) -> Decision:
    roles = frozenset(roles)
    if not has_permission(roles, Permission.RESOLVE_EXCEPTION):
        return Decision.refuse(ErrorCode.PERMISSION_DENIED, "Your role does not allow resolving exceptions.")
    if about_money(kind, subject_type) and not has_permission(roles, Permission.RESOLVE_SETTLEMENT_EXCEPTION):
        return Decision.refuse(ErrorCode.PERMISSION_DENIED,
                               "Exceptions about payments are resolved by support, a manager or an admin.")
    return Decision.allow()
