"""What a policy function answers: allowed, or refused with a code, or allowed only with an
approved ApprovalRequest for a named action."""

from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import ErrorCode


class ApprovalAction(StrEnum):
    RETURN_OUTSIDE_WINDOW = "RETURN_OUTSIDE_WINDOW"
    ORDER_CANCEL_AFTER_SHIPMENT = "ORDER_CANCEL_AFTER_SHIPMENT"
    REFUND_ABOVE_LIMIT = "REFUND_ABOVE_LIMIT"


# The kind of subject each action's approval names.
APPROVAL_SUBJECTS = {
    ApprovalAction.RETURN_OUTSIDE_WINDOW: "EcommerceOrder",
    ApprovalAction.ORDER_CANCEL_AFTER_SHIPMENT: "EcommerceOrder",
    ApprovalAction.REFUND_ABOVE_LIMIT: "ReturnRequest",
}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    code: ErrorCode | None = None
    message: str = ""
    needs_approval: ApprovalAction | None = None

    @classmethod
    def allow(cls) -> "Decision":
        return cls(True)

    @classmethod
    def refuse(cls, code: ErrorCode, message: str) -> "Decision":
        return cls(False, code, message)

    @classmethod
    def with_approval(cls, action: ApprovalAction, message: str) -> "Decision":
        return cls(False, ErrorCode.APPROVAL_REQUIRED, message, action)
