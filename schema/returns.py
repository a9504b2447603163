"""Return and approval types."""

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from app.context import Context
from app.domain.states import ApprovalStatus as DomainApprovalStatus
from app.domain.states import ReturnStatus as DomainReturnStatus
from app.ids import encode_id
from app.policy.decisions import ApprovalAction as DomainApprovalAction
from app.policy.reads import Readable, may_read, may_read_order
from schema.common import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_REQUIRED,
    USER_ERRORS,
    Money,
    Node,
    UserError,
)
from schema.errors import PermissionDenied
from schema.order import EcommerceOrder, OrderLine

Info = strawberry.Info[Context, None]

ReturnStatus = strawberry.enum(DomainReturnStatus, name="ReturnStatus", description="Where a return stands.")
ApprovalStatus = strawberry.enum(DomainApprovalStatus, name="ApprovalStatus", description="Where an approval stands.")
ApprovalAction = strawberry.enum(DomainApprovalAction, name="ApprovalAction",
                                 description="What an approval allows that policy alone refuses.")


@strawberry.enum(description="A manager's decision.")
class ApprovalDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.type(description="A four-eyes approval: requested by staff, decided by a manager with evidence.")
class ApprovalRequest(Node):
    action: ApprovalAction = strawberry.field(description="What it would allow.")  # type: ignore[valid-type]
    subject_id: strawberry.ID = strawberry.field(description="Global id of the order or return it is about.")
    status: ApprovalStatus = strawberry.field(  # type: ignore[valid-type]
        description="PENDING until a manager approves or rejects it.")
    reason: str = strawberry.field(description="Why the requester asks for it.")
    requested_by: str = strawberry.field(description="E-mail of the staff member who asked.")
    decided_by: str | None = strawberry.field(
        description="E-mail of the manager who decided; null while PENDING.")
    evidence: str | None = strawberry.field(
        description="What the approver relied on: a ticket, a note, a document reference. Required to approve.")
    created_at: datetime = strawberry.field(description="When it was requested.")
    decided_at: datetime | None = strawberry.field(description="When it was decided; null while PENDING.")
    consumed_at: datetime | None = strawberry.field(description="When the action it allows used it (once).")

    @classmethod
    def from_row(cls, row: Any) -> "ApprovalRequest":
        return cls(id=strawberry.ID(encode_id("ApprovalRequest", row.id)), action=DomainApprovalAction(row.action),
                   subject_id=strawberry.ID(encode_id(row.subject_type, row.subject_id)),
                   status=DomainApprovalStatus(row.status), reason=row.reason, requested_by=row.requested_by,
                   decided_by=row.decided_by, evidence=row.evidence, created_at=row.created_at,
                   decided_at=row.decided_at, consumed_at=row.consumed_at)


@strawberry.type(description="Units of an order line being returned.")
class ReturnLine:
    quantity: int = strawberry.field(description="Units of the order line returned.")
    reason: str | None = strawberry.field(description="Why this line is returned, if given.")
    order_line_id: strawberry.Private[int]

    @strawberry.field(description="The order line returned.")
    async def order_line(self, info: Info) -> OrderLine:
        return OrderLine.from_row(await info.context.orders.order_line.load(self.order_line_id),
                                  info.context.settings.currency)


