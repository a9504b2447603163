"""Returns (customers and support) and four-eyes approvals (staff request, managers decide)."""

from typing import Annotated, Any

import strawberry

from app.domain.errors import DomainError, ErrorCode
from app.ids import decode_id, int_key
from app.loaders.orders import RETURNS, list_approvals
from app.policy.decisions import ApprovalAction as DomainApprovalAction
from app.policy.reads import Readable
from app.services import approvals as approval_service
from app.services import returns as return_service
from resolvers.base import Info, currency, input_pk, require_read, write
from schema.common import After, Connection, First
from schema.returns import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequestCreateInput,
    ApprovalRequestDecideInput,
    ApprovalRequestPayload,
    ApprovalStatus,
    ReturnRequest,
    ReturnRequestCreateInput,
    ReturnRequestDecisionInput,
    ReturnRequestPayload,
    ReturnStatus,
)


def _present_return(info: Info) -> Any:
    return lambda request: {"return_request": ReturnRequest.from_row(request, currency(info))}


def _present_approval(approval: Any) -> dict[str, Any]:
    return {"approval_request": ApprovalRequest.from_row(approval)}


def _return_id(input: ReturnRequestDecisionInput) -> int:
    return input_pk(input.return_request_id, "ReturnRequest", "returnRequestId") or 0


@strawberry.type
class ReturnQuery:
    @strawberry.field(description="SUPPORT, FULFILLMENT, MANAGER, ADMIN: return requests, newest first.")
    async def return_requests(
        self, info: Info, first: First = None, after: After = None,
        status: Annotated[ReturnStatus | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only return requests in this status.")] = None,
    ) -> Connection[ReturnRequest]:
        require_read(info, Readable.ORDER_LIST)
        request = RETURNS.request(first=first, after=after)
        db, returns = info.context.db, RETURNS.filtered(status=status.value if status else None)
        return Connection.of(await returns.page(db, request), returns.cursor,
                             lambda row: ReturnRequest.from_row(row, currency(info)), lambda: returns.count(db))

    @strawberry.field(description="MANAGER, ADMIN: approval requests, newest first (at most 500).")
    async def approval_requests(
        self, info: Info,
        status: Annotated[ApprovalStatus | None, strawberry.argument(  # type: ignore[valid-type]
            description="Only approval requests in this status.")] = None,
    ) -> list[ApprovalRequest]:
        require_read(info, Readable.APPROVAL_LIST)
        rows = await list_approvals(info.context.db, status=status.value if status else None)
        return [ApprovalRequest.from_row(r) for r in rows]


@strawberry.type
class ReturnMutation:
    @strawberry.mutation(description="Ask to return delivered units (the order's customer; SUPPORT, MANAGER, ADMIN).")
    async def return_request_create(
        self, info: Info,
        input: Annotated[ReturnRequestCreateInput, strawberry.argument(
            description="The order, why, and the lines to return.")],
    ) -> ReturnRequestPayload:
        def items() -> list[return_service.ReturnItem]:
            return [return_service.ReturnItem(
                input_pk(line.order_line_id, "OrderLine", "lines", str(i), "orderLineId") or 0, line.quantity,
                line.reason) for i, line in enumerate(input.lines)]
        return await write(info, ReturnRequestPayload, input, lambda uow: return_service.create_return(
            uow=uow, order_id=input_pk(input.order_id, "EcommerceOrder", "orderId") or 0, reason=input.reason,
            items=items(), approval_id=input_pk(input.approval_id, "ApprovalRequest", "approvalId"),
            window_days=info.context.settings.return_window_days), _present_return(info))

    @strawberry.mutation(description="Approve a requested return (SUPPORT, MANAGER, ADMIN).")
    async def return_request_approve(
        self, info: Info,
        input: Annotated[ReturnRequestDecisionInput, strawberry.argument(
            description="The return request and an optional note.")],
    ) -> ReturnRequestPayload:
        return await write(info, ReturnRequestPayload, input, lambda uow: return_service.approve_return(
            uow=uow, return_id=_return_id(input), note=input.note), _present_return(info))

    @strawberry.mutation(description="Reject a requested return (SUPPORT, MANAGER, ADMIN).")
    async def return_request_reject(
        self, info: Info,
        input: Annotated[ReturnRequestDecisionInput, strawberry.argument(
            description="The return request and an optional note.")],
    ) -> ReturnRequestPayload:
        return await write(info, ReturnRequestPayload, input, lambda uow: return_service.reject_return(
            uow=uow, return_id=_return_id(input), note=input.note), _present_return(info))

    @strawberry.mutation(description="Receive returned units and restock them (FULFILLMENT, ADMIN).")
    async def return_request_receive(
        self, info: Info,
        input: Annotated[ReturnRequestDecisionInput, strawberry.argument(
            description="The return request and an optional note.")],
    ) -> ReturnRequestPayload:
        return await write(info, ReturnRequestPayload, input, lambda uow: return_service.receive_return(
            uow=uow, return_id=_return_id(input), note=input.note), _present_return(info))

    @strawberry.mutation(description="Refund a received return (SUPPORT, MANAGER, ADMIN; above the limit with "
                                     "an approved REFUND_ABOVE_LIMIT).")
    async def return_request_refund(
        self, info: Info,
        input: Annotated[ReturnRequestDecisionInput, strawberry.argument(
            description="The return request, an optional note, and the approval and shipping choices.")],
    ) -> ReturnRequestPayload:
        return await write(info, ReturnRequestPayload, input, lambda uow: return_service.refund_return(
            uow=uow, return_id=_return_id(input), note=input.note,
            approval_id=input_pk(input.approval_id, "ApprovalRequest", "approvalId"),
            limit=info.context.settings.refund_approval_limit, gateways=info.context.gateways,
            refund_shipping=input.refund_shipping),
            _present_return(info))

    @strawberry.mutation(description="Ask a manager to allow an action on an order or return (any staff).")
    async def approval_request_create(
        self, info: Info,
        input: Annotated[ApprovalRequestCreateInput, strawberry.argument(
            description="The action, its subject and why.")],
    ) -> ApprovalRequestPayload:
        async def run(uow: Any) -> Any:
            decoded = decode_id(input.subject_id)
            subject = int_key(decoded[1]) if decoded else None
            if decoded is None or subject is None:
                raise DomainError.of(ErrorCode.INVALID, "That is not a valid id.", "input", "subjectId")
            return await approval_service.request_approval(
                uow=uow, action=DomainApprovalAction(input.action.value), subject_type=decoded[0],
                subject_id=subject, reason=input.reason)
        return await write(info, ApprovalRequestPayload, input, run, _present_approval)

    @strawberry.mutation(description="Approve (evidence required) or reject (MANAGER, ADMIN; never the requester).")
    async def approval_request_decide(
        self, info: Info,
        input: Annotated[ApprovalRequestDecideInput, strawberry.argument(
            description="The approval request, the decision and the evidence.")],
    ) -> ApprovalRequestPayload:
        return await write(info, ApprovalRequestPayload, input, lambda uow: approval_service.decide_approval(
            uow=uow, approval_id=input_pk(input.approval_id, "ApprovalRequest", "approvalId") or 0,
            approve=input.decision == ApprovalDecision.APPROVE, evidence=input.evidence), _present_approval)