@strawberry.type(description="A customer's request to return delivered units.")
class ReturnRequest(Node):
    status: ReturnStatus = strawberry.field(description="Current status.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why the units are returned.")
    note: str | None = strawberry.field(
        description="The latest note staff gave when approving, rejecting, receiving or refunding it.")
    refund_amount: Money | None = strawberry.field(
        description="What was refunded: the paid amount of the returned units (plus shipping when chosen).")
    refund_shipping: Money | None = strawberry.field(
        description="The part of refundAmount that gave back shipping, if that was chosen.")
    created_at: datetime = strawberry.field(description="When the return was requested.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any, currency: str) -> "ReturnRequest":
        refund = Money(amount=row.refund_amount, currency=currency) if row.refund_amount is not None else None
        shipping = Money(amount=row.refund_shipping, currency=currency) if row.refund_shipping else None
        return cls(id=strawberry.ID(encode_id("ReturnRequest", row.id)), status=DomainReturnStatus(row.status),
                   reason=row.reason, note=row.note, refund_amount=refund, refund_shipping=shipping,
                   created_at=row.created_at, row=row)

    @strawberry.field(description="The order returned from (PERMISSION_DENIED for those who may not read it).")
    async def order(self, info: Info) -> EcommerceOrder:
        row = await info.context.orders.order.load(self.row.order_id)
        if not may_read_order(info.context.viewer, row.customer_id):
            raise PermissionDenied("You may not read this order.")
        return EcommerceOrder.from_row(row, info.context.settings.currency)

    @strawberry.field(description="What is returned.")
    async def lines(self, info: Info) -> list[ReturnLine]:
        return [ReturnLine(quantity=r.quantity, reason=r.reason, order_line_id=r.order_line_id)
                for r in await info.context.orders.return_lines.load(self.row.id)]

    @strawberry.field(description="The approval that allowed it, e.g. past the return window; null for those "
                                  "who may not read approvals (customers, MERCHANDISER).")
    async def approval(self, info: Info) -> ApprovalRequest | None:
        if not may_read(info.context.viewer, Readable.APPROVAL):
            return None  # reasons and evidence are internal
        row = await info.context.orders.approval.load(self.row.approval_id) if self.row.approval_id else None
        return ApprovalRequest.from_row(row) if row else None


@strawberry.input(description="Units of an order line to return.")
class ReturnLineInput:
    order_line_id: strawberry.ID = strawberry.field(description="A line of the order.")
    quantity: int = strawberry.field(
        description="Units to return, 1 to 999, at most those delivered and not returned yet.")
    reason: str | None = strawberry.field(
        default=None, description="Why this line, at most 1,000 characters.")


@strawberry.input(description="Ask to return delivered units.")
class ReturnRequestCreateInput:
    order_id: strawberry.ID = strawberry.field(description="The order the units were delivered with.")
    reason: str = strawberry.field(description="Why, at most 1,000 characters.")
    lines: list[ReturnLineInput] = strawberry.field(description="Lines and units to return, 1 to 100.")
    approval_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An approved ApprovalRequest, for a return that policy alone would refuse (e.g. past the window).")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)


@strawberry.input(description="Decide on, receive or refund a return.")
class ReturnRequestDecisionInput:
    return_request_id: strawberry.ID = strawberry.field(description="The return request.")
    note: str | None = strawberry.field(
        default=None, description="A note kept on the return, at most 1,000 characters; omitted: the note "
                                  "stays.")
    approval_id: strawberry.ID | None = strawberry.field(
        default=None, description="Refunds above the limit: the approved REFUND_ABOVE_LIMIT (omitted: the one on file).")
    refund_shipping: bool = strawberry.field(
        default=False, description="Refunds only: also give back the shipping paid. Always needs an approved "
                                   "REFUND_ABOVE_LIMIT for this return, whatever the amount; audited.")
    idempotency_key: str = strawberry.field(description=IDEMPOTENCY_KEY_REQUIRED)


@strawberry.type(description="Result of a return mutation.")
class ReturnRequestPayload:
    return_request: ReturnRequest | None = strawberry.field(
        default=None, description="The return request as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)


@strawberry.input(description="Ask a manager to allow an action on a subject.")
class ApprovalRequestCreateInput:
    action: ApprovalAction = strawberry.field(  # type: ignore[valid-type]
        description="What the approval would allow.")
    subject_id: strawberry.ID = strawberry.field(
        description="Global id of the subject: the order (RETURN_OUTSIDE_WINDOW, "
                    "ORDER_CANCEL_AFTER_SHIPMENT) or the return request (REFUND_ABOVE_LIMIT).")
    reason: str = strawberry.field(description="Why it is needed, at most 1,000 characters.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input(description="Approve (with evidence) or reject an approval request.")
class ApprovalRequestDecideInput:
    approval_id: strawberry.ID = strawberry.field(description="The pending approval request.")
    decision: ApprovalDecision = strawberry.field(description="Approve or reject.")
    evidence: str = strawberry.field(
        description="What the decision relies on (a ticket, a note, a document), at most 2,000 characters; "
                    "required to approve.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type(description="Result of an approval mutation.")
class ApprovalRequestPayload:
    approval_request: ApprovalRequest | None = strawberry.field(
        default=None, description="The approval request as it is now; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=USER_ERRORS)
